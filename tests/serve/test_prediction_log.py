"""The prediction log: readable while serving, complete after a clean shutdown, never failing a
request when it is slow, and described by its own contract."""

from __future__ import annotations

import json
import sqlite3

import httpx
import pandas as pd

from lockgate.contract.loader import load_contract
from lockgate.serve.app import ServeSettings
from lockgate.serve.prediction_log import CONTRACT_FILE
from lockgate.serve.server import BackgroundServer
from lockgate.validation import validate_frames
from tests.serve.toy import records


def _read(log, sql: str):
    con = sqlite3.connect(f"file:{log}?mode=ro", uri=True, timeout=5)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_the_log_is_readable_while_serving_and_complete_after_shutdown(toy, tmp_path):
    log = tmp_path / "log.sqlite"
    server = BackgroundServer(ServeSettings(specs=toy.specs, registry=toy.registry, log_path=log))
    url = server.start()
    reads: list[int] = []
    try:
        with httpx.Client(timeout=10) as client:
            for i in range(100):
                batch = records(toy.frame, 2, start=i * 2)
                r = client.post(f"{url}/models/toy/predict", json={"records": batch})
                assert r.status_code == 200
                if i % 10 == 0:  # a reader (monitor, Dagster) while the writer writes
                    reads.append(_read(log, "SELECT count(*) FROM predictions")[0][0])
    finally:
        server.stop()
    assert reads == sorted(reads) and len(reads) == 10
    assert _read(log, "SELECT count(*) FROM predictions")[0][0] == 200
    assert _read(log, "SELECT count(*) FROM requests WHERE rejected = 0")[0][0] == 100
    row = _read(
        log,
        "SELECT features, prediction, version FROM predictions WHERE record_index = 1 "
        "ORDER BY logged_at LIMIT 1",
    )[0]
    assert json.loads(row[0]) == records(toy.frame, 2)[1]
    assert 0 < row[1] < 1 and row[2] == "v2"


def test_a_slow_log_never_fails_a_request_and_shutdown_flushes_it(toy, tmp_path):
    log = tmp_path / "log.sqlite"
    server = BackgroundServer(ServeSettings(specs=toy.specs, registry=toy.registry, log_path=log))
    url = server.start()
    blocker = sqlite3.connect(log, timeout=5, isolation_level=None)
    try:
        blocker.execute("BEGIN EXCLUSIVE")  # the writer now waits on every write
        with httpx.Client(timeout=10) as client:
            statuses = [
                client.post(
                    f"{url}/models/toy/predict", json={"records": records(toy.frame, 1, start=i)}
                ).status_code
                for i in range(150)
            ]
            assert statuses == [200] * 150
            health = client.get(f"{url}/health").json()
        assert health["log"]["written_predictions"] < 150  # the writer was held up ...
    finally:
        blocker.execute("COMMIT")
        blocker.close()
        server.stop()  # ... and the clean shutdown wrote everything queued
    assert _read(log, "SELECT count(*) FROM predictions")[0][0] == 150


def test_a_full_queue_drops_entries_and_counts_them_instead_of_failing(toy, tmp_path):
    log = tmp_path / "log.sqlite"
    server = BackgroundServer(
        ServeSettings(specs=toy.specs, registry=toy.registry, log_path=log, log_queue=5)
    )
    url = server.start()
    blocker = sqlite3.connect(log, timeout=5, isolation_level=None)
    try:
        blocker.execute("BEGIN EXCLUSIVE")
        with httpx.Client(timeout=10) as client:
            statuses = [
                client.post(
                    f"{url}/models/toy/predict", json={"records": records(toy.frame, 1, start=i)}
                ).status_code
                for i in range(40)
            ]
            dropped = client.get(f"{url}/health").json()["log"]["dropped"]
    finally:
        blocker.execute("COMMIT")
        blocker.close()
        server.stop()
    assert statuses == [200] * 40
    assert dropped > 0
    assert _read(log, "SELECT count(*) FROM predictions")[0][0] == 40 - dropped


def test_the_log_passes_its_own_contract(toy, tmp_path):
    log = tmp_path / "log.sqlite"
    with (
        BackgroundServer(
            ServeSettings(specs=toy.specs, registry=toy.registry, log_path=log)
        ) as url,
        httpx.Client(timeout=10) as client,
    ):
        for i in range(20):
            client.post(
                f"{url}/models/toy/predict", json={"records": records(toy.frame, 3, start=i)}
            )
        client.post(f"{url}/models/toy/predict", json={"records": [{"x1": 1}]})  # refused
    con = sqlite3.connect(f"file:{log}?mode=ro", uri=True)
    frames = {t: pd.read_sql_query(f"SELECT * FROM {t}", con) for t in ("predictions", "requests")}
    con.close()
    result = validate_frames(load_contract(CONTRACT_FILE), frames)
    failed = [r.rule.id for r in result.results if not r.passed]
    assert failed == [] and len(result.results) > 10
    frames["predictions"].loc[0, "prediction"] = 1.5  # the contract can fail
    frames["predictions"].loc[1, "version"] = "latest"
    result = validate_frames(load_contract(CONTRACT_FILE), frames)
    assert {r.rule.id for r in result.results if not r.passed} == {
        "predictions.prediction.maximum",
        "predictions.version.pattern",
    }
