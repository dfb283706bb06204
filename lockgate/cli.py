"""The `lockgate` command. Heavy modules are imported inside commands so `--help` stays fast.

Exit codes: 0 success; 1 the data (check) or the contract (lint) failed; 2 usage, contract or
connection error, reported as one line on stderr.
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import NoReturn

import typer

app = typer.Typer(
    name="lockgate",
    help=(
        "Data contracts (ODCS v3.1) checked where the data lives, and pipelines that refuse "
        "broken data."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class Engine(str, Enum):
    sql = "sql"
    frame = "frame"
    spark = "spark"


class Format(str, Enum):
    text = "text"
    json = "json"
    junit = "junit"


class ExportFormat(str, Enum):
    pandera = "pandera"
    sql = "sql"
    dbt = "dbt"
    gx = "gx"


def fail(message: str, code: int = 2) -> NoReturn:
    """One line on stderr, no traceback (set LOCKGATE_DEBUG=1 to see one)."""
    typer.echo(f"lockgate: error: {message}", err=True)
    raise typer.Exit(code)


def _guard(fn):
    """Turn lockgate errors (and unexpected ones) into the one-line exit-2 contract."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from lockgate.errors import ContractError, LockgateError

        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except ContractError as exc:
            # the finding reads `file:line:col: error: ...`; say "error" once
            fail(str(exc).replace(": error: ", ": ", 1))
        except LockgateError as exc:
            fail(str(exc))
        except Exception as exc:
            if os.environ.get("LOCKGATE_DEBUG"):
                raise
            fail(f"{type(exc).__name__}: {exc} (set LOCKGATE_DEBUG=1 for a traceback)")

    return wrapper


@app.command()
@_guard
def lint(
    paths: list[Path] = typer.Argument(
        ..., help="Contract files, or directories searched for *.odcs.yaml."
    ),
) -> None:
    """Validate contracts against ODCS and lockgate's rules; exit 1 if any has an error."""
    from lockgate.contract.loader import contract_files, lint_paths

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        fail(f"no such file or directory: {', '.join(missing)}")
    if not contract_files(paths):
        fail(f"no contracts (*.odcs.yaml) found in {', '.join(map(str, paths))}")
    results = lint_paths(paths)
    errors = warnings = 0
    for findings in results.values():
        for finding in findings:
            typer.echo(str(finding))
        errors += sum(f.severity == "error" for f in findings)
        warnings += sum(f.severity == "warning" for f in findings)
    bad = sum(any(f.severity == "error" for f in fs) for fs in results.values())
    summary = (
        f"{len(results)} contract(s) linted: {bad} invalid, {errors} error(s), {warnings} "
        "warning(s)"
    )
    typer.echo(summary, err=True)
    raise typer.Exit(1 if errors else 0)


@app.command()
@_guard
def check(
    contract: Path = typer.Argument(..., help="The contract file."),
    server: str | None = typer.Option(
        None, help="Server name from the contract (default: the first)."
    ),
    engine: Engine = typer.Option(
        Engine.sql,
        help="sql: push down into the server; frame: load into pandas and use pandera; "
        "spark: the SQL engine on Spark (local and databricks servers; docs/spark.md).",
    ),
    format: Format = typer.Option(Format.text, "--format", "-f", help="Report format."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write the report to this file instead of stdout."
    ),
    history: str | None = typer.Option(
        None,
        "--history",
        help=(
            "History store: a SQLite file or a postgresql:// URL (default: $LOCKGATE_HISTORY, "
            "else the server's "
            "PostgreSQL schema lockgate_history when the server is PostgreSQL, else "
            ".lockgate/history.sqlite)."
        ),
    ),
    no_history: bool = typer.Option(
        False,
        "--no-history",
        help="Do not record this run (rules that compare with earlier runs still read them).",
    ),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        help=(
            "Logical time of the load, ISO 8601 (2026-03-01T02:00:00Z or with an offset; "
            "without one: UTC). "
            "Freshness and advancement are judged at it and history is ordered by it "
            "(default: now)."
        ),
    ),
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="Text report: list every passing rule too."
    ),
    quarantine: str | None = typer.Option(
        None,
        "--quarantine",
        help=(
            "Keep rows a quarantine policy sets aside: a DuckDB file, a Parquet folder or a "
            "postgresql:// URL (never the warehouse connection)."
        ),
    ),
    partition: list[str] | None = typer.Option(
        None,
        "--partition",
        help=(
            "Check only this partition (repeatable): a value of the partitioned property, parsed "
            "by its logicalType (2026-11-19 for a date), or column=VALUE with several partition "
            "columns. Key rules still compare its keys with every other partition."
        ),
    ),
) -> None:
    """Validate data against a contract; exit 1 if an error-severity rule failed.

    Each run is recorded in the history store, which the stateful rules (advancement,
    changeRate, constant, anomaly) compare with. Checking data that was checked before (a retry)
    repeats that load's verdicts for the data rules; `lockgate history` shows it as a retry.
    """
    from lockgate.contract.loader import load_contract
    from lockgate.contract.rules import HistoryMeasure
    from lockgate.engines.sql import plan_cache
    from lockgate.report import render
    from lockgate.validation import validate

    plan_cache.use_default_directory()  # a repeated check skips ibis and sqlglot
    logical = _parse_as_of(as_of)
    loaded = load_contract(contract)
    reads_history = any(isinstance(r.measure, HistoryMeasure) for r in loaded.rules)
    store = _open_history(history, loaded, server) if reads_history or not no_history else None
    try:
        with _progress() as progress:
            result = validate(
                loaded,
                server,
                engine=engine.value,
                as_of=logical,
                progress=progress,
                history=store,
                record=not no_history,
                quarantine=quarantine,
                partitions=partition,
            )
    finally:
        if store is not None:
            store.close()
    color = output is None and format is Format.text and sys.stdout.isatty()
    report = render(result, format.value, color=color, verbose=verbose)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(output, report)
        from lockgate.report.text import verdict_line

        typer.echo(verdict_line(result))
    else:
        sys.stdout.write(report)
    raise typer.Exit(0 if result.passed else 1)


@app.command()
@_guard
def export(
    paths: list[Path] = typer.Argument(
        ..., help="The contract file (with --check: generated files or folders to verify)."
    ),
    to: ExportFormat | None = typer.Option(None, "--to", help="What to export."),
    server: str | None = typer.Option(
        None, help="Server whose dialect and column types to use (default: the first)."
    ),
    offline: bool = typer.Option(
        False, help="Do not connect; take column types from the contract."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write to this file instead of stdout."
    ),
    dbt_source: str | None = typer.Option(
        None, help="dbt: describe the tables as tables of this dbt source (default: models)."
    ),
    dbt_schema: str | None = typer.Option(None, help="dbt: the source's schema (may be Jinja)."),
    check: bool = typer.Option(
        False, "--check", help="Verify that generated files are up to date; exit 1 if not."
    ),
    valid: bool = typer.Option(
        False,
        "--valid",
        help=(
            "sql: the quarantine policy's __valid/__quarantine views; dbt: those models, "
            "written into --output DIR."
        ),
    ),
) -> None:
    """Show what a contract compiles to: the fused SQL, the pandera schema, dbt tests."""
    from lockgate.contract.loader import load_contract
    from lockgate.export import ExportOptions
    from lockgate.export import export as run_export
    from lockgate.export import notes as export_notes

    if check:
        from lockgate.export.check import stale_exports

        stale, checked = stale_exports(paths)
        for path, reason in stale:
            typer.echo(f"{path}: {reason}")
        typer.echo(f"{len(checked)} generated file(s) checked, {len(stale)} out of date", err=True)
        raise typer.Exit(1 if stale else 0)
    if len(paths) != 1 or to is None:
        fail("export takes one contract and --to FORMAT (or --check with generated files)")
    options = ExportOptions(
        server=server,
        offline=offline,
        output=str(output) if output else None,
        dbt_source=dbt_source,
        dbt_schema=dbt_schema,
        valid=valid,
    )
    loaded = load_contract(paths[0])
    if valid and to.value == "dbt":
        from lockgate.quarantine.cli import export_dbt_models

        export_dbt_models(loaded, options)
        return
    text = run_export(loaded, to.value, options)
    for note in export_notes(loaded, to.value, options):
        typer.echo(f"lockgate: note: {note}", err=True)
    if output is None:
        sys.stdout.write(text)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(output, text)
        typer.echo(f"wrote {output}", err=True)


@app.command(
    help=(
        "Validate through Great Expectations and build its Data Docs; exit 1 if an error-severity "
        "expectation failed."
    )
)
@_guard
def docs(
    contract: Path = typer.Argument(..., help="The contract file."),
    server: str | None = typer.Option(
        None, help="Server to read the tables from (default: the first)."
    ),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        help="Folder for the Data Docs (default: lockgate-docs/<contract id>/).",
    ),
    engine: Engine = typer.Option(
        Engine.frame,
        help=(
            "frame: load each table into pandas and run GX there (GX's SQL engine fails on DuckDB)."
        ),
    ),
) -> None:
    from lockgate.contract.loader import load_contract
    from lockgate.docs import build_docs

    loaded = load_contract(contract)
    with _progress() as progress:
        result = build_docs(loaded, server, output, engine=engine.value, progress=progress)
    for note in result.notes():
        typer.echo(f"lockgate: note: {note}", err=True)
    typer.echo(result.summary(), err=True)
    typer.echo(str(result.index))
    raise typer.Exit(0 if result.passed else 1)


class HistoryFormat(str, Enum):
    text = "text"
    json = "json"


@app.command("history")
@_guard
def history_command(
    table: str = typer.Argument(..., help="Table name (the contract's schema[].name)."),
    contract: str | None = typer.Option(None, "--contract", help="Only runs of this contract id."),
    limit: int = typer.Option(20, "--limit", "-n", min=1, help="How many runs, newest first."),
    format: HistoryFormat = typer.Option(
        HistoryFormat.text, "--format", "-f", help="Output format."
    ),
    history: str | None = typer.Option(
        None,
        "--history",
        help=(
            "History store: a SQLite file or a postgresql:// URL (default: $LOCKGATE_HISTORY, "
            "else .lockgate/history.sqlite)."
        ),
    ),
) -> None:
    """Show the latest recorded validation runs of a table."""
    import json

    from lockgate.state.history_report import render_runs
    from lockgate.state.store import open_store

    with open_store(history) as store:
        runs = store.recent_runs(table, contract_id=contract, limit=limit)
        where = store.location
    if format is HistoryFormat.json:
        sys.stdout.write(json.dumps(runs, indent=2) + "\n")
    else:
        sys.stdout.write(render_runs(table, runs, where))


@app.command("report")
@_guard
def report_command(
    output: Path = typer.Option(
        Path("lockgate-report"),
        "--output",
        "-o",
        help="Folder for index.html (default: lockgate-report/).",
    ),
    contracts: list[Path] | None = typer.Option(
        None,
        "--contracts",
        help=(
            "Contract files or folders whose thresholds and drift references the charts show "
            "(default: contracts/ when it exists)."
        ),
    ),
    history: str | None = typer.Option(
        None,
        "--history",
        help=(
            "History store: a SQLite file or a postgresql:// URL (default: $LOCKGATE_HISTORY, "
            "else .lockgate/history.sqlite)."
        ),
    ),
) -> None:
    """Write a self-contained HTML report from the history store: latest verdicts, failed rules
    with samples, each rule's metric over time against its threshold, drift, loads."""
    from lockgate.contract.loader import contract_files, load_contract
    from lockgate.report.html import build_report
    from lockgate.state.store import open_store

    given = contracts if contracts else [p for p in (Path("contracts"),) if p.is_dir()]
    loaded = [load_contract(path) for path in contract_files(given)] if given else []
    with open_store(history) as store:
        index = build_report(store, loaded, output)
    typer.echo(str(index))


@app.command()
@_guard
def profile(
    contract: Path = typer.Argument(..., help="The contract file."),
    server: str | None = typer.Option(
        None, help="Server holding the reference (training) data (default: the first)."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write the profile to this file instead of stdout."
    ),
    bins: int = typer.Option(20, min=1, help="Quantile bins of a numeric column's histogram."),
    top: int = typer.Option(50, min=1, help="Most frequent values kept for a categorical column."),
) -> None:
    """Write the reference profile that drift rules compare with (a deterministic JSON file)."""
    from lockgate.contract.loader import analyze
    from lockgate.errors import ContractError
    from lockgate.state.reference_build import reference_from_server

    loaded, findings = analyze(contract)
    # a drift rule may name the very file this command is about to write: that error is expected
    blocking = [f for f in findings if f.severity == "error" and f.code != "missing-reference"]
    if loaded is None or blocking:
        raise ContractError(blocking or findings)
    text = reference_from_server(loaded, server, bins=bins, top=top).to_json()
    if output is None:
        sys.stdout.write(text)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(output, text)
        typer.echo(f"wrote {output}", err=True)


def _parse_as_of(text: str | None):
    """--as-of: ISO 8601 with Z or an offset; a time without one is UTC."""
    if text is None:
        return None
    import datetime as dt

    from lockgate.errors import UsageError

    try:
        value = dt.datetime.fromisoformat(
            text.strip().replace("Z", "+00:00").replace("z", "+00:00")
        )
    except ValueError:
        raise UsageError(
            f"--as-of {text!r} is not an ISO 8601 time (e.g. 2026-03-01T02:00:00Z)"
        ) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _open_history(location: str | None, contract, server: str | None):
    """The run's history store. One that cannot be opened is an error (exit 2), never a run
    whose stateful rules quietly say "not checked": under a read-only warehouse role the
    default store (the server's schema lockgate_history) cannot be created (SECURITY.md)."""
    from lockgate.errors import LockgateError
    from lockgate.state.store import open_store

    try:
        return open_store(location, server=contract.server(server))
    except LockgateError as exc:
        hint = "give a writable store with --history or LOCKGATE_HISTORY"
        raise LockgateError(f"{exc}; {hint}") from None


class ReviewFormat(str, Enum):
    text = "text"
    markdown = "markdown"
    json = "json"


class SelftestFormat(str, Enum):
    text = "text"
    json = "json"


@app.command(
    help=(
        "Classify a contract change and name what it affects downstream; exit 1 if a breaking "
        "change lacks a major bump."
    )
)
@_guard
def diff(
    paths: list[Path] = typer.Argument(
        ..., help="OLD NEW (two contract files); with --base: contract files or directories."
    ),
    base: str | None = typer.Option(
        None,
        "--base",
        help=(
            "Git revision holding the old versions, e.g. origin/main (read with git show REF:path)."
        ),
    ),
    format: ReviewFormat = typer.Option(
        ReviewFormat.text, "--format", "-f", help="text, markdown (a pull-request comment) or json."
    ),
    manifest: Path | None = typer.Option(
        None,
        help=(
            "dbt manifest for the blast radius (default: dbt/target/manifest.json when it exists)."
        ),
    ),
    specs: Path | None = typer.Option(
        None, help="Folder of ML pipeline specs (default: contracts/models when it exists)."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write the report to this file instead of stdout."
    ),
) -> None:
    from lockgate.review.command import run_diff

    text, code = run_diff(paths, base=base, fmt=format.value, manifest=manifest, specs=specs)
    _emit(text, output)
    raise typer.Exit(code)


@app.command(
    help=(
        "Write a starting ODCS contract from a table's data: types, keys, ranges, values, "
        "patterns, freshness."
    )
)
@_guard
def infer(
    table: str = typer.Argument(..., help="The table to profile."),
    duckdb: Path | None = typer.Option(None, "--duckdb", help="A DuckDB file holding the table."),
    schema: str | None = typer.Option(None, "--schema", help="The DuckDB schema (default: main)."),
    postgres_host: str | None = typer.Option(
        None, "--postgres-host", help="PostgreSQL host (default: $PGHOST, else 127.0.0.1)."
    ),
    postgres_port: int | None = typer.Option(
        None, "--postgres-port", help="PostgreSQL port (default: $PGPORT, else 5432)."
    ),
    postgres_database: str | None = typer.Option(
        None,
        "--postgres-database",
        help="PostgreSQL database (default: $PGDATABASE, else postgres).",
    ),
    postgres_schema: str | None = typer.Option(
        None, "--postgres-schema", help="PostgreSQL schema (default: public)."
    ),
    server_url: str | None = typer.Option(
        None,
        "--server-url",
        help=(
            "postgresql://host:port/database?schema=name; user and password come from "
            "LOCKGATE_POSTGRES_USER/_PASSWORD."
        ),
    ),
    file: str | None = typer.Option(
        None, "--file", help="A Parquet or CSV file (or a glob of them) holding the table."
    ),
    contract_id: str | None = typer.Option(
        None, "--id", help="Id of the new contract (default: the table name)."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write the contract to this file instead of stdout."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite --output if it exists."),
) -> None:
    from lockgate.infer import infer_contract
    from lockgate.infer.sources import choose_source

    if output is not None and output.exists() and not force:
        fail(f"{output} exists; pass --force to overwrite it")
    source = choose_source(
        duckdb=duckdb,
        schema=schema,
        postgres_host=postgres_host,
        postgres_port=postgres_port,
        postgres_database=postgres_database,
        postgres_schema=postgres_schema,
        server_url=server_url,
        file=file,
    )
    inferred = infer_contract(table, source, contract_id=contract_id)
    for note in inferred.notes:
        typer.echo(f"lockgate: note: {note}", err=True)
    _emit(inferred.text, output, f"{inferred.rules} rules")


@app.command(
    "new",
    help=(
        "Start an ML project on a table: reuse (or infer) its contract and write a model spec; no "
        "Python."
    ),
)
@_guard
def new_command(
    model: str = typer.Argument(
        ...,
        help=(
            "The model's name (lower case, digits and _): the spec is contracts/models/MODEL.yaml."
        ),
    ),
    table: str = typer.Option(
        ..., "--table", help="SCHEMA.TABLE (or TABLE) the model learns from."
    ),
    target: str = typer.Option(..., "--target", help="The binary column to predict."),
    time_column: str = typer.Option(
        ..., "--time-column", help="When a row is scored: the out-of-time split's clock."
    ),
    where_true: str | None = typer.Option(
        None,
        "--where-true",
        help="A boolean column: train only on rows where it is true (label known).",
    ),
    contracts: Path = typer.Option(
        Path("contracts"),
        "--contracts",
        help="The contracts folder searched for the table's contract.",
    ),
    duckdb: Path | None = typer.Option(
        None, "--duckdb", help="Infer: a DuckDB file holding the table."
    ),
    postgres_host: str | None = typer.Option(
        None, "--postgres-host", help="Infer: PostgreSQL host."
    ),
    postgres_port: int | None = typer.Option(
        None, "--postgres-port", help="Infer: PostgreSQL port."
    ),
    postgres_database: str | None = typer.Option(
        None, "--postgres-database", help="Infer: PostgreSQL database."
    ),
    server_url: str | None = typer.Option(
        None,
        "--server-url",
        help="Infer: postgresql://host:port/database (as in `lockgate infer`).",
    ),
    file: str | None = typer.Option(
        None, "--file", help="Infer: Parquet or CSV file(s) holding the table."
    ),
) -> None:
    from lockgate.scaffold import new_project

    schema, _, _name = table.rpartition(".")
    source = None
    if any(
        v is not None
        for v in (duckdb, postgres_host, postgres_port, postgres_database, server_url, file)
    ):
        from lockgate.infer.sources import choose_source

        postgres = any(v is not None for v in (postgres_host, postgres_port, postgres_database))
        source = choose_source(
            duckdb=duckdb,
            schema=(schema or None) if duckdb else None,
            postgres_host=postgres_host,
            postgres_port=postgres_port,
            postgres_database=postgres_database,
            postgres_schema=(schema or None) if postgres else None,
            server_url=server_url,
            file=file,
        )
    project = new_project(
        model,
        table=table,
        target=target,
        time_column=time_column,
        contracts_dir=contracts,
        source=source,
        where_true=where_true,
    )
    for note in project.notes:
        typer.echo(f"lockgate: note: {note}", err=True)
    how = "inferred (review it)" if project.contract_inferred else "reused"
    typer.echo(f"contract {project.contract_path}: {how}")
    typer.echo(f"wrote {project.spec_path} ({project.spec_lines} lines); it lints")
    if project.left_out:
        typer.echo(f"not features: {', '.join(project.left_out)}")
    typer.echo("next:")
    for command in project.next_commands():
        typer.echo(f"  {command}")


@app.command(
    help=(
        "Prove each rule catches data that breaks it, on both engines; exit 1 if one cannot fail "
        "or misbehaves."
    )
)
@_guard
def selftest(
    contract: Path = typer.Argument(..., help="The contract file."),
    format: SelftestFormat = typer.Option(
        SelftestFormat.text, "--format", "-f", help="Report format."
    ),
) -> None:
    from lockgate.contract.loader import load_contract
    from lockgate.selftest import selftest as run_selftest
    from lockgate.selftest.report import render as render_selftest

    report = run_selftest(load_contract(contract))
    sys.stdout.write(render_selftest(report, format.value))
    raise typer.Exit(report.exit_code)


def _emit(text: str, output: Path | None, what: str = "") -> None:
    """To stdout, or atomically to `output` with a line on stderr."""
    if output is None:
        sys.stdout.write(text)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(output, text)
    typer.echo(f"wrote {output}" + (f": {what}" if what else ""), err=True)


def _write_atomically(path: Path, text: str) -> None:
    """Write next to the target and rename, so a crash never leaves half a file."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class _progress:
    """A spinner on stderr while tables are scanned, only when a person is watching."""

    def __enter__(self):
        self.status = None
        if sys.stderr.isatty():
            from rich.console import Console

            self.status = Console(stderr=True).status("connecting…")
            self.status.start()
        return self.update if self.status else None

    def update(self, message: str) -> None:
        self.status.update(message)

    def __exit__(self, *exc):
        if self.status:
            self.status.stop()


def _registry_commands() -> None:
    from lockgate.cli_registry import app as registry_app

    # the sub-commands go through the same one-line error handling as the others
    for command in registry_app.registered_commands:
        command.callback = _guard(command.callback)
    app.add_typer(registry_app, name="registry")


_registry_commands()


def _serving_commands() -> None:
    from lockgate import cli_serve

    app.command("serve")(_guard(cli_serve.serve))
    app.command("monitor")(_guard(cli_serve.monitor))


_serving_commands()


def _quarantine_commands() -> None:
    from lockgate.quarantine.cli import app as quarantine_app

    for command in quarantine_app.registered_commands:
        command.callback = _guard(command.callback)
    app.add_typer(quarantine_app, name="quarantine")


_quarantine_commands()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
