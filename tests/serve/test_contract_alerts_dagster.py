"""Failed contract checks in a Dagster pipeline alert through alerts.yaml: once per failing rule
per load (materialization), resolved when the data is fixed; a dead sink fails nothing."""

from __future__ import annotations

import dagster as dg

from lockgate.alerts.dagster import contract_alert_sensors
from lockgate.serve.server import free_port
from tests.e2e.test_dagster_automation import BLOCKING_CHECK, Tiny
from tests.serve.receivers import HttpReceiver


def test_failed_checks_alert_once_per_rule_per_load_and_resolve(tmp_path):
    tiny = Tiny(tmp_path)
    dead = f"http://127.0.0.1:{free_port()}/nobody"
    with HttpReceiver() as http, dg.DagsterInstance.ephemeral() as instance:
        alerts = tmp_path / "alerts.yaml"
        alerts.write_text(
            f"sinks:\n  - {{name: ops, type: webhook, url: '{http.url}/hook'}}\n"
            f"  - {{name: down, type: webhook, url: '{dead}'}}\n"
            "retries: 1\nbackoff_seconds: 0.01\n"
        )
        success, failure = contract_alert_sensors(alerts, tmp_path / "alert-state.sqlite")

        def sense(result) -> None:
            if result.success:
                context = dg.build_run_status_sensor_context(
                    sensor_name=success.name,
                    dagster_event=result.get_run_success_event(),
                    dagster_instance=instance,
                    dagster_run=result.dagster_run,
                )
                success(context)
            else:
                context = dg.build_run_status_sensor_context(
                    sensor_name=failure.name,
                    dagster_event=result.get_run_failure_event(),
                    dagster_instance=instance,
                    dagster_run=result.dagster_run,
                ).for_run_failure()
                failure(context)

        bad = tiny.land(instance, "bad")
        assert not bad.success
        sense(bad)
        [first] = http.bodies("/hook")
        assert first["status"] == "failing" and first["source"] == "tiny-widgets"
        assert first["rule"] == "widgets.price.minimum" and first["load"].startswith("widgets@")
        assert BLOCKING_CHECK == "widgets_price_minimum"
        sense(bad)  # the sensor sees the same run again (a retry of the load): nothing new
        assert len(http.bodies("/hook")) == 1

        again = tiny.land(instance, "bad")  # a new materialization, still broken: a new load
        sense(again)
        assert [b["status"] for b in http.bodies("/hook")] == ["failing", "failing"]
        assert http.bodies("/hook")[1]["load"] != first["load"]

        fixed = tiny.land(instance, "good")
        assert fixed.success
        sense(fixed)
        hooks = http.bodies("/hook")
        assert [(b["status"], b["rule"]) for b in hooks[2:]] == [
            ("resolved", "widgets.price.minimum")
        ]
