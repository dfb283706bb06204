"""Exact GX forms of lockgate thresholds.

lockgate's judge compares an integer (failing rows, duplicate rows, the row count) or a percentage
rounded to 6 decimals (`judge._percent`) with an ODCS operator. GX offers an interval of counts
(`expect_table_row_count_to_be_between`), all-or-nothing map expectations, and `mostly`, a minimum
share of passing rows. Turning an operator into the *set of integers it accepts* tells an exact
translation from an approximate one; the exporter refuses the approximate ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from lockgate.contract.rules import Threshold

#: a percentage rounded to 6 decimals is an integer number of micro-percents in 0..10**8
MICRO_PERCENT = 10**6
ALL_MICRO_PERCENT = 100 * MICRO_PERCENT


@dataclass(frozen=True)
class Counts:
    """The accepted integers low..high; high None means unbounded."""

    low: int
    high: int | None

    @property
    def empty(self) -> bool:
        return self.high is not None and self.low > self.high

    @property
    def only_zero(self) -> bool:
        return self.low == 0 and self.high == 0


def accepted_counts(
    threshold: Threshold, *, scale: int = 1, maximum: int | None = None
) -> Counts | None:
    """The integers k in 0..maximum for which the judge accepts the metric k / scale.

    None when they do not form one interval (`mustNotBe: 5`, most `mustNotBeBetween`), since every
    GX form takes a single interval. `scale=MICRO_PERCENT, maximum=ALL_MICRO_PERCENT` reads a
    percent threshold on lockgate's 6-decimal grid.
    """
    op, value = threshold.operator, threshold.value
    parts: list[tuple[int, int | None]]  # closed intervals of k; None: no upper end
    if op in ("mustBeBetween", "mustNotBeBetween"):
        low, high = (_scaled(v, scale) for v in value)
        if low is None or high is None:
            return None
        parts = (
            [(_ceil(low), _floor(high))]
            if op == "mustBeBetween"
            else [(0, _ceil(low) - 1), (_floor(high) + 1, None)]
        )
    else:
        target = _scaled(value, scale)
        if target is None:
            return None
        if op in ("mustBe", "mustNotBe"):
            exact = _integral(target)
            if op == "mustBe":
                parts = [(exact, exact)] if exact is not None else []
            else:
                parts = [(0, None)] if exact is None else [(0, exact - 1), (exact + 1, None)]
        else:
            one_sided: dict[str, list[tuple[int, int | None]]] = {
                "mustBeGreaterThan": [(_floor(target) + 1, None)],
                "mustBeGreaterOrEqualTo": [(_ceil(target), None)],
                "mustBeLessThan": [(0, _ceil(target) - 1)],
                "mustBeLessOrEqualTo": [(0, _floor(target))],
            }
            parts = one_sided[op]
    clipped: list[tuple[int, int | None]] = []
    for start, end in parts:
        start = max(start, 0)
        if maximum is not None:
            end = maximum if end is None else min(end, maximum)
        if end is None or start <= end:
            clipped.append((start, None if end == maximum and maximum is not None else end))
    if not clipped:
        return Counts(1, 0)
    if len(clipped) > 1:
        return None
    return Counts(*clipped[0])


def mostly_for_null_share(accepted: Counts) -> float:
    """GX `mostly` for a not-null expectation whose share of nulls may reach `accepted.high`
    micro-percents.

    lockgate accepts k = round(10**8 * nulls / rows) <= high, i.e. nulls / rows < (high + 0.5) /
    10**8; GX accepts (rows - nulls) / rows >= mostly. Putting the boundary half a grid step above
    `high`
    reproduces lockgate's rounding; the two differ only when a share lands exactly on that tie.
    """
    if accepted.high is None:
        return 0.0
    share = (Decimal(accepted.high) + Decimal("0.5")) / Decimal(ALL_MICRO_PERCENT)
    return float(max(Decimal(0), Decimal(1) - share))


def _scaled(value: Any, scale: int) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return Decimal(str(value)) * scale


def _floor(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def _ceil(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_CEILING))


def _integral(value: Decimal) -> int | None:
    """The integer the judge's `mustBe` (math.isclose, rel 1e-9) would take as equal, if any."""
    nearest = int(value.to_integral_value())
    return nearest if math.isclose(nearest, float(value), rel_tol=1e-9, abs_tol=1e-12) else None
