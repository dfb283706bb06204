"""The `<model>_monitoring` Dagster job, run for real: a failed window fails the run with the
failed rules in its metadata; a clean one succeeds; the schedule checks the window ending at
its tick."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import httpx

from lockgate.ml.spec import load_spec
from lockgate.monitor.dagster import MonitoringPaths, monitoring_job
from lockgate.monitor.run import monitoring_contract
from lockgate.registry import ModelRegistry
from lockgate.serve.app import ServeSettings
from lockgate.serve.server import BackgroundServer
from lockgate.state.store import open_store
from tests.serve.test_monitoring import BASE, PinnedClock, send


def test_the_monitoring_job_fails_a_drifted_window_and_passes_a_clean_one(toy, tmp_path):
    spec = load_spec(toy.specs / "toy.yaml")
    monitoring_contract(
        spec, ModelRegistry(toy.registry), "v2", root=tmp_path / "mon", reference_frame=toy.frame
    )
    clock = PinnedClock(BASE)
    log = tmp_path / "log.sqlite"
    settings = ServeSettings(specs=toy.specs, registry=toy.registry, log_path=log, clock=clock)
    with BackgroundServer(settings) as url, httpx.Client(timeout=10) as client:
        send(client, url, toy.frame, drift=False)
        clock.at = BASE + dt.timedelta(hours=1)
        send(client, url, toy.frame, drift=True)
    paths = MonitoringPaths(
        log=log,
        history=str(tmp_path / "history.sqlite"),
        registry=toy.registry,
        monitoring_root=tmp_path / "mon",
    )
    job, schedule = monitoring_job(spec, paths)
    assert job.name == "toy_monitoring"

    def run(as_of: dt.datetime):
        config = {
            "ops": {"toy_monitor_window": {"config": {"window": "1h", "as_of": as_of.isoformat()}}}
        }
        return job.execute_in_process(run_config=config, raise_on_error=False)

    clean = run(BASE + dt.timedelta(hours=1))
    assert clean.success
    [materialized] = [e for e in clean.all_events if e.event_type_value == "STEP_OUTPUT"]
    assert materialized.event_specific_data.metadata["passed"].value is True

    drifted = run(BASE + dt.timedelta(hours=2))
    assert not drifted.success
    [failure] = [e for e in drifted.all_events if e.event_type_value == "STEP_FAILURE"]
    data = failure.event_specific_data.user_failure_data
    assert set(data.metadata["failed_rules"].value) == {
        "toy_predictions.x1.drift",
        "toy_predictions.prediction.drift",
    }
    assert "failed" in data.description
    with open_store(tmp_path / "history.sqlite") as store:
        assert (
            len(store.recent_runs("toy_predictions", contract_id="monitoring-toy", limit=10)) == 2
        )

    tick = BASE + dt.timedelta(hours=2, minutes=5)
    request = schedule.evaluate_tick(
        dg.build_schedule_context(scheduled_execution_time=tick)
    ).run_requests[0]
    assert request.run_config["ops"]["toy_monitor_window"]["config"] == {
        "window": "1h",
        "as_of": tick.isoformat(),
    }
