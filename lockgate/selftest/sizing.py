"""How many rows a generated table needs, and how many rows must break a rule to fail it.

Both questions are answered by the judge itself (a rule is asked whether k failing rows out of n
pass), so budgets in rows or percent, and row-count floors and ceilings, are read exactly as
`lockgate check` reads them.
"""

from __future__ import annotations

import datetime as dt

from lockgate.contract import rules as ir
from lockgate.judge.verdicts import judge
from lockgate.results.model import Measurement
from lockgate.review.directions import accepted

DEFAULT_ROWS = 20
MAX_ROWS = 10_000
_SIZES = (20, 30, 50, 100, 200, 500, 1000, 2000, 5000, MAX_ROWS)


def passes(rule: ir.Rule, measurement: Measurement, now: dt.datetime) -> bool:
    return judge(rule, measurement, now).passed


def rows_to_fail(rule: ir.Rule, total: int, now: dt.datetime) -> int | None:
    """The fewest failing rows (at most total - 1, keeping one row intact) that fail the rule."""
    for k in range(1, total):
        if not passes(rule, Measurement(failed_rows=k, total_rows=total), now):
            return k
    return None


def clean_passes(rule: ir.Rule, total: int, now: dt.datetime) -> bool:
    return passes(rule, Measurement(failed_rows=0, total_rows=total), now)


def row_count_passes(rule: ir.Rule, n: int, now: dt.datetime) -> bool:
    return passes(rule, Measurement(value=n, total_rows=n), now)


def table_rows(rules: list[ir.Rule], now: dt.datetime) -> int:
    """The smallest size that every rowCount rule of the table accepts and at which every row rule
    can be failed by changing some rows."""
    counts = [r for r in rules if isinstance(r.measure, ir.RowCount)]
    row_rules = [r for r in rules if isinstance(r.measure, ir.RowMeasure)]
    sizes = sorted(set(_SIZES) | set(_edges(counts)))
    allowed = [
        n
        for n in sizes
        if DEFAULT_ROWS <= n <= MAX_ROWS and all(row_count_passes(r, n, now) for r in counts)
    ]
    if not allowed:
        allowed = [
            n
            for n in sizes
            if 1 <= n <= MAX_ROWS and all(row_count_passes(r, n, now) for r in counts)
        ] or [DEFAULT_ROWS]
    for n in allowed:
        if all(rows_to_fail(r, n, now) is not None for r in row_rules):
            return n
    return allowed[0]


def row_counts_to_try(rules: list[ir.Rule], current: int) -> list[int]:
    """Row counts near the edges of the table's rowCount thresholds, nearest to `current` first."""
    counts = {0, 1, current - 1, current + 1} | set(_edges(rules))
    return sorted((n for n in counts if 0 <= n <= MAX_ROWS), key=lambda n: (abs(n - current), n))


def _edges(rules: list[ir.Rule]) -> list[int]:
    edges = []
    for rule in rules:
        for interval in accepted(rule.threshold) or []:
            for end in (interval.low, interval.high):
                if end not in (float("inf"), float("-inf")):
                    edges += [int(end) - 1, int(end), int(end) + 1]
    return edges
