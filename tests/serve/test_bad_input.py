"""Bad input gets a clear 4xx, never a 500, and nothing of it is logged as a prediction."""

from __future__ import annotations

import json
import sqlite3

import httpx
import pytest

from lockgate.serve.app import ServeSettings
from lockgate.serve.server import BackgroundServer
from tests.serve.toy import records

GOOD = {"x1": 0.5, "x2": -0.2, "n": 3, "color": "red", "code": "AB1"}
TEN_MB = 10 * 1024 * 1024


def _body(records_: list) -> bytes:
    return json.dumps({"records": records_}).encode()


FEATURES_MSG = "do not have the model's features"


def _raw(**values: str) -> bytes:
    """A one-record body with raw JSON text for some values (NaN, Infinity, 1e999 ...)."""
    fields = {"x1": "0", "x2": "0", "n": "1", "color": '"red"', "code": '"AB1"', **values}
    return ('{"records": [{' + ", ".join(f'"{k}": {v}' for k, v in fields.items()) + "}]}").encode()


CASES = {
    "malformed JSON": (b'{"records": [{"x1": 0.5,', 400, "malformed JSON"),
    "not UTF-8": (b'{"records": "\xff\xfe"}', 400, "not UTF-8"),
    "not an object": (b"[1, 2, 3]", 422, "expected a JSON object"),
    "no records": (b"{}", 422, "'records' must be a list"),
    "empty records": (b'{"records": []}', 422, "'records' is empty"),
    "unknown top-level field": (b'{"records": [], "debug": 1}', 422, "top-level field(s) debug"),
    "record not an object": (_body([1]), 422, FEATURES_MSG),
    "missing field": (_body([{k: v for k, v in GOOD.items() if k != "x2"}]), 422, FEATURES_MSG),
    "extra field": (_body([{**GOOD, "customer_email": "a@b.c"}]), 422, FEATURES_MSG),
    "nested value": (_body([{**GOOD, "x1": [1, 2]}]), 422, FEATURES_MSG),
    "text for a number": (_body([{**GOOD, "x1": "0.5"}]), 422, "events.x1.logicalType"),
    "boolean for an integer": (_body([{**GOOD, "n": True}]), 422, "events.n.logicalType"),
    "fraction for an integer": (_body([{**GOOD, "n": 2.5}]), 422, "events.n.logicalType"),
    "number for text": (_body([{**GOOD, "color": 7}]), 422, "events.color.logicalType"),
    "NaN": (_raw(x1="NaN"), 422, "NaN is not a JSON number"),
    "Infinity": (_raw(x2="Infinity"), 422, "Infinity is not a JSON number"),
    "-Infinity": (_raw(x2="-Infinity"), 422, "-Infinity is not a JSON number"),
    "huge number": (_raw(x1="1e999"), 422, "number 1e999 is out of range"),
    "huge integer": (_raw(n="1" + "9" * 5000), 422, "out of range (64 bits)"),
    "large integer": (_body([{**GOOD, "x2": 10**30}]), 422, "out of range (64 bits)"),
    "too many records": (_body([GOOD] * 1001), 413, "at most 1000"),
    "deep nesting": (b"[" * 100_000 + b"]" * 100_000, 400, "malformed JSON"),
}


@pytest.fixture(scope="module")
def served(trained_toy, tmp_path_factory):
    log = tmp_path_factory.mktemp("log") / "log.sqlite"
    settings = ServeSettings(specs=trained_toy.specs, registry=trained_toy.registry, log_path=log)
    server = BackgroundServer(settings)
    server.start()
    try:
        yield server.url, log
    finally:
        server.stop()


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_a_clear_4xx(served, case):
    url, _ = served
    body, status, message = CASES[case]
    r = httpx.post(
        f"{url}/models/toy/predict",
        content=body,
        headers={"content-type": "application/json"},
        timeout=30,
    )
    assert r.status_code == status, r.text
    assert message in r.text


def test_ten_megabyte_bodies_are_refused_with_or_without_a_length(served):
    url, _ = served
    big = b'{"records": [' + b" " * TEN_MB + b"]}"
    r = httpx.post(f"{url}/models/toy/predict", content=big, timeout=30)
    assert r.status_code == 413 and "larger than" in r.text

    def chunks():  # chunked transfer: no Content-Length, the limit is applied while reading
        yield b'{"records": ['
        for _ in range(160):
            yield b" " * 65536
        yield b"]}"

    r = httpx.post(f"{url}/models/toy/predict", content=chunks(), timeout=30)
    assert r.status_code == 413 and "larger than" in r.text


def test_nothing_bad_is_logged_as_a_prediction_and_good_requests_still_are(served, trained_toy):
    url, log = served
    with httpx.Client(timeout=30) as client:
        for case, (body, _, _) in CASES.items():
            assert client.post(f"{url}/models/toy/predict", content=body).status_code >= 400, case
        ok = client.post(
            f"{url}/models/toy/predict", json={"records": records(trained_toy.frame, 1)}
        )
        assert ok.status_code == 200
        request_id = ok.json()["request_id"]
    for _ in range(200):  # the writer is asynchronous: wait (bounded) for the good request
        with sqlite3.connect(f"file:{log}?mode=ro", uri=True) as con:
            ids = {row[0] for row in con.execute("SELECT DISTINCT request_id FROM predictions")}
        if request_id in ids:
            break
        httpx.get(f"{url}/health", timeout=5)
    assert request_id in ids
    with sqlite3.connect(f"file:{log}?mode=ro", uri=True) as con:
        rejected = con.execute("SELECT request_id FROM requests WHERE rejected = 1").fetchall()
        predicted = {row[0] for row in con.execute("SELECT request_id FROM predictions")}
    assert predicted.isdisjoint({row[0] for row in rejected})
    assert len(rejected) >= len(CASES)  # refused requests are counted for monitoring, not scored
