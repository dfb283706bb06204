"""`lockgate serve` end to end: a real uvicorn server on 127.0.0.1, a real registry."""

from __future__ import annotations

import threading

import httpx
import pytest

from lockgate.registry import ModelRegistry
from lockgate.serve.app import ServeSettings
from lockgate.serve.server import BackgroundServer
from tests.serve.toy import records


@pytest.fixture
def server(toy, tmp_path):
    settings = ServeSettings(
        specs=toy.specs, registry=toy.registry, log_path=tmp_path / "log.sqlite"
    )
    with BackgroundServer(settings) as url:
        yield url


def test_predict_returns_predictions_and_the_champion_version(server, toy):
    batch = records(toy.frame, 3)
    r = httpx.post(f"{server}/models/toy/predict", json={"records": batch}, timeout=10)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["model"] == "toy" and body["version"] == "v2"
    assert len(body["predictions"]) == 3 and all(0 < p < 1 for p in body["predictions"])
    # the champion's own predictions, not something else
    model = ModelRegistry(toy.registry).get("toy", "v2").load_model()
    import pandas as pd

    expected = model.predict_proba(pd.DataFrame(batch))[:, 1]
    assert body["predictions"] == pytest.approx(list(expected), rel=1e-9)


def test_a_contract_violation_is_a_422_naming_record_rule_column_observed_expected(server, toy):
    batch = records(toy.frame, 2)
    batch[1] = {**batch[1], "x1": 99.5}
    r = httpx.post(f"{server}/models/toy/predict", json={"records": batch}, timeout=10)
    assert r.status_code == 422
    body = r.json()
    assert body["violations"] == [
        {
            "record": 1,
            "rule": "events.x1.maximum",
            "column": "x1",
            "observed": 99.5,
            "expected": "values <= 10",
        }
    ]
    assert "events.x1.maximum" in body["error"]


def test_models_health_and_openapi(server):
    models = httpx.get(f"{server}/models", timeout=10).json()
    assert [m["name"] for m in models] == ["toy"]
    assert models[0]["champion"]["version"] == "v2" and models[0]["previous"] == "v1"
    assert models[0]["champion"]["receipt"]["passed"] is True
    assert models[0]["champion"]["release"]["passed"] is True
    assert "events.color.invalidValues" in models[0]["record_rules"]
    health = httpx.get(f"{server}/health", timeout=10).json()
    assert health["status"] == "ok" and health["champions"] == {"toy": "v2"}
    spec = httpx.get(f"{server}/openapi.json", timeout=10).json()
    assert "/models/{name}/predict" in spec["paths"]
    assert httpx.get(f"{server}/docs", timeout=10).status_code == 200
    assert (
        httpx.post(f"{server}/models/nope/predict", json={"records": []}, timeout=10).status_code
        == 404
    )


def test_promote_and_rollback_switch_versions_without_a_restart_or_a_failed_request(server, toy):
    registry = ModelRegistry(toy.registry)
    batch = records(toy.frame, 1)
    seen: list[str] = []
    failures: list[str] = []
    stop = threading.Event()

    def traffic() -> None:
        with httpx.Client(timeout=10) as client:
            for _ in range(2000):  # bounded; stopped earlier by the test
                if stop.is_set():
                    return
                try:
                    r = client.post(f"{server}/models/toy/predict", json={"records": batch})
                except httpx.HTTPError as exc:
                    failures.append(repr(exc))
                    continue
                if r.status_code != 200:
                    failures.append(f"{r.status_code} {r.text}")
                else:
                    seen.append(r.json()["version"])

    def wait_for(count: int) -> None:
        for _ in range(500):
            if len(seen) >= count:
                return
            stop.wait(0.01)
        raise AssertionError(f"only {len(seen)} answers")

    workers = [threading.Thread(target=traffic) for _ in range(4)]
    for w in workers:
        w.start()
    try:
        wait_for(20)
        registry.rollback("toy")  # v2 -> v1
        mark_rollback = len(seen)
        wait_for(mark_rollback + 40)
        registry.promote("toy", "v2")  # v1 -> v2
        mark_promote = len(seen)
        wait_for(mark_promote + 40)
    finally:
        stop.set()
        for w in workers:
            w.join(30)
    assert failures == []
    # every answer before the rollback came from v2; answers after it switch to v1 (a request
    # already running may still finish on v2), and after the promotion back to v2
    assert set(seen[:20]) == {"v2"}
    assert "v1" in seen[mark_rollback:mark_promote]
    assert seen[-1] == "v2" and set(seen[mark_promote + 8 :]) == {"v2"}


def test_a_champion_that_cannot_be_loaded_leaves_the_old_one_serving(server, toy):
    batch = records(toy.frame, 1)
    first = httpx.post(f"{server}/models/toy/predict", json={"records": batch}, timeout=10)
    assert first.json()["version"] == "v2"
    registry = ModelRegistry(toy.registry)
    (registry.get("toy", "v1").path / "model.joblib").write_bytes(b"not a model")
    registry.rollback("toy")  # names v1, whose file is broken
    r = httpx.post(f"{server}/models/toy/predict", json={"records": batch}, timeout=10)
    assert r.status_code == 200 and r.json()["version"] == "v2"
    health = httpx.get(f"{server}/health", timeout=10).json()
    assert "toy" in health["load_errors"]
