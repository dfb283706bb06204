"""The serving API (FastAPI): the champion of every model spec behind its feature contract.

    POST /models/{name}/predict   {"records": [{feature: value, ...}, ...]}
    GET  /models                  champions with their validation receipts and release records
    GET  /health                  liveness, champions, prediction-log counters
    GET  /docs, /openapi.json     OpenAPI

A request is parsed strictly (size limit, JSON without NaN/Infinity, exactly the model's
features), checked against the feature contract's record rules (`row_validator`), scored by the
current champion (`champions`) and logged (`prediction_log`). Every refusal is a 4xx naming what
is wrong; only a bug is a 500.
"""

from __future__ import annotations

import datetime as dt
import uuid
import warnings
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from lockgate.errors import UsageError
from lockgate.ml.spec import discover_specs
from lockgate.registry import ModelRegistry
from lockgate.serve.champions import ServedModel
from lockgate.serve.prediction_log import LogEntry, PredictionLog
from lockgate.serve.request_body import (
    MAX_BODY_BYTES,
    TOO_LARGE,
    BadRequest,
    BodyLimit,
    parse_json,
    parse_records,
)

Clock = Callable[[], dt.datetime]


@dataclass
class ServeSettings:
    specs: Path
    registry: Path | None = None
    log_path: Path = Path(".lockgate/predictions.sqlite")
    max_body_bytes: int = MAX_BODY_BYTES
    validate: bool = True  # off only to measure the validation overhead (benchmarks)
    log_queue: int = 20_000  # entries waiting for the writer before requests start dropping them
    clock: Clock = field(default=lambda: dt.datetime.now(dt.UTC))


_PREDICT_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["records"],
                "additionalProperties": False,
                "properties": {
                    "records": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "description": "exactly the model's features (see GET /models)",
                        },
                    }
                },
            }
        }
    },
}


def create_app(settings: ServeSettings) -> Any:
    # scikit-learn warns on every prediction made outside the main thread (requests run in a
    # thread pool) that its config does not propagate to joblib workers: there are none here
    warnings.filterwarnings("ignore", message=r".*sklearn\.utils\.parallel\.delayed.*")
    if not Path(settings.specs).is_dir():
        raise UsageError(f"no folder of model specs at {settings.specs} (--specs)")
    registry = ModelRegistry(settings.registry)
    models = {spec.name: ServedModel(spec, registry) for spec in discover_specs(settings.specs)}
    log = PredictionLog(settings.log_path, maxsize=settings.log_queue)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        log.start()
        try:
            yield
        finally:
            log.close()  # a clean shutdown writes every queued prediction

    app = FastAPI(
        title="lockgate serving",
        description="The champion of every model spec, behind its feature contract.",
        lifespan=lifespan,
    )
    app.state.models = models
    app.state.log = log

    @app.get("/health")
    def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "champions": {
                name: (c.version.version if (c := m.champion()) else None)
                for name, m in models.items()
            },
            "log": log.snapshot(),
            "load_errors": {name: m.load_error for name, m in models.items() if m.load_error},
        }

    @app.get("/models")
    def list_models() -> list[dict[str, Any]]:
        return [m.describe() for m in models.values()]

    @app.post("/models/{name}/predict", openapi_extra={"requestBody": _PREDICT_BODY})
    async def predict(name: str, request: Request) -> JSONResponse:
        served = models.get(name)
        if served is None:
            return JSONResponse(
                {"error": f"no model {name!r}; served: {', '.join(sorted(models)) or 'none'}"},
                status_code=404,
            )
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        body = await request.body()
        try:
            if request.scope.get(TOO_LARGE):
                raise BadRequest(413, f"request body larger than {settings.max_body_bytes} bytes")
            payload = parse_json(body)
            records = parse_records(payload, served.spec.features)
            return await run_in_threadpool(_score, served, records, request_id)
        except BadRequest as exc:
            log.append(
                LogEntry(
                    request_id, settings.clock(), name, None, 0, rejected=True, reason=exc.message
                )
            )
            return JSONResponse({**exc.to_dict(), "request_id": request_id}, status_code=exc.status)

    def _score(served: ServedModel, records: list[dict[str, Any]], request_id: str) -> JSONResponse:
        if settings.validate:
            violations = served.validator.validate(records)
            if violations:
                rules = sorted({v.rule for v in violations})
                raise BadRequest(
                    422,
                    f"{len({v.record for v in violations})} record(s) violate the feature "
                    f"contract ({', '.join(rules)})",
                    [v.to_dict() for v in violations[:100]],
                )
        champion = served.champion()
        if champion is None:
            return JSONResponse(
                {"error": f"model {served.name!r} has no champion yet", "request_id": request_id},
                status_code=503,
            )
        try:
            outputs = predict_proba(served, champion.model, records)
        except (ValueError, TypeError) as exc:
            # values the contract does not type (a feature without logicalType) can still be
            # unusable for the model, e.g. a number where it was trained on text
            raise BadRequest(422, f"the model cannot score these records: {exc}") from None
        version = champion.version.version
        log.append(
            LogEntry(
                request_id,
                settings.clock(),
                served.name,
                version,
                len(records),
                features=tuple(records),
                predictions=tuple(outputs),
            )
        )
        return JSONResponse(
            {
                "model": served.name,
                "version": version,
                "request_id": request_id,
                "predictions": outputs,
            }
        )

    return BodyLimit(app, settings.max_body_bytes)


def predict_proba(served: ServedModel, model: Any, records: list[dict[str, Any]]) -> list[float]:
    """The probability of the positive class, with the training pipeline's own feature coercion
    (so serving cannot drift from training in how it reads a value)."""
    import pandas as pd

    from lockgate.ml.training import _features

    frame = _features(
        served.spec, pd.DataFrame.from_records(records, columns=list(served.spec.features))
    )
    return [float(p) for p in model.predict_proba(frame)[:, 1]]
