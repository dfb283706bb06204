"""HTML for Jupyter: a ValidationResult or a ContractViolation shown as a readable table.

Failing rules come first with what was observed, what was expected (the bounds) and sample rows;
passing rules fold away. Every value is escaped: contract strings (rule ids, descriptions,
column names) and the data's own values are untrusted and must not become markup or script.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any, Protocol

from lockgate.contract.describe import describe_bounds
from lockgate.contract.rules import Rule
from lockgate.results.jsonable import json_safe


class RuleResultView(Protocol):
    """What the page shows of one rule result (lockgate.results.model.RuleResult, which renders
    itself through this module: a protocol keeps the two from importing each other)."""

    # read-only: a frozen dataclass satisfies it
    @property
    def rule(self) -> Rule: ...

    @property
    def passed(self) -> bool: ...

    @property
    def observed(self) -> Any: ...

    @property
    def expected(self) -> str: ...

    @property
    def failed_rows(self) -> int | None: ...

    @property
    def total_rows(self) -> int | None: ...

    @property
    def samples(self) -> Sequence[dict[str, Any]]: ...

    @property
    def error(self) -> str | None: ...

    @property
    def blocking_failure(self) -> bool: ...


class ResultView(Protocol):
    """What the page shows of a validation (lockgate.results.model.ValidationResult)."""

    @property
    def contract_id(self) -> str: ...

    @property
    def contract_version(self) -> str: ...

    @property
    def server(self) -> str | None: ...

    @property
    def engine(self) -> str: ...

    @property
    def passed(self) -> bool: ...

    @property
    def results(self) -> Sequence[RuleResultView]: ...


class ViolationView(Protocol):
    """What the page shows of one violation (lockgate.guard.violation.Violation, a layer up)."""

    # read-only: a frozen dataclass satisfies it
    @property
    def contract_id(self) -> str: ...

    @property
    def version(self) -> str: ...

    @property
    def table(self) -> str: ...

    @property
    def reason(self) -> str: ...

    @property
    def rule(self) -> str | None: ...

    @property
    def column(self) -> str | None: ...

    @property
    def observed(self) -> Any: ...

    @property
    def expected(self) -> str | None: ...

    @property
    def failed_rows(self) -> int | None: ...

    @property
    def sample_keys(self) -> list[dict[str, Any]]: ...


class RefusalView(Protocol):
    """What the page shows of a refusal (lockgate.guard.violation.ContractViolation)."""

    stage: str

    @property
    def violations(self) -> Sequence[ViolationView]: ...


MAX_SAMPLES = 3
_STYLE = "border-collapse:collapse;font-family:monospace;font-size:12px"
_CELL = "border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top"
_COLORS = {"FAIL": "#b00020", "WARN": "#9a6700", "pass": "#1a7f37"}


def result_html(result: ResultView) -> str:
    failing = [r for r in result.results if not r.passed]
    failing.sort(key=lambda r: (not r.blocking_failure, r.rule.id))  # blocking failures first
    passing = [r for r in result.results if r.passed]
    errors = sum(r.blocking_failure for r in failing)
    verdict = "PASSED" if result.passed else "FAILED"
    where = f" on server {result.server}" if result.server else ""
    head = (
        f"{verdict}: contract {result.contract_id} {result.contract_version}{where}, "
        f"{len(result.results)} rules, {errors} failed, {len(failing) - errors} warning(s), "
        f"{result.engine} engine"
    )
    parts = [_verdict(head, result.passed)]
    header = (
        "status",
        "rule",
        "table",
        "column",
        "check",
        "bounds",
        "observed",
        "expected",
        "failed rows",
        "samples",
    )
    if failing:
        parts.append(_table(header, (_rule_row(r) for r in failing)))
    if passing:
        summary = escape(f"{len(passing)} passing rule(s)")
        parts.append(
            f"<details><summary>{summary}</summary>"
            f"{_table(header, (_rule_row(r) for r in passing))}</details>"
        )
    return "<div class='lockgate-result'>" + "".join(parts) + "</div>"


def violation_html(error: RefusalView) -> str:
    head = f"{error.stage} refused: {len(error.violations)} contract violation(s) upstream"
    header = (
        "contract",
        "table",
        "reason",
        "rule",
        "column",
        "observed",
        "expected",
        "failed rows",
        "sample keys",
    )
    rows = (
        (
            f"{v.contract_id} {v.version}", v.table, v.reason, v.rule or "", v.column or "",
            _value(v.observed) if v.rule else "", v.expected or "",
            "" if v.failed_rows is None else f"{v.failed_rows:,}", _samples(v.sample_keys),
        )
        for v in error.violations
    )  # fmt: skip
    return (
        "<div class='lockgate-violation'>" + _verdict(head, False) + _table(header, rows) + "</div>"
    )


def _rule_row(r: RuleResultView) -> tuple[str, ...]:
    status = "FAIL" if r.blocking_failure else ("WARN" if not r.passed else "pass")
    observed = r.error if r.error else _value(r.observed)
    rows = "" if r.failed_rows is None else f"{r.failed_rows:,}"
    if rows and r.total_rows:
        rows += f" of {r.total_rows:,}"
    bounds = describe_bounds(r.rule)
    return (
        status,
        r.rule.id,
        r.rule.table,
        r.rule.column or "",
        r.rule.check,
        bounds,
        observed,
        r.expected,
        rows,
        _samples(r.samples),
    )


def _verdict(text: str, passed: bool) -> str:
    color = _COLORS["pass" if passed else "FAIL"]
    return f"<p style='font-weight:bold;color:{color}'>{escape(text)}</p>"


def _table(header: Iterable[str], rows: Iterable[tuple[str, ...]]) -> str:
    head = "".join(f"<th style='{_CELL}'>{escape(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            color = _COLORS.get(cell) if i == 0 else None
            style = _CELL + (f";color:{color};font-weight:bold" if color else "")
            # a cell is plain text, newlines kept: escape it, then break lines
            cells.append(f"<td style='{style}'>{escape(str(cell)).replace(chr(10), '<br>')}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f"<table style='{_STYLE}'><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _samples(samples: Iterable[dict[str, Any]]) -> str:
    shown = list(samples)[:MAX_SAMPLES]
    return "\n".join(", ".join(f"{k}={_value(v)}" for k, v in row.items()) for row in shown)


def _value(value: Any) -> str:
    safe = json_safe(value)
    return "null" if safe is None else str(safe)
