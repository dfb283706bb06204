"""`lockgate serve` and `lockgate monitor`: production commands. FastAPI, uvicorn and pandas are
imported inside the commands, so `lockgate --help` stays light. The functions carry their click
parameters; lockgate/cli.py makes them commands (with its error handling)."""

from __future__ import annotations

from pathlib import Path

import click

from lockgate.cli_options import PATH, registry_option

specs_option = click.option(
    "--specs",
    type=PATH,
    default=Path("contracts/models"),
    help="Folder of model specs (*.yaml).",
)
log_option = click.option(
    "--log",
    type=PATH,
    default=Path(".lockgate/predictions.sqlite"),
    help="Prediction log (SQLite, WAL mode).",
)


@click.option("--host", default="127.0.0.1", help="Interface to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, help="Port to listen on.")
@specs_option
@registry_option
@log_option
@click.option(
    "--max-body-bytes",
    type=click.IntRange(min=1024),
    default=1_000_000,
    help="Larger request bodies get a 413.",
)
def serve(
    host: str, port: int, specs: Path, registry: Path | None, log: Path, max_body_bytes: int
) -> None:
    """Serve the champion of every model spec (POST /models/{name}/predict, /models, /docs)."""
    from lockgate.serve.app import ServeSettings
    from lockgate.serve.server import serve as run

    click.echo(
        f"lockgate: serving {specs} on http://{host}:{port} (docs: /docs, log: {log})", err=True
    )
    run(
        ServeSettings(specs=specs, registry=registry, log_path=log, max_body_bytes=max_body_bytes),
        host=host,
        port=port,
    )


@click.argument("model", help="The model (spec name).")
@click.option("--window", default="1h", help="Window of the log ending at --as-of: 30m, 1h, 1d ...")
@click.option("--as-of", help="End of the window, ISO time (default: now). The window is the load.")
@click.option("--version", help="Version to monitor (default: the champion).")
@specs_option
@registry_option
@log_option
@click.option(
    "--history", help="History store (default: $LOCKGATE_HISTORY or .lockgate/history.sqlite)."
)
@click.option(
    "--monitoring-dir",
    type=PATH,
    help="Generated monitoring contracts and reference profiles (default: .lockgate/monitoring).",
)
@click.option(
    "--alerts",
    type=PATH,
    help="alerts.yaml: where to send alerts (default: alerts.yaml when it exists).",
)
@click.option(
    "--alert-state", type=PATH, help="Alert state file (default: .lockgate/alerts.sqlite)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def monitor(
    model: str,
    window: str,
    as_of: str | None,
    version: str | None,
    specs: Path,
    registry: Path | None,
    log: Path,
    history: str | None,
    monitoring_dir: Path | None,
    alerts: Path | None,
    alert_state: Path | None,
    as_json: bool,
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
        raise click.BadParameter(
            f"no spec named {model!r} in {specs} (specs: {', '.join(sorted(found)) or 'none'})"
        )
    end = dt.datetime.fromisoformat(as_of) if as_of else dt.datetime.now(dt.UTC)
    if end.tzinfo is None:
        end = end.replace(tzinfo=dt.UTC)
    try:
        length = parse_duration(window)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
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
        click.echo(f"{outcome.model} {outcome.version}, window {outcome.window.key}")
        if outcome.action:
            click.echo(f"action: {outcome.action}")
        for note in outcome.notes:
            click.echo(f"note: {note}")
    if notified and notified.alerts:
        click.echo(
            f"alerts: {len(notified.alerts)} sent to "
            f"{len({d.sink for d in notified.deliveries})} sink(s)",
            err=True,
        )
        for d in notified.failed_deliveries:
            click.echo(
                f"lockgate: warning: alert {d.rule} not delivered to {d.sink} "
                f"after {d.attempts} attempt(s): {d.error}",
                err=True,
            )
    sys.exit(0 if outcome.passed else 1)


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
