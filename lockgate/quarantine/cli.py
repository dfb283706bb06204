"""`lockgate quarantine list|show TABLE` and the quarantine parts of other commands."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from lockgate.errors import UsageError

app = typer.Typer(help="Inspect the rows quarantine policies set aside (the store of `check --quarantine`).", no_args_is_help=True)

STORE_HELP = "Quarantine store: a DuckDB file (.duckdb), a Parquet folder or a postgresql:// URL (default: $LOCKGATE_QUARANTINE)."


def export_dbt_models(contract, options) -> None:
    """`export --to dbt --valid --output DIR`: one model file per relation."""
    from lockgate.export.sql import _connector
    from lockgate.quarantine.views import dbt_models

    if not options.output:
        raise UsageError("export --to dbt --valid writes model files: give --output DIR (e.g. models/quarantine)")
    server = contract.server(options.server)
    connector, _source = _connector(contract, server, options.offline)
    try:
        files = dbt_models(contract, connector, source_name=options.dbt_source)
    finally:
        connector.close()
    if not files:
        raise UsageError(f"contract {contract.id} has no table with a quarantine policy")
    folder = Path(options.output)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
        typer.echo(f"wrote {folder / name}", err=True)


def store_location(store: str | None) -> str:
    location = store or os.environ.get("LOCKGATE_QUARANTINE")
    if not location:
        raise UsageError("no quarantine store: give --quarantine or set LOCKGATE_QUARANTINE")
    return location
