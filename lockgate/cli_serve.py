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
