"""The `lockgate` command. Heavy modules are imported inside commands so `--help` stays fast.

Exit codes: 0 success; 1 the data (check) or the contract (lint) failed; 2 usage, contract or
connection error, reported as one line on stderr.
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

app = typer.Typer(
    name="lockgate",
    help="Data contracts (ODCS v3.1) checked where the data lives, and pipelines that refuse broken data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class Engine(str, Enum):
    sql = "sql"
    frame = "frame"


class Format(str, Enum):
    text = "text"
    json = "json"
    junit = "junit"


class ExportFormat(str, Enum):
    pandera = "pandera"
    sql = "sql"
    dbt = "dbt"


def fail(message: str, code: int = 2) -> None:
    """One line on stderr, no traceback (set LOCKGATE_DEBUG=1 to see one)."""
    typer.echo(f"lockgate: error: {message}", err=True)
    raise typer.Exit(code)


def _guard(fn):
    """Turn lockgate errors (and unexpected ones) into the one-line exit-2 contract."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from lockgate.errors import LockgateError

        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except LockgateError as exc:
            fail(str(exc))
        except Exception as exc:
            if os.environ.get("LOCKGATE_DEBUG"):
                raise
            fail(f"{type(exc).__name__}: {exc} (set LOCKGATE_DEBUG=1 for a traceback)")

    return wrapper


@app.command()
@_guard
def lint(paths: List[Path] = typer.Argument(..., help="Contract files, or directories searched for *.odcs.yaml.")) -> None:
    """Validate contracts against ODCS and lockgate's rules; exit 1 if any has an error."""
    from lockgate.contract.loader import contract_files, lint_paths

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        fail(f"no such file or directory: {', '.join(missing)}")
    if not contract_files(paths):
        fail(f"no contracts (*.odcs.yaml) found in {', '.join(map(str, paths))}")
    results = lint_paths(paths)
    errors = warnings = 0
    for path, findings in results.items():
        for finding in findings:
            typer.echo(str(finding))
        errors += sum(f.severity == "error" for f in findings)
        warnings += sum(f.severity == "warning" for f in findings)
    bad = sum(any(f.severity == "error" for f in fs) for fs in results.values())
    summary = f"{len(results)} contract(s) linted: {bad} invalid, {errors} error(s), {warnings} warning(s)"
    typer.echo(summary, err=True)
    raise typer.Exit(1 if errors else 0)


@app.command()
@_guard
def check(
    contract: Path = typer.Argument(..., help="The contract file."),
    server: Optional[str] = typer.Option(None, help="Server name from the contract (default: the first)."),
    engine: Engine = typer.Option(Engine.sql, help="sql: push down into the server; frame: load into pandas and use pandera."),
    format: Format = typer.Option(Format.text, "--format", "-f", help="Report format."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report to this file instead of stdout."),
) -> None:
    """Validate data against a contract; exit 1 if an error-severity rule failed."""
    from lockgate.contract.loader import load_contract
    from lockgate.engines.run import validate
    from lockgate.report import render

    loaded = load_contract(contract)
    with _progress() as progress:
        result = validate(loaded, server, engine=engine.value, progress=progress)
    color = output is None and format is Format.text and sys.stdout.isatty()
    report = render(result, format.value, color=color)
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
    paths: List[Path] = typer.Argument(..., help="The contract file (with --check: generated files or folders to verify)."),
    to: Optional[ExportFormat] = typer.Option(None, "--to", help="What to export."),
    server: Optional[str] = typer.Option(None, help="Server whose dialect and column types to use (default: the first)."),
    offline: bool = typer.Option(False, help="Do not connect; take column types from the contract."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write to this file instead of stdout."),
    dbt_source: Optional[str] = typer.Option(None, help="dbt: describe the tables as tables of this dbt source (default: models)."),
    dbt_schema: Optional[str] = typer.Option(None, help="dbt: the source's schema (may be Jinja)."),
    check: bool = typer.Option(False, "--check", help="Verify that generated files are up to date; exit 1 if not."),
) -> None:
    """Show what a contract compiles to: the fused SQL, the pandera schema, dbt tests."""
    from lockgate.contract.loader import load_contract
    from lockgate.export import ExportOptions
    from lockgate.export import export as run_export

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
    )
    text = run_export(load_contract(paths[0]), to.value, options)
    if output is None:
        sys.stdout.write(text)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(output, text)
        typer.echo(f"wrote {output}", err=True)


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


def main() -> None:
    app()


if __name__ == "__main__":
    main()
