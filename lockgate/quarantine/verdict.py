"""The budget decision for one table, and the rule results it rewrites.

Within budget every quarantining rule passes, with `failed_rows` = the rows it quarantined and an
`observed` text that says so; over budget the rule results stay as the judge gave them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from lockgate.contract.quarantine_policy import QuarantinePolicy
from lockgate.results.model import RuleResult


@dataclass
class TableQuarantine:
    """What the quarantine did to one table (the JSON report's `quarantine[]` entry)."""

    policy: QuarantinePolicy
    rows: int  # distinct quarantined rows
    total: int | None  # rows in the table
    by_rule: dict[str, int] = field(default_factory=dict)  # rule id -> rows it quarantined
    passed: bool = True  # within budget
    location: str | None = None  # where the rows were stored (no credentials), if anywhere
    error: str | None = None  # why the rows could not be singled out
    load: str | None = None  # the data state the rows belong to
    valid: Any = None  # the frame engine's valid DataFrame (validate_frames(..., quarantine=True))
    quarantined: Any = None  # ... and its quarantined rows, with their rule ids

    @property
    def table(self) -> str:
        return self.policy.table

    @property
    def rate(self) -> float:
        return self.rows / self.total if self.total else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON shape (do not add keys: consumers rely on it)."""
        return {
            "schema": self.table,
            "rows": self.rows,
            "rate": self.rate,
            "maxRate": self.policy.max_rate,
            "maxRows": self.policy.max_rows,
            "passed": self.passed,
            "location": self.location,
        }


def decide(
    policy: QuarantinePolicy, rows: int, total: int | None, by_rule: dict[str, int]
) -> TableQuarantine:
    return TableQuarantine(policy, rows, total, dict(by_rule), passed=policy.within(rows, total))


def rewrite(results: list[RuleResult], outcome: TableQuarantine) -> list[RuleResult]:
    """Within budget, the quarantining rules' results as passed-with-quarantined-rows."""
    if not outcome.passed or outcome.error:
        return results
    out = []
    for result in results:
        held = outcome.by_rule.get(result.rule.id)
        if held is None or result.error is not None:
            out.append(result)
            continue
        observed = f"{held} rows quarantined" if held else result.observed
        if held and result.passed:  # a tolerated failure: the rows are set aside all the same
            observed = f"{result.observed}; {held} rows quarantined"
        out.append(replace(result, passed=True, observed=observed, failed_rows=held))
    return out
