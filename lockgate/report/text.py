"""A report that fits the terminal: failures first, each with the sentence that says what its
rule was and what was found, and sample rows; warnings next; passes summed up in one line
(all of them with `verbose`); then a one-line verdict.

Lines are wrapped at word boundaries to the terminal's width (or `COLUMNS`), never inside a
rule id or a value, so ids stay searchable and copy-pasteable."""

from __future__ import annotations

import io
import shutil
import textwrap

from rich.console import Console
from rich.text import Text

from lockgate.report.statement import sample_text, statement
from lockgate.results.model import RuleResult, ValidationResult

MAX_SAMPLES_SHOWN = 3
INDENT = " " * 6  # under the rule id, past the status word
FALLBACK_WIDTH = 100  # when stdout is not a terminal and COLUMNS is unset


def _order(r: RuleResult) -> tuple[int, str]:
    if r.blocking_failure:
        return (0, r.rule.id)
    if not r.passed:
        return (1, r.rule.id)
    return (2, r.rule.id)


def _status(r: RuleResult) -> tuple[str, str]:
    if r.blocking_failure:
        return "FAIL", "bold red"
    if not r.passed:
        return "WARN", "bold yellow"
    return "pass", "green"


def verdict_line(result: ValidationResult) -> str:
    errors = sum(1 for r in result.results if r.blocking_failure)
    warnings = sum(1 for r in result.results if not r.passed and not r.blocking_failure)
    seconds = (
        (result.finished_at - result.started_at).total_seconds() if result.finished_at else 0.0
    )
    where = f" on server {result.server}" if result.server else ""
    if result.partitions is not None:
        where += (
            " (partitions "
            + "; ".join(f"{s.table} {s.label}" for s in result.partitions.tables)
            + ")"
        )
    head = "PASSED" if result.passed else "FAILED"
    detail = (
        f"{errors} error rule(s) failed, {warnings} warning(s)"
        if (errors or warnings)
        else "all rules passed"
    )
    return (
        f"{head}: {detail} — contract {result.contract_id} {result.contract_version}{where}, "
        f"{len(result.results)} rules, {result.engine} engine, {seconds:.2f}s"
    )


def terminal_width() -> int:
    """The terminal's columns; `COLUMNS` wins (shutil reads it first), as in other CLI tools."""
    return max(40, shutil.get_terminal_size((FALLBACK_WIDTH, 24)).columns)


def _wrap(text: str, width: int, first: str = "", rest: str = INDENT) -> list[str]:
    # ids and values contain no spaces: with break_long_words off they are never split
    return textwrap.wrap(
        text, width, initial_indent=first, subsequent_indent=rest,
        break_long_words=False, break_on_hyphens=False,
    ) or [first.rstrip()]  # fmt: skip


def _result_lines(r: RuleResult, width: int, *, samples: bool) -> list[tuple[str, str]]:
    """(line, style of its first word) pairs for one result."""
    word, style = _status(r)
    column = f", column {r.rule.column}" if r.rule.column else ""
    head = f"{r.rule.id} [{r.rule.check}{column}]"
    lines = [(line, style) for line in _wrap(head, width, first=f"{word:<4}  ")]
    lines += [(line, "") for line in _wrap(statement(r), width, first=INDENT)]
    if samples and r.samples:
        shown = r.samples[:MAX_SAMPLES_SHOWN]
        more = len(r.samples) - len(shown)
        for row in shown:
            lines += [
                (line, "") for line in _wrap(sample_text(row), width, first=INDENT + "sample: ")
            ]
        if more > 0:
            lines.append((f"{INDENT}(and {more} more sample rows in --format json)", ""))
    return lines


def _pass_lines(r: RuleResult, width: int) -> list[tuple[str, str]]:
    first = _wrap(f"{r.rule.id}: {statement(r)}", width, first="pass  ")
    return [(line, "green" if i == 0 else "") for i, line in enumerate(first)]


def render(
    result: ValidationResult,
    *,
    color: bool = False,
    width: int | None = None,
    verbose: bool = False,
) -> str:
    width = width or terminal_width()
    buffer = io.StringIO()
    console = Console(
        file=buffer, force_terminal=color, no_color=not color, width=width, soft_wrap=True
    )
    ordered = sorted(result.results, key=_order)
    lines: list[tuple[str, str]] = []
    for r in ordered:
        if not r.passed:
            lines += _result_lines(r, width, samples=True)
    passed = [r for r in ordered if r.passed]
    if verbose:
        for r in passed:
            lines += _pass_lines(r, width)
    elif passed:
        hint = "" if not result.failures else "; --verbose lists them"
        lines += [
            (line, "green")
            for line in _wrap(f"pass  {len(passed)} other rule(s) passed{hint}", width)
        ]
    for line, style in lines:
        text = Text(line)
        if style:
            text.stylize(style, 0, 4)
        console.print(text, highlight=False, no_wrap=True, overflow="ignore", crop=False)
    if result.quarantine is not None:  # only when the contract has a quarantine policy
        from lockgate.quarantine.report import text_lines

        for line in text_lines(result):
            console.print(line, highlight=False)
    for line in _wrap(verdict_line(result), width, rest="  "):
        verdict = Text(line, style="bold green" if result.passed else "bold red")
        console.print(verdict, highlight=False, no_wrap=True, overflow="ignore", crop=False)
    return buffer.getvalue()
