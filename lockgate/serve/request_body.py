"""Reading a predict request: size limit, strict JSON, and the `{"records": [...]}` shape.

Every problem is a `BadRequest` with a status in the 4xx range and a message a client can act
on; nothing here may raise anything else, so bad input never becomes a 500.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_BODY_BYTES = 1_000_000
MAX_RECORDS = 1_000
TOO_LARGE = "lockgate.body_too_large"  # set in the ASGI scope by BodyLimit


class BadRequest(Exception):
    def __init__(self, status: int, message: str, details: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details or []

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error": self.message}
        if self.details:
            out["violations"] = self.details
        return out


def _no_constants(name: str) -> Any:
    raise BadRequest(422, f"{name} is not a JSON number; send null for an unknown value")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):  # e.g. 1e999: valid JSON, but no float can hold it
        raise BadRequest(422, f"number {text[:40]} is out of range")
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > 19 or not -(2**63) <= (value := int(text)) < 2**63:
        raise BadRequest(422, f"integer {text[:40]} is out of range (64 bits)")
    return value


def parse_json(body: bytes) -> Any:
    """Strict JSON: NaN, Infinity and -Infinity (which Python's json accepts) are refused."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(400, f"the body is not UTF-8 text: {exc}") from None
    try:
        return json.loads(
            text, parse_constant=_no_constants, parse_float=_finite_float, parse_int=_bounded_int
        )
    except json.JSONDecodeError as exc:
        raise BadRequest(
            400, f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise BadRequest(400, "malformed JSON: nested too deeply") from None


def parse_records(
    payload: Any, features: tuple[str, ...], *, max_records: int = MAX_RECORDS
) -> list[dict[str, Any]]:
    """The records of `{"records": [...]}`, each with exactly the model's features as keys."""
    if not isinstance(payload, dict):
        raise BadRequest(422, 'expected a JSON object {"records": [...]}')
    unknown = sorted(set(payload) - {"records"})
    if unknown:
        raise BadRequest(
            422, f"unknown top-level field(s) {', '.join(unknown)}; expected only 'records'"
        )
    records = payload.get("records")
    if not isinstance(records, list):
        raise BadRequest(422, "'records' must be a list of objects")
    if not records:
        raise BadRequest(422, "'records' is empty")
    if len(records) > max_records:
        raise BadRequest(413, f"{len(records)} records in one request; at most {max_records}")
    wanted = set(features)
    problems: list[dict[str, Any]] = []
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            problems.append(
                {
                    "record": index,
                    "error": f"expected an object of features, got {type(record).__name__}",
                }
            )
            continue
        missing = [f for f in features if f not in record]
        extra = sorted(set(record) - wanted)
        if missing:
            problems.append(
                {
                    "record": index,
                    "error": "missing field(s); send null for an unknown value",
                    "fields": missing,
                }
            )
        if extra:
            problems.append(
                {
                    "record": index,
                    "error": "unknown field(s): not features of this model",
                    "fields": extra,
                }
            )
        for key, value in record.items():
            if key in wanted and isinstance(value, (dict, list)):
                problems.append(
                    {"record": index, "error": "a feature must be a plain value", "fields": [key]}
                )
    if problems:
        raise BadRequest(
            422,
            f"{len({p['record'] for p in problems})} record(s) do not have the model's features",
            problems[:100],
        )
    return records


class BodyLimit:
    """ASGI middleware: a body over `limit` bytes is answered 413 before it is read whole (by
    Content-Length when the client sends one, else while the body streams in)."""

    def __init__(self, app, limit: int = MAX_BODY_BYTES):
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.limit
                except ValueError:
                    too_big = False
                if too_big:
                    return await self._refuse(send)
        received = 0

        async def limited_receive():
            # past the limit the rest of the body is not read: the endpoint sees an empty final
            # chunk and the flag, and answers 413 (raising here would reach Starlette as a 500)
            nonlocal received
            if scope.get(TOO_LARGE):
                return {"type": "http.request", "body": b"", "more_body": False}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    scope[TOO_LARGE] = True
                    return {"type": "http.request", "body": b"", "more_body": False}
            return message

        await self.app(scope, limited_receive, send)

    async def _refuse(self, send) -> None:
        body = json.dumps({"error": f"request body larger than {self.limit} bytes"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
