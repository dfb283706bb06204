"""`lockgate quarantine list|show TABLE` and the quarantine parts of other commands."""

from __future__ import annotations

import os
from pathlib import Path

import click

from lockgate.cli_group import LockgateGroup
from lockgate.errors import UsageError

app = LockgateGroup(
    "quarantine",
    help="Inspect the rows quarantine policies set aside (the store of `check --quarantine`).",
    no_args_is_help=True,
)

STORE_HELP = (
    "Quarantine store: a DuckDB file (.duckdb), a Parquet folder or a postgresql:// URL "
    "(default: $LOCKGATE_QUARANTINE)."
)


def export_dbt_models(contract, options) -> None:
    """`export --to dbt --valid --output DIR`: one model file per relation."""
    from lockgate.export.dbt_quarantine import model_files

    if not options.output:
        raise UsageError(
            "export --to dbt --valid writes model files: give --output DIR (e.g. models/quarantine)"
        )
    files = model_files(contract, options)
    if not files:
        raise UsageError(f"contract {contract.id} has no table with a quarantine policy")
    folder = Path(options.output)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
        click.echo(f"wrote {folder / name}", err=True)


def store_location(store: str | None) -> str:
    location = store or os.environ.get("LOCKGATE_QUARANTINE")
    if not location:
        raise UsageError("no quarantine store: give --quarantine or set LOCKGATE_QUARANTINE")
    return location


store_option = click.option("--quarantine", "store", help=STORE_HELP)


@app.command("list")
@click.argument(
    "table", required=False, help="Only this table (default: every table in the store)."
)
@store_option
def list_(table: str | None, store: str | None) -> None:
    """Quarantined rows per table, load and rule."""
    frame = _read(store, table)
    if frame.empty:
        click.echo("no quarantined rows" + (f" for table {table}" if table else ""))
        return
    for (contract, table_name, load, as_of), rows in frame.groupby(
        ["contract", "table_name", "load_id", "as_of"], sort=True
    ):
        click.echo(
            f"{table_name} (contract {contract} {rows['version'].iloc[0]}), "
            f"load {load} as of {_iso(as_of)}: {len(rows):,} rows"
        )
        for rule_id, count in _by_rule(rows).items():
            click.echo(f"  {rule_id}: {count:,}")


@app.command()
@click.argument("table", help="The table whose quarantined rows to print.")
@store_option
@click.option("--limit", default=20, help="Rows shown per rule.")
def show(table: str, store: str | None, limit: int) -> None:
    """The quarantined rows of a table, grouped by rule (latest load)."""
    import json

    frame = _read(store, table)
    if frame.empty:
        click.echo(f"no quarantined rows for table {table}")
        return
    latest = frame[frame["as_of"] == frame["as_of"].max()]
    click.echo(
        f"{table}: load {latest['load_id'].iloc[0]} "
        f"as of {_iso(latest['as_of'].iloc[0])}, {len(latest):,} rows"
    )
    for rule_id in _by_rule(latest):
        held = latest[[rule_id in json.loads(ids) for ids in latest["rules"]]]
        click.echo(f"{rule_id} ({len(held):,} rows):")
        for _, row in held.head(limit).iterrows():
            click.echo(f"  key {row['row_key']}: {row['row_json']}")


def _read(store: str | None, table: str | None):
    from lockgate.quarantine.store import open_quarantine_store

    opened = open_quarantine_store(store_location(store))
    try:
        return opened.read(table)
    finally:
        opened.close()


def _by_rule(rows) -> dict[str, int]:
    import json
    from collections import Counter

    counts: Counter = Counter()
    for ids in rows["rules"]:
        counts.update(json.loads(ids))
    return dict(sorted(counts.items()))


def _iso(value) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
