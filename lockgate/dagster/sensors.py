"""Alerts Dagster does not raise by itself: failed non-blocking checks in green runs, and the
reason a run stopped. Alerts go to the run's log and to an append-only JSON-lines file.

No automation sensor: which assets a deployment automates is the code location's decision
(the reference project declares its own in dagster_project/definitions.py)."""

# no `from __future__ import annotations`: Dagster reads the context annotations at definition time

import datetime as dt
import json
from pathlib import Path

import dagster as dg


def _failed_checks(instance, run_id: str) -> list[str]:
    out = []
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION):
        ev = entry.get_dagster_event().event_specific_data
        if not ev.passed:
            out.append(f"{ev.asset_key.to_user_string()}:{ev.check_name} [{ev.severity.value}]")
    return out


def lockgate_sensors(alerts_file: str | Path) -> list[dg.SensorDefinition]:
    path = Path(alerts_file)

    def alert(kind: str, run_id: str, detail) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(
                json.dumps(
                    {
                        "at": dt.datetime.now(dt.UTC).isoformat(),
                        "kind": kind,
                        "run_id": run_id,
                        "detail": detail,
                    }
                )
                + "\n"
            )

    @dg.run_status_sensor(
        run_status=dg.DagsterRunStatus.SUCCESS,
        name="lockgate_check_warnings",
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def check_warnings(context: dg.RunStatusSensorContext):
        failed = _failed_checks(context.instance, context.dagster_run.run_id)
        if not failed:
            return dg.SkipReason("no failed checks")
        alert("checks failed in a green run", context.dagster_run.run_id, failed)
        context.log.warning(
            f"run {context.dagster_run.run_id}: failed non-blocking checks {failed}"
        )
        return None

    @dg.run_failure_sensor(
        name="lockgate_run_failure", default_status=dg.DefaultSensorStatus.RUNNING
    )
    def run_failure(context: dg.RunFailureSensorContext):
        failed = _failed_checks(context.instance, context.dagster_run.run_id)
        message = context.failure_event.message if context.failure_event else "run failed"
        alert(
            "run failed", context.dagster_run.run_id, {"message": message, "failed_checks": failed}
        )

    return [check_warnings, run_failure]
