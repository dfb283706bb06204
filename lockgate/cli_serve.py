"""`lockgate serve` and `lockgate monitor`: production commands. FastAPI, uvicorn and pandas are
imported inside the commands, so `lockgate --help` stays light."""

from __future__ import annotations

from pathlib import Path

import typer

SpecsOption = typer.Option(
    Path("contracts/models"), "--specs", help="Folder of model specs (*.yaml)."
)
RegistryOption = typer.Option(
    None, "--registry", help="Registry folder (default: $LOCKGATE_REGISTRY or .lockgate/registry)."
)
LogOption = typer.Option(
    Path(".lockgate/predictions.sqlite"), "--log", help="Prediction log (SQLite, WAL mode)."
)

MonitoringDirOption = typer.Option(
    None,
    "--monitoring-dir",
    help="Generated monitoring contracts and reference profiles (default: .lockgate/monitoring).",
)
AlertsOption = typer.Option(
    None,
    "--alerts",
    help="alerts.yaml: where to send alerts (default: alerts.yaml when it exists).",
)
AlertStateOption = typer.Option(
    None, "--alert-state", help="Alert state file (default: .lockgate/alerts.sqlite)."
)


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
    specs: Path = SpecsOption,
    registry: Path | None = RegistryOption,
    log: Path = LogOption,
    max_body_bytes: int = typer.Option(
        1_000_000, min=1024, help="Larger request bodies get a 413."
    ),
) -> None:
    """Serve the champion of every model spec (POST /models/{name}/predict, /models, /docs)."""
    from lockgate.serve.app import ServeSettings
    from lockgate.serve.server import serve as run

    typer.echo(
        f"lockgate: serving {specs} on http://{host}:{port} (docs: /docs, log: {log})", err=True
    )
    run(
        ServeSettings(specs=specs, registry=registry, log_path=log, max_body_bytes=max_body_bytes),
        host=host,
        port=port,
    )


def monitor(
    model: str = typer.Argument(..., help="The model (spec name)."),
    window: str = typer.Option(
        "1h", "--window", help="Window of the log ending at --as-of: 30m, 1h, 1d ..."
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help="End of the window, ISO time (default: now). The window is the load."
    ),
    version: str | None = typer.Option(None, help="Version to monitor (default: the champion)."),
    specs: Path = SpecsOption,
    registry: Path | None = RegistryOption,
    log: Path = LogOption,
    history: str | None = typer.Option(
        None,
        "--history",
        help="History store (default: $LOCKGATE_HISTORY or .lockgate/history.sqlite).",
    ),
    monitoring_dir: Path | None = MonitoringDirOption,
    alerts: Path | None = AlertsOption,
    alert_state: Path | None = AlertStateOption,
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Check a window of the prediction log against the model's monitoring contract (feature and
    prediction drift, volume, null spikes, rejected requests); alert; apply onMonitoringFailure.
    Exit 1 when the window failed."""
    import datetime as dt
    import json
    import sys

    from lockgate.ml.spec import discover_specs
    from lockgate.monitor.run import monitor as run_monitor
    from lockgate.monitor.run import parse_duration
    from lockgate.monitor.window import window_ending
    from lockgate.registry import ModelRegistry
    from lockgate.report import render

    found = {s.name: s for s in discover_specs(specs)}
    if model not in found:
        raise typer.BadParameter(
            f"no spec named {model!r} in {specs} (specs: {', '.join(sorted(found)) or 'none'})"
        )
    end = dt.datetime.fromisoformat(as_of) if as_of else dt.datetime.now(dt.UTC)
    if end.tzinfo is None:
        end = end.replace(tzinfo=dt.UTC)
    try:
        length = parse_duration(window)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    outcome = run_monitor(
        found[model],
        log=log,
        window=window_ending(end, length),
        registry=ModelRegistry(registry),
        version=version,
        history=history or _default_history(),
        root=monitoring_dir,
    )
    notified = _alert(outcome, alerts, alert_state)
    if as_json:
        data = json.loads(render(outcome.result, "json"))
        data["monitoring"] = {
            "model": outcome.model,
            "version": outcome.version,
            "window": outcome.window.key,
            "action": outcome.action,
            "champion_after": outcome.champion_after,
            "alerts": [a.to_dict() for a in notified.alerts] if notified else [],
        }
        sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
    else:
        sys.stdout.write(render(outcome.result, "text"))
        typer.echo(f"{outcome.model} {outcome.version}, window {outcome.window.key}")
        if outcome.action:
            typer.echo(f"action: {outcome.action}")
        for note in outcome.notes:
            typer.echo(f"note: {note}")
    if notified and notified.alerts:
        typer.echo(
            f"alerts: {len(notified.alerts)} sent to "
            f"{len({d.sink for d in notified.deliveries})} sink(s)",
            err=True,
        )
        for d in notified.failed_deliveries:
            typer.echo(
                f"lockgate: warning: alert {d.rule} not delivered to {d.sink} "
                f"after {d.attempts} attempt(s): {d.error}",
                err=True,
            )
    raise typer.Exit(0 if outcome.passed else 1)


def _default_history() -> str:
    import os

    return os.environ.get("LOCKGATE_HISTORY") or ".lockgate/history.sqlite"


def _alert(outcome, alerts: Path | None, state: Path | None):
    from lockgate.alerts.config import load_alerts
    from lockgate.alerts.notify import notify

    path = (
        alerts
        if alerts is not None
        else (Path("alerts.yaml") if Path("alerts.yaml").exists() else None)
    )
    if path is None:
        return None
    return notify(
        load_alerts(path),
        outcome.result,
        load=outcome.window.key,
        state=state,
        action=outcome.action,
    )
