"""The `<model>_monitoring` Dagster job and its hourly schedule, one per model spec.

The job runs `lockgate.monitor.run.monitor` on the window that ends at the schedule's tick (the
load's logical time, so a retried or re-executed tick checks the same window and, through the
alert state, alerts once), records the verdict in the history store, sends alerts from
`alerts.yaml` when one is configured, applies `onMonitoringFailure`, and shows the rules in the
Dagster UI: as output metadata when the window passed, as the metadata of a `Failure` when not.
"""

# no `from __future__ import annotations`: Dagster reads the config and context annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg

from lockgate.ml.spec import ModelSpec, discover_specs

if TYPE_CHECKING:  # the op imports lockgate.monitor.run when it runs, not at definition time
    from lockgate.monitor.run import MonitorOutcome


@dataclass(frozen=True)
class MonitoringPaths:
    log: Path
    history: str
    registry: Path | None = None
    monitoring_root: Path | None = None
    alerts: Path | None = None  # alerts.yaml; None: no alerts
    alert_state: Path | None = None


def _markdown(outcome: "MonitorOutcome") -> str:
    lines = ["| rule | passed | observed | expected |", "|---|---|---|---|"]
    for r in outcome.result.results:
        observed = str(r.error or r.observed).replace("|", "/")[:160]
        lines.append(
            f"| {r.rule.id} | {'yes' if r.passed else '**no**'} | {observed} | {r.expected} |"
        )
    return "\n".join(lines)


def monitoring_job(
    spec: ModelSpec, paths: MonitoringPaths, *, cron: str = "5 * * * *", window: str = "1h"
) -> tuple[dg.JobDefinition, dg.ScheduleDefinition]:
    """(job, schedule) for one spec; the schedule runs at minute 5 of every hour by default."""
    op_name = f"{spec.name}_monitor_window"

    class MonitorConfig(dg.Config):
        window: str = "1h"
        as_of: str | None = None  # ISO time ending the window; default: now

    @dg.op(
        name=op_name,
        description=(
            f"Check a window of {spec.name}'s prediction log against its monitoring contract"
        ),
    )
    def check_window(context: dg.OpExecutionContext, config: MonitorConfig) -> dg.Output:
        from lockgate.monitor.run import monitor, parse_duration
        from lockgate.monitor.window import window_ending
        from lockgate.registry import ModelRegistry

        end = dt.datetime.fromisoformat(config.as_of) if config.as_of else dt.datetime.now(dt.UTC)
        end = end if end.tzinfo else end.replace(tzinfo=dt.UTC)
        outcome = monitor(
            spec,
            log=paths.log,
            window=window_ending(end, parse_duration(config.window)),
            registry=ModelRegistry(paths.registry),
            history=paths.history,
            root=paths.monitoring_root,
        )
        alerts = _alert(context, outcome, paths)
        metadata: dict[str, str | bool | int | dg.MetadataValue] = {
            "model": outcome.model,
            "version": outcome.version,
            "window": outcome.window.key,
            "passed": outcome.passed,
            "failed_rules": dg.MetadataValue.json([r.rule.id for r in outcome.failed]),
            "action": outcome.action or "none",
            "champion_after": outcome.champion_after or "none",
            "alerts_sent": alerts,
            "rules": dg.MetadataValue.md(_markdown(outcome)),
        }
        if not outcome.passed:
            failed = ", ".join(r.rule.id for r in outcome.failed)
            action = f"; {outcome.action}" if outcome.action else ""
            raise dg.Failure(
                description=(
                    f"{spec.name} {outcome.version}: window {outcome.window.key} "
                    f"failed {failed}{action}"
                ),
                metadata=metadata,
            )
        return dg.Output(outcome.window.key, metadata=metadata)

    @dg.job(
        name=f"{spec.name}_monitoring",
        description=f"Monitor {spec.name} in production (drift, volume, nulls, refused requests)",
    )
    def job():
        check_window()

    @dg.schedule(
        job=job, cron_schedule=cron, execution_timezone="UTC", name=f"{spec.name}_monitoring_hourly"
    )
    def schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        tick = context.scheduled_execution_time or dt.datetime.now(dt.UTC)
        return dg.RunRequest(
            run_key=f"{spec.name}-{tick.isoformat()}",
            run_config={
                "ops": {op_name: {"config": {"window": window, "as_of": tick.isoformat()}}}
            },
        )

    return job, schedule


def _alert(
    context: dg.OpExecutionContext, outcome: "MonitorOutcome", paths: MonitoringPaths
) -> int:
    if paths.alerts is None or not Path(paths.alerts).exists():
        return 0
    from lockgate.alerts.config import load_alerts
    from lockgate.alerts.notify import notify

    notified = notify(
        load_alerts(paths.alerts),
        outcome.result,
        load=outcome.window.key,
        state=paths.alert_state,
        action=outcome.action,
    )
    for d in notified.failed_deliveries:
        context.log.warning(
            f"alert {d.rule} not delivered to {d.sink} after {d.attempts} attempt(s): {d.error}"
        )
    return len(notified.alerts)


def all_monitoring_jobs(
    model_specs: Path, paths: MonitoringPaths
) -> tuple[list[dg.JobDefinition], list[dg.ScheduleDefinition]]:
    pairs = [monitoring_job(spec, paths) for spec in discover_specs(model_specs)]
    return [j for j, _ in pairs], [s for _, s in pairs]
