"""Alerts on failed contract checks in any Dagster pipeline: run-status sensors that read the
run's lockgate check evaluations and send them through `alerts.yaml`.

The load of a check is the materialization it checked (asset key and event storage id): a
re-executed check step on the same data is the same load and alerts nothing new; a new
materialization that still fails alerts again, once per failing rule; the first one that passes
sends "resolved".
"""

# no `from __future__ import annotations`: Dagster reads the context annotations

from pathlib import Path

import dagster as dg

from lockgate.alerts.state import AlertState, Verdict


def _text(metadata, key: str) -> str | None:
    value = metadata.get(key)
    return None if value is None else str(getattr(value, "value", value))


def run_check_verdicts(instance, run_id: str) -> dict[tuple[str, str], list[Verdict]]:
    """lockgate check evaluations of one run, grouped by (contract id, load)."""
    out: dict[tuple[str, str], list[Verdict]] = {}
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION):
        ev = entry.get_dagster_event().event_specific_data
        contract, rule = _text(ev.metadata, "contract"), _text(ev.metadata, "rule")
        if contract is None or rule is None:
            continue  # not a lockgate check
        target = ev.target_materialization_data
        load = f"{ev.asset_key.to_user_string()}@{target.storage_id}" if target else f"run {run_id}"
        severity = "error" if ev.severity == dg.AssetCheckSeverity.ERROR else "warning"
        verdict = Verdict(
            rule,
            ev.passed,
            None,
            _text(ev.metadata, "observed"),
            _text(ev.metadata, "expected"),
            severity,
        )
        out.setdefault((contract, load), []).append(verdict)
    return out


def contract_alert_sensors(alerts_yaml: str | Path, state: str | Path | None = None) -> list:
    """Two sensors (runs that succeeded, runs that failed), RUNNING by default; without the
    alerts file they skip."""

    def evaluate(context, run_id: str):
        from lockgate.alerts.config import load_alerts
        from lockgate.alerts.dispatch import dispatch

        path = Path(alerts_yaml)
        if not path.exists():
            return dg.SkipReason(f"no alerts file at {path}")
        config = load_alerts(path)
        sent = 0
        for (contract, load), verdicts in run_check_verdicts(context.instance, run_id).items():
            alerts = AlertState(state).decide(contract, load, verdicts)
            for d in dispatch(config, alerts):
                if not d.delivered:
                    context.log.warning(f"alert {d.rule} not delivered to {d.sink}: {d.error}")
            sent += len(alerts)
        return dg.SkipReason(f"sent {sent} alert(s)") if sent == 0 else None

    @dg.run_status_sensor(
        run_status=dg.DagsterRunStatus.SUCCESS,
        name="lockgate_alerts_on_success",
        default_status=dg.DefaultSensorStatus.RUNNING,
        monitor_all_code_locations=False,
    )
    def on_success(context: dg.RunStatusSensorContext):
        return evaluate(context, context.dagster_run.run_id)

    @dg.run_failure_sensor(
        name="lockgate_alerts_on_failure", default_status=dg.DefaultSensorStatus.RUNNING
    )
    def on_failure(context: dg.RunFailureSensorContext):
        return evaluate(context, context.dagster_run.run_id)

    return [on_success, on_failure]
