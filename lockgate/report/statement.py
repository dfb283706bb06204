"""One sentence per rule result that says what the rule was and what was found:
`kwh <= 50: 349 of 2,448 rows break it (allowed: 0)`. The text report, JUnit and the Dagster
checks all show this sentence, so a reader never has to open the contract to learn the bound."""

from __future__ import annotations

from lockgate.contract.rules import RowMeasure
from lockgate.results.jsonable import json_safe
from lockgate.results.model import RuleResult


def statement(r: RuleResult) -> str:
    if r.error is not None:
        return f"{r.expected}: not measured: {r.error}"
    if isinstance(r.rule.measure, RowMeasure) and r.failed_rows is not None:
        return _rows_statement(r)
    return f"{r.expected}: observed {_show(r.observed)}"


def _rows_statement(r: RuleResult) -> str:
    from lockgate.contract.describe import describe_condition

    condition = describe_condition(r.rule)
    bound = r.rule.threshold.describe().replace(" rows", "").removeprefix("= ")
    n = r.failed_rows or 0
    total = f" of {r.total_rows:,}" if r.total_rows is not None else ""
    if n == 0:
        return (
            f"{condition}: none{total} rows break it" if total else f"{condition}: no rows break it"
        )
    noun = "row breaks" if n == 1 and not total else "rows break"
    return f"{condition}: {n:,}{total} {noun} it (allowed: {bound})"


def sample_text(row: dict) -> str:
    return ", ".join(f"{k}={json_safe(v)!r}" for k, v in row.items())


def _show(value) -> str:
    value = json_safe(value)
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)
