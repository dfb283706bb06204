"""A rule's threshold as the lines and allowed band of its chart, and the number a run
measured for it (None when the rule's observed value is not a number: types, detectors)."""

from __future__ import annotations

from typing import Any

from lockgate.contract import rules as ir
from lockgate.report.html.data import RulePoint
from lockgate.report.html.svg import Bound

#: measures whose observed value is the number the threshold applies to
NUMERIC = (ir.RowMeasure, ir.RowCount, ir.SqlValue)

_SIDES = {
    "mustBe": "at", "mustNotBe": "not at",
    "mustBeGreaterThan": "above", "mustBeGreaterOrEqualTo": "above",
    "mustBeLessThan": "below", "mustBeLessOrEqualTo": "below",
}  # fmt: skip


def metric_value(point: RulePoint) -> float | None:
    value: Any = point.observed
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def bounds(rule: ir.Rule | None) -> list[Bound]:
    if rule is None or not isinstance(rule.measure, NUMERIC):
        return []
    t = rule.threshold
    what = "failing rows" if isinstance(rule.measure, ir.RowMeasure) else "value"
    unit = "%" if t.unit == "percent" else ""
    symbol = ir.OPERATORS[t.operator]
    if t.operator in ("mustBeBetween", "mustNotBeBetween"):
        low, high = (float(v) for v in t.value)
        inside = t.operator == "mustBeBetween"
        return [
            Bound(
                low,
                "above" if inside else "not at",
                f"{what} {'>=' if inside else '<'} {low:g}{unit}",
            ),
            Bound(
                high,
                "below" if inside else "not at",
                f"{what} {'<=' if inside else '>'} {high:g}{unit}",
            ),
        ]
    try:
        value = float(t.value)
    except (TypeError, ValueError):
        return []
    return [Bound(value, _SIDES[t.operator], f"allowed: {what} {symbol} {value:g}{unit}")]
