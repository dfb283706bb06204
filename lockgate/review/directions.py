"""Is a changed rule stricter or more lenient than before? "tighter", "looser", "same" or "changed".

A threshold is read as the set of metric values it accepts (`mustBeLessOrEqualTo: 5` accepts
[0, 5] failing rows): the new threshold is tighter when its set is a strict subset of the old one,
looser when a strict superset, and "changed" when neither contains the other (e.g. rows -> percent).
The sets are intersected with what the metric can be (row counts are whole numbers >= 0,
percentages lie in [0, 100]) so that `mustBe: 0` and `mustBeLessThan: 1` rows count as the same.

A predicate is tighter when it fails more rows: a minimum raised, a maximum lowered, an allowed
value removed, a larger multipleOf factor that is a multiple of the old one. A changed regular
expression is "changed": whether one regex accepts a subset of another is not decidable here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, is_dataclass, replace
from fractions import Fraction
from typing import Any, Literal, cast

from lockgate.contract import rules as ir
from lockgate.contract.dispatch import KindTable
from lockgate.review.compare import own_definition

Direction = Literal["same", "tighter", "looser", "changed"]


def combine(*directions: Direction) -> Direction:
    moved = {d for d in directions if d != "same"}
    if not moved:
        return "same"
    if len(moved) == 1:
        return moved.pop()
    return "changed"


# --- thresholds -----------------------------------------------------------------------------------

INF = math.inf


@dataclass(frozen=True)
class Interval:
    low: float
    high: float
    low_closed: bool = True
    high_closed: bool = True

    def empty(self) -> bool:
        return self.low > self.high or (
            self.low == self.high and not (self.low_closed and self.high_closed)
        )

    def within(self, other: Interval) -> bool:
        low_ok = other.low < self.low or (
            other.low == self.low and (other.low_closed or not self.low_closed)
        )
        high_ok = self.high < other.high or (
            self.high == other.high and (other.high_closed or not self.high_closed)
        )
        return low_ok and high_ok

    def intersect(self, other: Interval) -> Interval:
        # at equal ends the open one wins: (x, open) sorts above (x, closed) for the lower end
        low, low_open = max((self.low, not self.low_closed), (other.low, not other.low_closed))
        high, high_closed = min((self.high, self.high_closed), (other.high, other.high_closed))
        return Interval(low, high, not low_open, high_closed)


def accepted(threshold: ir.Threshold) -> list[Interval] | None:
    """The metric values a threshold accepts, as disjoint intervals; None when not numeric."""
    op, value = threshold.operator, threshold.value
    if op in ("mustBeBetween", "mustNotBeBetween"):
        low, high = value
        if not (_number(low) and _number(high)):
            return None
        if op == "mustBeBetween":
            return [Interval(low, high)]
        return [Interval(-INF, low, True, False), Interval(high, INF, False, True)]
    if not _number(value):
        return None
    return {
        "mustBe": [Interval(value, value)],
        "mustNotBe": [Interval(-INF, value, True, False), Interval(value, INF, False, True)],
        "mustBeGreaterThan": [Interval(value, INF, False, True)],
        "mustBeGreaterOrEqualTo": [Interval(value, INF)],
        "mustBeLessThan": [Interval(-INF, value, True, False)],
        "mustBeLessOrEqualTo": [Interval(-INF, value)],
    }[op]


def metric_domain(measure: ir.Measure, unit: str) -> tuple[Interval, bool]:
    """The values the judged metric can take, and whether it is a whole number."""
    if unit == "percent":
        return Interval(0, 100), False
    if isinstance(measure, (ir.RowMeasure, ir.RowCount)):
        return Interval(0, INF), True
    return Interval(-INF, INF), False


def restrict(intervals: list[Interval], domain: Interval, whole: bool) -> list[Interval]:
    out = []
    for interval in intervals:
        part = interval.intersect(domain)
        if whole:
            part = _whole_numbers(part)
        if not part.empty():
            out.append(part)
    return out


def _whole_numbers(i: Interval) -> Interval:
    """The closed interval of the integers inside `i` (row counts are whole)."""
    low = (
        i.low
        if math.isinf(i.low)
        else (
            math.floor(i.low) + 1
            if (not i.low_closed and float(i.low).is_integer())
            else math.ceil(i.low)
        )
    )
    high = (
        i.high
        if math.isinf(i.high)
        else (
            math.ceil(i.high) - 1
            if (not i.high_closed and float(i.high).is_integer())
            else math.floor(i.high)
        )
    )
    return Interval(low, high)


def subset(a: list[Interval], b: list[Interval]) -> bool:
    """a ⊆ b. Each interval of `a` is connected and b's intervals are separated by gaps, so it must
    sit inside a single interval of `b`."""
    return all(any(x.within(y) for y in b) for x in a)


def threshold_direction(old: ir.Threshold, new: ir.Threshold, measure: ir.Measure) -> Direction:
    if old == new:
        return "same"
    if old.unit != new.unit:
        return "changed"
    a, b = accepted(old), accepted(new)
    if a is None or b is None:
        return "changed"
    domain, whole = metric_domain(measure, new.unit)
    a, b = restrict(a, domain, whole), restrict(b, domain, whole)
    return _set_direction(subset(b, a), subset(a, b))


def can_fail(threshold: ir.Threshold, measure: ir.Measure) -> bool:
    """False when every value the metric can take is accepted (the rule protects nothing)."""
    intervals = accepted(threshold)
    if intervals is None:
        return True
    domain, whole = metric_domain(measure, threshold.unit)
    full = restrict([domain], domain, whole)
    return not subset(full, restrict(intervals, domain, whole))


def _set_direction(new_in_old: bool, old_in_new: bool) -> Direction:
    if new_in_old and old_in_new:
        return "same"
    if new_in_old:
        return "tighter"
    if old_in_new:
        return "looser"
    return "changed"


# --- measures and predicates ----------------------------------------------------------------------


def measure_direction(
    old: ir.Measure, new: ir.Measure, renamed: Mapping[str, str] | None = None
) -> Direction:
    """Compare two measures of one rule. A renamed physical column is reported by the column
    classifiers, not as a change of every rule on it: predicates are compared without their
    column, key columns after applying `renamed` (old physical name -> new)."""
    if type(old) is not type(new):
        return "changed"
    return MEASURE_DIRECTIONS(old, new, renamed)


_MeasureDirection = Callable[[Any, Any, Mapping[str, str] | None], Direction]
MEASURE_DIRECTIONS: KindTable[_MeasureDirection] = KindTable(
    "review: direction of a changed measure", ir.Measure
)


@MEASURE_DIRECTIONS.register(ir.FailingRows)
def _(old: ir.FailingRows, new: ir.FailingRows, renamed: Mapping[str, str] | None) -> Direction:
    return predicate_direction(old.predicate, new.predicate)


@MEASURE_DIRECTIONS.register(ir.DuplicateRows)
def _(old: ir.DuplicateRows, new: ir.DuplicateRows, renamed: Mapping[str, str] | None) -> Direction:
    before = {(renamed or {}).get(c, c) for c in old.columns}
    # fewer key columns -> more rows count as repeats
    return _set_direction(set(new.columns) <= before, before <= set(new.columns))


@MEASURE_DIRECTIONS.register(ir.RowCount, ir.LatestValue)
def _(old: ir.Measure, new: ir.Measure, renamed: Mapping[str, str] | None) -> Direction:
    return "same"


@MEASURE_DIRECTIONS.register(ir.ColumnType)
def _(old: ir.ColumnType, new: ir.ColumnType, renamed: Mapping[str, str] | None) -> Direction:
    same = (old.logical_type, old.timezone) == (new.logical_type, new.timezone)
    return "same" if same else "changed"


@MEASURE_DIRECTIONS.register(ir.ExtraColumns)
def _(old: ir.ExtraColumns, new: ir.ExtraColumns, renamed: Mapping[str, str] | None) -> Direction:
    return "same"  # the declared set follows the columns, which the column classifiers report


@MEASURE_DIRECTIONS.register(ir.Orphans)
def _(old: ir.Orphans, new: ir.Orphans, renamed: Mapping[str, str] | None) -> Direction:
    same = (old.ref_table, old.ref_columns) == (new.ref_table, new.ref_columns)
    return "same" if same else "changed"


@MEASURE_DIRECTIONS.register(ir.SqlValue)
def _(old: ir.SqlValue, new: ir.SqlValue, renamed: Mapping[str, str] | None) -> Direction:
    return "same" if old.query == new.query else "changed"


@MEASURE_DIRECTIONS.register(ir.StatefulMeasure, ir.CrossServerMeasure)
def _(old: ir.Measure, new: ir.Measure, renamed: Mapping[str, str] | None) -> Direction:
    # measures this module has no ordering for (the detectors, reconcile): compared on their own
    # definition, with a renamed physical column mapped to its new name
    same = _renamed_fields(own_definition(old), renamed) == own_definition(new)
    return "same" if same else "changed"


def _renamed_fields(measure: ir.Measure, renamed: Mapping[str, str] | None) -> ir.Measure:
    # every concrete measure is a dataclass; the check tells the type checker `replace` applies
    if not renamed or not is_dataclass(measure):
        return measure
    changes: dict[str, Any] = {}
    for name in ("column", "key"):
        value = getattr(measure, name, None)
        if isinstance(value, str):
            changes[name] = renamed.get(value, value)
        elif isinstance(value, tuple):
            changes[name] = tuple(renamed.get(c, c) for c in value)
    return replace(cast(Any, measure), **changes) if changes else measure


def predicate_direction(old: ir.Predicate, new: ir.Predicate) -> Direction:
    if type(old) is not type(new):
        return "changed"
    return PREDICATE_DIRECTIONS(old, new)


PREDICATE_DIRECTIONS: KindTable[Callable[[Any, Any], Direction]] = KindTable(
    "review: direction of a changed row predicate", ir.Predicate
)


@PREDICATE_DIRECTIONS.register(ir.IsNull)
def _(old: ir.IsNull, new: ir.IsNull) -> Direction:
    return "same"


@PREDICATE_DIRECTIONS.register(ir.OutOfRange)
def _(old: ir.OutOfRange, new: ir.OutOfRange) -> Direction:
    return combine(
        _bound_direction(
            old.minimum, old.exclusive_minimum, new.minimum, new.exclusive_minimum, lower=True
        ),
        _bound_direction(
            old.maximum, old.exclusive_maximum, new.maximum, new.exclusive_maximum, lower=False
        ),
    )


@PREDICATE_DIRECTIONS.register(ir.LengthOutOfRange)
def _(old: ir.LengthOutOfRange, new: ir.LengthOutOfRange) -> Direction:
    return combine(
        _bound_direction(old.minimum, False, new.minimum, False, lower=True),
        _bound_direction(old.maximum, False, new.maximum, False, lower=False),
    )


@PREDICATE_DIRECTIONS.register(ir.LagAbove)
def _(old: ir.LagAbove, new: ir.LagAbove) -> Direction:
    return _bound_direction(old.seconds, False, new.seconds, False, lower=False)


@PREDICATE_DIRECTIONS.register(ir.NotInSet)
def _(old: ir.NotInSet, new: ir.NotInSet) -> Direction:
    # the allowed set shrinking fails more values
    return _set_direction(set(new.values) <= set(old.values), set(old.values) <= set(new.values))


@PREDICATE_DIRECTIONS.register(ir.IsMissing)
def _(old: ir.IsMissing, new: ir.IsMissing) -> Direction:
    # more placeholder values counted as missing fails more rows
    return _set_direction(set(old.values) <= set(new.values), set(new.values) <= set(old.values))


@PREDICATE_DIRECTIONS.register(ir.NotMatching)
def _(old: ir.NotMatching, new: ir.NotMatching) -> Direction:
    return "same" if old.pattern == new.pattern else "changed"


@PREDICATE_DIRECTIONS.register(ir.NotMultipleOf)
def _(old: ir.NotMultipleOf, new: ir.NotMultipleOf) -> Direction:
    return _factor_direction(old.factor, new.factor)


@PREDICATE_DIRECTIONS.register(ir.AnyOf)
def _(old: ir.AnyOf, new: ir.AnyOf) -> Direction:
    if len(old.predicates) != len(new.predicates):
        return "changed"
    return combine(*(predicate_direction(a, b) for a, b in zip(old.predicates, new.predicates)))


def _bound_direction(
    old: Any, old_exclusive: bool, new: Any, new_exclusive: bool, *, lower: bool
) -> Direction:
    """A lower bound raised (or an upper bound lowered) lets fewer values through: tighter."""
    if old is None and new is None:
        return "same"
    if old is None:
        return "tighter"
    if new is None:
        return "looser"
    try:
        if old == new:
            if old_exclusive == new_exclusive:
                return "same"
            return "tighter" if new_exclusive else "looser"
        raised = new > old
    except TypeError:
        return "changed"
    return "tighter" if raised == lower else "looser"


def _factor_direction(old: float, new: float) -> Direction:
    """Multiples of 0.05 are all multiples of 0.01: a factor that is a whole multiple of the old
    one accepts a subset (tighter); one that divides it accepts a superset (looser)."""
    a, b = Fraction(str(old)), Fraction(str(new))
    if a == b:
        return "same"
    if (b / a).denominator == 1:
        return "tighter"
    if (a / b).denominator == 1:
        return "looser"
    return "changed"


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
