"""A readable table: failures first, then warnings, then passes, and a one-line verdict."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from lockgate.engines.results import RuleResult, ValidationResult, json_safe

MAX_SAMPLES_SHOWN = 3


def _order(r: RuleResult) -> tuple[int, str]:
    if r.blocking_failure:
        return (0, r.rule.id)
    if not r.passed:
        return (1, r.rule.id)
    return (2, r.rule.id)


def _status(r: RuleResult) -> Text:
    if r.blocking_failure:
        return Text("FAIL", style="bold red")
    if not r.passed:
        return Text("WARN", style="bold yellow")
    return Text("pass", style="green")


def verdict_line(result: ValidationResult) -> str:
    errors = sum(1 for r in result.results if r.blocking_failure)
    warnings = sum(1 for r in result.results if not r.passed and not r.blocking_failure)
    seconds = (result.finished_at - result.started_at).total_seconds() if result.finished_at else 0.0
    where = f" on server {result.server}" if result.server else ""
    head = "PASSED" if result.passed else "FAILED"
    detail = f"{errors} error rule(s) failed, {warnings} warning(s)" if (errors or warnings) else "all rules passed"
    return (
        f"{head}: {detail} — contract {result.contract_id} {result.contract_version}{where}, "
        f"{len(result.results)} rules, {result.engine} engine, {seconds:.2f}s"
    )


def render(result: ValidationResult, *, color: bool = False, width: int | None = None) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=width or 160, soft_wrap=False)
    table = Table(show_lines=False, header_style="bold")
    table.add_column("status", no_wrap=True)
    table.add_column("rule", overflow="fold", min_width=24)
    table.add_column("column", overflow="fold", min_width=8)
    table.add_column("check", no_wrap=True)
    table.add_column("observed", overflow="fold", min_width=12, max_width=48)
    table.add_column("expected", overflow="fold", min_width=10, max_width=28)
    table.add_column("failed rows", justify="right", no_wrap=True)
    ordered = sorted(result.results, key=_order)
    for r in ordered:
        observed = json_safe(r.observed)
        table.add_row(
            _status(r),
            r.rule.id,
            r.rule.column or "",
            r.rule.check,
            str(observed),
            r.expected,
            "" if r.failed_rows is None else f"{r.failed_rows:,}",
        )
    console.print(table)
    for r in ordered:
        if r.passed or not r.samples:
            continue
        console.print(Text(f"sample rows failing {r.rule.id}:", style="bold"))
        for row in r.samples[:MAX_SAMPLES_SHOWN]:
            console.print("  " + ", ".join(f"{k}={json_safe(v)!r}" for k, v in row.items()), highlight=False)
    if result.quarantine is not None:  # only when the contract has a quarantine policy
        from lockgate.quarantine.report import text_lines

        for line in text_lines(result):
            console.print(line, highlight=False)
    style = "bold green" if result.passed else "bold red"
    console.print(Text(verdict_line(result), style=style))
    return buffer.getvalue()
