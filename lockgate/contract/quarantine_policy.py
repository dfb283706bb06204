"""The quarantine policy of one table, and the one definition of "a rule that quarantines rows".

A rule can quarantine rows when its measure is about single rows: the IR's `RowMeasure`s
(failing-row predicates, duplicate keys, orphan foreign keys). No second list is kept here.
"""

from __future__ import annotations

from dataclasses import dataclass

from lockgate.contract.findings import Location
from lockgate.contract.rules import DuplicateRows, RowMeasure, Rule


def can_quarantine(rule: Rule) -> bool:
    """Whether the rows a rule fails can be singled out (and so set aside)."""
    return isinstance(rule.measure, RowMeasure)


def default_rules(rules: list[Rule] | tuple[Rule, ...], table: str) -> tuple[str, ...]:
    """Without a `rules` list: every blocking (error-severity) single-row rule of the table."""
    return tuple(r.id for r in rules if r.table == table and r.blocking and can_quarantine(r))


@dataclass(frozen=True)
class QuarantinePolicy:
    table: str  # logical table name
    rule_ids: tuple[str, ...]  # the rules whose failing rows are quarantined, in contract order
    max_rate: float | None  # share of the table's rows (0..1)
    max_rows: int | None
    order_by: tuple[
        str, ...
    ] = ()  # physical columns: of duplicate rows, the first in this order stays
    location: Location | None = None

    def within(self, rows: int, total: int | None) -> bool:
        """The budget: both limits that are set must hold (an empty table is within any budget)."""
        if self.max_rows is not None and rows > self.max_rows:
            return False
        if self.max_rate is not None and rows > 0:
            return total is not None and total != 0 and rows / total <= self.max_rate
        return True


def duplicate_order(
    policy: QuarantinePolicy, rule: Rule, all_columns: tuple[str, ...]
) -> tuple[str, ...]:
    """The documented order in which, of rows sharing a key, the first one is kept: the policy's
    `orderBy` columns, then every other declared column in contract order (ascending, nulls last).
    The key columns themselves are equal within a group, so they are left out."""
    assert isinstance(rule.measure, DuplicateRows)
    key = set(rule.measure.columns)
    rest = [c for c in all_columns if c not in key and c not in policy.order_by]
    return tuple(c for c in (*policy.order_by, *rest) if c not in key)
