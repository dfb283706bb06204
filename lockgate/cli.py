"""The `lockgate` command. Heavy modules are imported inside commands so `--help` stays fast.

Exit codes: 0 success; 1 the data (check) or the contract (lint) failed; 2 usage, contract or
connection error, reported as one line on stderr.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn

import click

from lockgate.cli_group import LockgateGroup
from lockgate.cli_options import PATH, history_option


@click.group(
    name="lockgate",
    cls=LockgateGroup,
    help=(
        "Data contracts (ODCS v3.1) checked where the data lives, and pipelines that refuse "
        "broken data."
    ),
    no_args_is_help=True,
    # help uses the terminal's width up to 120 columns (click's default stops at 80, as on a
    # 200-column terminal); context settings reach every sub-command
    context_settings={"show_default": True, "max_content_width": 120},
)
def app() -> None:
    pass


ENGINES = click.Choice(["sql", "frame", "spark"])
# Path parameters arrive as pathlib.Path; whether the file must exist is the command's to check


def fail(message: str, code: int = 2) -> NoReturn:
    """One line on stderr, no traceback (set LOCKGATE_DEBUG=1 to see one)."""
    click.echo(f"lockgate: error: {message}", err=True)
    sys.exit(code)


def _guard(fn):
    """Turn lockgate errors (and unexpected ones) into the one-line exit-2 contract."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from lockgate.errors import ContractError, LockgateError

        try:
            return fn(*args, **kwargs)
        except (click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except click.ClickException as exc:
            # a command's own usage error (monitor's unknown model, bad window): its message only
            fail(exc.format_message())
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
@click.argument(
    "paths",
    nargs=-1,
    required=True,
    type=PATH,
    help="Contract files, or directories searched for *.odcs.yaml.",
)
@_guard
def lint(paths: tuple[Path, ...]) -> None:
    """Validate contracts against ODCS and lockgate's rules; exit 1 if any has an error."""
    from lockgate.contract.loader import contract_files, lint_paths

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        fail(f"no such file or directory: {', '.join(missing)}")
    if not contract_files(list(paths)):
        fail(f"no contracts (*.odcs.yaml) found in {', '.join(map(str, paths))}")
    results = lint_paths(list(paths))
    errors = warnings = 0
    for findings in results.values():
        for finding in findings:
            click.echo(str(finding))
        errors += sum(f.severity == "error" for f in findings)
        warnings += sum(f.severity == "warning" for f in findings)
    bad = sum(any(f.severity == "error" for f in fs) for fs in results.values())
    summary = (
        f"{len(results)} contract(s) linted: {bad} invalid, {errors} error(s), {warnings} "
        "warning(s)"
    )
    click.echo(summary, err=True)
    sys.exit(1 if errors else 0)


@app.command()
@click.argument("contract", type=PATH, help="The contract file.")
@click.option("--server", help="Server name from the contract (default: the first).")
@click.option(
    "--engine",
    type=ENGINES,
    default="sql",
    help="sql: push down into the server; frame: load into pandas and use pandera; "
    "spark: the SQL engine on Spark (local and databricks servers; docs/spark.md).",
)
@click.option(
    "--format",
    "-f",
    type=click.Choice(["text", "json", "junit"]),
    default="text",
    help="Report format.",
)
@click.option("--output", "-o", type=PATH, help="Write the report to this file instead of stdout.")
@click.option(
    "--history",
    help=(
        "History store: a SQLite file or a postgresql:// URL (default: $LOCKGATE_HISTORY, "
        "else the server's "
        "PostgreSQL schema lockgate_history when the server is PostgreSQL, else "
        ".lockgate/history.sqlite)."
    ),
)
@click.option(
    "--no-history",
    is_flag=True,
    help="Do not record this run (rules that compare with earlier runs still read them).",
)
@click.option(
    "--as-of",
    help=(
        "Logical time of the load, ISO 8601 (2026-03-01T02:00:00Z or with an offset; "
        "without one: UTC). "
        "Freshness and advancement are judged at it and history is ordered by it "
        "(default: now)."
    ),
)
@click.option("--verbose", "-v", is_flag=True, help="Text report: list every passing rule too.")
@click.option(
    "--quarantine",
    help=(
        "Keep rows a quarantine policy sets aside: a DuckDB file, a Parquet folder or a "
        "postgresql:// URL (never the warehouse connection)."
    ),
)
@click.option(
    "--partition",
    multiple=True,
    help=(
        "Check only this partition (repeatable): a value of the partitioned property, parsed "
        "by its logicalType (2026-11-19 for a date), or column=VALUE with several partition "
        "columns. Key rules still compare its keys with every other partition."
    ),
)
@_guard
def check(
    contract: Path,
    server: str | None,
    engine: str,
    format: str,
    output: Path | None,
    history: str | None,
    no_history: bool,
    as_of: str | None,
    verbose: bool,
    quarantine: str | None,
    partition: tuple[str, ...],
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
                engine=engine,
                as_of=logical,
                progress=progress,
                history=store,
                record=not no_history,
                quarantine=quarantine,
                partitions=list(partition) or None,
            )
    finally:
        if store is not None:
            store.close()
    color = output is None and format == "text" and sys.stdout.isatty()
    report = render(result, format, color=color, verbose=verbose)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(output, report)
        from lockgate.report.text import verdict_line

        click.echo(verdict_line(result))
    else:
        sys.stdout.write(report)
    sys.exit(0 if result.passed else 1)


@app.command()
@click.argument(
    "paths",
    nargs=-1,
    required=True,
    type=PATH,
    help="The contract file (with --check: generated files or folders to verify).",
)
@click.option("--to", type=click.Choice(["pandera", "sql", "dbt", "gx"]), help="What to export.")
@click.option("--server", help="Server whose dialect and column types to use (default: the first).")
@click.option("--offline/--no-offline", help="Do not connect; take column types from the contract.")
@click.option("--output", "-o", type=PATH, help="Write to this file instead of stdout.")
@click.option(
    "--dbt-source",
    help="dbt: describe the tables as tables of this dbt source (default: models).",
)
@click.option("--dbt-schema", help="dbt: the source's schema (may be Jinja).")
@click.option(
    "--check",
    is_flag=True,
    help="Verify that generated files are up to date; exit 1 if not.",
)
@click.option(
    "--valid",
    is_flag=True,
    help=(
        "sql: the quarantine policy's __valid/__quarantine views; dbt: those models, "
        "written into --output DIR."
    ),
)
@_guard
def export(
    paths: tuple[Path, ...],
    to: str | None,
    server: str | None,
    offline: bool,
    output: Path | None,
    dbt_source: str | None,
    dbt_schema: str | None,
    check: bool,
    valid: bool,
) -> None:
    """Show what a contract compiles to: the fused SQL, the pandera schema, dbt tests."""
    from lockgate.contract.loader import load_contract
    from lockgate.export import ExportOptions
    from lockgate.export import export as run_export
    from lockgate.export import notes as export_notes

    if check:
        from lockgate.export.check import stale_exports

        stale, checked = stale_exports(list(paths))
        for path, reason in stale:
            click.echo(f"{path}: {reason}")
        click.echo(f"{len(checked)} generated file(s) checked, {len(stale)} out of date", err=True)
        sys.exit(1 if stale else 0)
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
    if valid and to == "dbt":
        from lockgate.quarantine.cli import export_dbt_models

        export_dbt_models(loaded, options)
        return
    text = run_export(loaded, to, options)
    for note in export_notes(loaded, to, options):
        click.echo(f"lockgate: note: {note}", err=True)
    if output is None:
        sys.stdout.write(text)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(output, text)
        click.echo(f"wrote {output}", err=True)


@app.command(
    help=(
        "Validate through Great Expectations and build its Data Docs; exit 1 if an error-severity "
        "expectation failed."
    )
)
@click.argument("contract", type=PATH, help="The contract file.")
@click.option("--server", help="Server to read the tables from (default: the first).")
@click.option(
    "--output",
    "-o",
    type=PATH,
    help="Folder for the Data Docs (default: lockgate-docs/<contract id>/).",
)
@click.option(
    "--engine",
    type=ENGINES,
    default="frame",
    help=("frame: load each table into pandas and run GX there (GX's SQL engine fails on DuckDB)."),
)
@_guard
def docs(contract: Path, server: str | None, output: Path | None, engine: str) -> None:
    from lockgate.contract.loader import load_contract
    from lockgate.docs import build_docs

    loaded = load_contract(contract)
    with _progress() as progress:
        result = build_docs(loaded, server, output, engine=engine, progress=progress)
    for note in result.notes():
        click.echo(f"lockgate: note: {note}", err=True)
    click.echo(result.summary(), err=True)
    click.echo(str(result.index))
    sys.exit(0 if result.passed else 1)


@app.command("history")
@click.argument("table", help="Table name (the contract's schema[].name).")
@click.option("--contract", help="Only runs of this contract id.")
@click.option(
    "--limit",
    "-n",
    type=click.IntRange(min=1),
    default=20,
    help="How many runs, newest first.",
)
@click.option(
    "--format", "-f", type=click.Choice(["text", "json"]), default="text", help="Output format."
)
@history_option
@_guard
def history_command(
    table: str, contract: str | None, limit: int, format: str, history: str | None
) -> None:
    """Show the latest recorded validation runs of a table."""
    import json

    from lockgate.state.history_report import render_runs
    from lockgate.state.store import open_store

    with open_store(history) as store:
        runs = store.recent_runs(table, contract_id=contract, limit=limit)
        where = store.location
    if format == "json":
        sys.stdout.write(json.dumps(runs, indent=2) + "\n")
    else:
        sys.stdout.write(render_runs(table, runs, where))


@app.command("report")
@click.option(
    "--output",
    "-o",
    type=PATH,
    default=Path("lockgate-report"),
    help="Folder for index.html (default: lockgate-report/).",
)
@click.option(
    "--contracts",
    type=PATH,
    multiple=True,
    help=(
        "Contract files or folders whose thresholds and drift references the charts show "
        "(default: contracts/ when it exists)."
    ),
)
@history_option
@_guard
def report_command(output: Path, contracts: tuple[Path, ...], history: str | None) -> None:
    """Write a self-contained HTML report from the history store: latest verdicts, failed rules
    with samples, each rule's metric over time against its threshold, drift, loads."""
    from lockgate.contract.loader import contract_files, load_contract
    from lockgate.report.html import build_report
    from lockgate.state.store import open_store

    given = list(contracts) if contracts else [p for p in (Path("contracts"),) if p.is_dir()]
    loaded = [load_contract(path) for path in contract_files(given)] if given else []
    with open_store(history) as store:
        index = build_report(store, loaded, output)
    click.echo(str(index))


@app.command()
@click.argument("contract", type=PATH, help="The contract file.")
@click.option("--server", help="Server holding the reference (training) data (default: the first).")
@click.option("--output", "-o", type=PATH, help="Write the profile to this file instead of stdout.")
@click.option(
    "--bins",
    type=click.IntRange(min=1),
    default=20,
    help="Quantile bins of a numeric column's histogram.",
)
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=50,
    help="Most frequent values kept for a categorical column.",
)
@_guard
def profile(contract: Path, server: str | None, output: Path | None, bins: int, top: int) -> None:
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
        click.echo(f"wrote {output}", err=True)


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


@app.command(
    help=(
        "Classify a contract change and name what it affects downstream; exit 1 if a breaking "
        "change lacks a major bump."
    )
)
@click.argument(
    "paths",
    nargs=-1,
    required=True,
    type=PATH,
    help="OLD NEW (two contract files); with --base: contract files or directories.",
)
@click.option(
    "--base",
    help=("Git revision holding the old versions, e.g. origin/main (read with git show REF:path)."),
)
@click.option(
    "--format",
    "-f",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    help="text, markdown (a pull-request comment) or json.",
)
@click.option(
    "--manifest",
    type=PATH,
    help=("dbt manifest for the blast radius (default: dbt/target/manifest.json when it exists)."),
)
@click.option(
    "--specs",
    type=PATH,
    help="Folder of ML pipeline specs (default: contracts/models when it exists).",
)
@click.option("--output", "-o", type=PATH, help="Write the report to this file instead of stdout.")
@_guard
def diff(
    paths: tuple[Path, ...],
    base: str | None,
    format: str,
    manifest: Path | None,
    specs: Path | None,
    output: Path | None,
) -> None:
    from lockgate.review.command import run_diff

    text, code = run_diff(list(paths), base=base, fmt=format, manifest=manifest, specs=specs)
    _emit(text, output)
    sys.exit(code)


@app.command(
    help=(
        "Write a starting ODCS contract from a table's data: types, keys, ranges, values, "
        "patterns, freshness."
    )
)
@click.argument("table", help="The table to profile.")
@click.option("--duckdb", type=PATH, help="A DuckDB file holding the table.")
@click.option("--schema", help="The DuckDB schema (default: main).")
@click.option("--postgres-host", help="PostgreSQL host (default: $PGHOST, else 127.0.0.1).")
@click.option("--postgres-port", type=int, help="PostgreSQL port (default: $PGPORT, else 5432).")
@click.option(
    "--postgres-database", help="PostgreSQL database (default: $PGDATABASE, else postgres)."
)
@click.option("--postgres-schema", help="PostgreSQL schema (default: public).")
@click.option(
    "--server-url",
    help=(
        "postgresql://host:port/database?schema=name; user and password come from "
        "LOCKGATE_POSTGRES_USER/_PASSWORD."
    ),
)
@click.option("--file", help="A Parquet or CSV file (or a glob of them) holding the table.")
@click.option("--id", "contract_id", help="Id of the new contract (default: the table name).")
@click.option(
    "--output", "-o", type=PATH, help="Write the contract to this file instead of stdout."
)
@click.option("--force", is_flag=True, help="Overwrite --output if it exists.")
@_guard
def infer(
    table: str,
    duckdb: Path | None,
    schema: str | None,
    postgres_host: str | None,
    postgres_port: int | None,
    postgres_database: str | None,
    postgres_schema: str | None,
    server_url: str | None,
    file: str | None,
    contract_id: str | None,
    output: Path | None,
    force: bool,
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
        click.echo(f"lockgate: note: {note}", err=True)
    _emit(inferred.text, output, f"{inferred.rules} rules")


@app.command(
    "new",
    help=(
        "Start an ML project on a table: reuse (or infer) its contract and write a model spec; no "
        "Python."
    ),
)
@click.argument(
    "model",
    help="The model's name (lower case, digits and _): the spec is contracts/models/MODEL.yaml.",
)
@click.option("--table", required=True, help="SCHEMA.TABLE (or TABLE) the model learns from.")
@click.option("--target", required=True, help="The binary column to predict.")
@click.option(
    "--time-column", required=True, help="When a row is scored: the out-of-time split's clock."
)
@click.option(
    "--where-true",
    help="A boolean column: train only on rows where it is true (label known).",
)
@click.option(
    "--contracts",
    type=PATH,
    default=Path("contracts"),
    help="The contracts folder searched for the table's contract.",
)
@click.option("--duckdb", type=PATH, help="Infer: a DuckDB file holding the table.")
@click.option("--postgres-host", help="Infer: PostgreSQL host.")
@click.option("--postgres-port", type=int, help="Infer: PostgreSQL port.")
@click.option("--postgres-database", help="Infer: PostgreSQL database.")
@click.option(
    "--server-url", help="Infer: postgresql://host:port/database (as in `lockgate infer`)."
)
@click.option("--file", help="Infer: Parquet or CSV file(s) holding the table.")
@_guard
def new_command(
    model: str,
    table: str,
    target: str,
    time_column: str,
    where_true: str | None,
    contracts: Path,
    duckdb: Path | None,
    postgres_host: str | None,
    postgres_port: int | None,
    postgres_database: str | None,
    server_url: str | None,
    file: str | None,
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
        click.echo(f"lockgate: note: {note}", err=True)
    how = "inferred (review it)" if project.contract_inferred else "reused"
    click.echo(f"contract {project.contract_path}: {how}")
    click.echo(f"wrote {project.spec_path} ({project.spec_lines} lines); it lints")
    if project.left_out:
        click.echo(f"not features: {', '.join(project.left_out)}")
    click.echo("next:")
    for command in project.next_commands():
        click.echo(f"  {command}")


@app.command(
    help=(
        "Prove each rule catches data that breaks it, on both engines; exit 1 if one cannot fail "
        "or misbehaves."
    )
)
@click.argument("contract", type=PATH, help="The contract file.")
@click.option(
    "--format", "-f", type=click.Choice(["text", "json"]), default="text", help="Report format."
)
@_guard
def selftest(contract: Path, format: str) -> None:
    from lockgate.contract.loader import load_contract
    from lockgate.selftest import selftest as run_selftest
    from lockgate.selftest.report import render as render_selftest

    report = run_selftest(load_contract(contract))
    sys.stdout.write(render_selftest(report, format))
    sys.exit(report.exit_code)


def _emit(text: str, output: Path | None, what: str = "") -> None:
    """To stdout, or atomically to `output` with a line on stderr."""
    if output is None:
        sys.stdout.write(text)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(output, text)
    click.echo(f"wrote {output}" + (f": {what}" if what else ""), err=True)


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


def _sub_commands() -> None:
    from lockgate import cli_serve
    from lockgate.cli_registry import app as registry_app
    from lockgate.quarantine.cli import app as quarantine_app

    app.command("serve")(_guard(cli_serve.serve))
    app.command("monitor")(_guard(cli_serve.monitor))
    for group in (registry_app, quarantine_app):
        # the sub-commands go through the same one-line error handling as the others
        for command in group.commands.values():
            command.callback = _guard(command.callback)
        app.add_command(group)


_sub_commands()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
