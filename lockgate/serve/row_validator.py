"""A model's feature contract compiled for single records: the rules a request must pass.

The frame engine answers "how many rows of this DataFrame fail each rule" with pandera; building a
DataFrame and a pandera schema per request costs milliseconds. This module compiles the same Rule
IR predicates into plain Python closures over one record (a dict), with the pandas twin's
semantics (`lockgate.engines.frame.predicates`): a null never fails a predicate unless the
predicate is about nulls; a pattern is searched, not fully matched; dates and timestamps compare as
timestamps. A parity test holds the two to the same failing rule ids per record.

Which rules a request must pass: row rules (`FailingRows`) on the columns the model reads, with
zero tolerance. Rules with a budget ("at most 5 % nulls") are properties of a batch, not of one
record: one request with a null is not a violation, so they are watched by monitoring instead.
Table rules (unique, rowCount, freshness, drift, history) never apply to a request. Each feature
also gets a type check from its `logicalType`, because JSON carries types a DataFrame would
coerce silently (a number sent as text).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lockgate.contract import rules as ir
from lockgate.contract.describe import describe_predicate
from lockgate.contract.dispatch import KindTable
from lockgate.contract.model import Contract
from lockgate.judge.thresholds import compare

Record = Mapping[str, Any]
Fails = Callable[[Record], bool]


@dataclass(frozen=True)
class Violation:
    """One record failing one rule: what the 422 answer lists."""

    record: int
    rule: str
    column: str
    observed: Any
    expected: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "record": self.record,
            "rule": self.rule,
            "column": self.column,
            "observed": self.observed,
            "expected": self.expected,
        }


@dataclass(frozen=True)
class CompiledRule:
    id: str
    columns: tuple[str, ...]
    expected: str
    fails: Fails


# --- predicates --------------------------------------------------------------------------------


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _same(a: Any, b: Any) -> bool:
    """Set membership as pandas `isin` decides it for JSON values: numbers compare by value, text
    by text, and a boolean equals only a boolean (not 1 or 0)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return a == b


def _in(value: Any, values: tuple[Any, ...]) -> bool:
    return any(_same(value, v) for v in values)


def _timestamp(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        ts = value
    elif isinstance(value, dt.date):
        ts = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            ts = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    # compared as UTC-naive, as the frame engine compares a naive column with an aware bound
    return ts.astimezone(dt.UTC).replace(tzinfo=None) if ts.tzinfo else ts


def _comparable(value: Any, bound: Any) -> tuple[Any, Any] | None:
    if isinstance(bound, (dt.date, dt.datetime)):
        left, right = _timestamp(value), _timestamp(bound)
        return None if left is None or right is None else (left, right)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value, bound


def compile_predicate(p: ir.Predicate) -> Fails:
    """A function that is True when the record fails the predicate."""
    return RECORD_PREDICATES(p)


RECORD_PREDICATES: KindTable[Callable[[Any], Fails]] = KindTable(
    "serve: row predicate as a check of one record", ir.Predicate
)


@RECORD_PREDICATES.register(ir.IsNull)
def _(p: ir.IsNull) -> Fails:
    col = p.column
    return lambda r: _missing(r.get(col))


@RECORD_PREDICATES.register(ir.IsMissing)
def _(p: ir.IsMissing) -> Fails:
    col, values = p.column, tuple(p.values)
    return lambda r: _missing(r.get(col)) or _in(r.get(col), values)


@RECORD_PREDICATES.register(ir.NotInSet)
def _(p: ir.NotInSet) -> Fails:
    col, values = p.column, tuple(p.values)
    return lambda r: not _missing(r.get(col)) and not _in(r.get(col), values)


@RECORD_PREDICATES.register(ir.NotMatching)
def _(p: ir.NotMatching) -> Fails:
    col, pattern = p.column, re.compile(p.pattern)
    return lambda r: not _missing(r.get(col)) and pattern.search(_text(r.get(col))) is None


@RECORD_PREDICATES.register(ir.LengthOutOfRange)
def _(p: ir.LengthOutOfRange) -> Fails:
    col, low, high = p.column, p.minimum, p.maximum

    def length_fails(r: Record) -> bool:
        value = r.get(col)
        if _missing(value):
            return False
        n = len(_text(value))
        return (low is not None and n < low) or (high is not None and n > high)

    return length_fails


@RECORD_PREDICATES.register(ir.NotMultipleOf)
def _(p: ir.NotMultipleOf) -> Fails:
    col, factor = p.column, p.factor

    def multiple_fails(r: Record) -> bool:
        value = r.get(col)
        if _missing(value) or isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        ratio = float(value) / factor
        return abs(ratio - round(ratio)) > 1e-9

    return multiple_fails


@RECORD_PREDICATES.register(ir.LagAbove)
def _(p: ir.LagAbove) -> Fails:
    start, end, seconds = p.start, p.end, p.seconds

    def lag_fails(r: Record) -> bool:
        a, b = _timestamp(r.get(start)), _timestamp(r.get(end))
        return a is not None and b is not None and (b - a).total_seconds() > seconds

    return lag_fails


@RECORD_PREDICATES.register(ir.AnyOf)
def _(p: ir.AnyOf) -> Fails:
    parts = tuple(compile_predicate(sub) for sub in p.predicates)
    return lambda r: any(f(r) for f in parts)


@RECORD_PREDICATES.register(ir.OutOfRange)
def _out_of_range(p: ir.OutOfRange) -> Fails:
    col = p.column
    low, high, xlow, xhigh = p.minimum, p.maximum, p.exclusive_minimum, p.exclusive_maximum

    def fails(r: Record) -> bool:
        value = r.get(col)
        if _missing(value):
            return False
        if low is not None:
            pair = _comparable(value, low)
            if pair is not None and (pair[0] <= pair[1] if xlow else pair[0] < pair[1]):
                return True
        if high is not None:
            pair = _comparable(value, high)
            if pair is not None and (pair[0] >= pair[1] if xhigh else pair[0] > pair[1]):
                return True
        return False

    return fails


def _text(value: Any) -> str:
    """Text as pandas `astype(str)` writes it (True -> 'True', 1.0 -> '1.0')."""
    return value if isinstance(value, str) else str(value)


# --- types ---------------------------------------------------------------------------------------

_TYPE_NAMES = {
    "integer": "an integer",
    "number": "a number",
    "string": "text",
    "boolean": "true or false",
    "date": "an ISO date",
    "timestamp": "an ISO timestamp",
}


def _type_ok(logical_type: str) -> Callable[[Any], bool] | None:
    if logical_type == "integer":
        return lambda v: (
            not isinstance(v, bool)
            and (isinstance(v, int) or (isinstance(v, float) and v.is_integer()))
        )
    if logical_type == "number":
        return lambda v: (
            not isinstance(v, bool) and isinstance(v, (int, float)) and math.isfinite(v)
        )
    if logical_type == "string":
        return lambda v: isinstance(v, str)
    if logical_type == "boolean":
        return lambda v: isinstance(v, bool)
    if logical_type in ("date", "timestamp"):
        return lambda v: isinstance(v, str) and _timestamp(v) is not None
    return None  # other logical types (object, array, time) are not checked per record


# --- the validator --------------------------------------------------------------------------------


def is_record_rule(rule: ir.Rule, columns: set[str]) -> bool:
    """A row rule on the given columns only, that one failing record breaks by itself."""
    if not isinstance(rule.measure, ir.FailingRows):
        return False
    if not set(rule.measure.referenced_columns) <= columns:
        return False
    # zero tolerance: no failing row passes, one failing row (of any batch size) fails
    unit = rule.threshold.unit
    tiny = 1 if unit == "rows" else 1e-9
    return compare(0, rule.threshold) and not compare(tiny, rule.threshold)


class RowValidator:
    """The record rules of one table of a contract, restricted to `columns` (the model's
    features). `validate(records)` returns every violation (record index, rule, column, observed,
    expected); an empty list means every record may be scored."""

    def __init__(
        self,
        contract: Contract,
        table: str,
        columns: Iterable[str],
        *,
        zero_tolerance_only: bool = True,
    ):
        found = contract.table(table)
        if found is None:
            raise ValueError(f"contract {contract.id} has no table {table!r}")
        self.columns = tuple(columns)
        wanted = set(self.columns)
        self.rules: list[CompiledRule] = []
        for rule in contract.rules_for(found.name):
            if not isinstance(rule.measure, ir.FailingRows):
                continue
            keep = (
                is_record_rule(rule, wanted)
                if zero_tolerance_only
                else set(rule.measure.referenced_columns) <= wanted
            )
            if keep:
                p = rule.measure.predicate
                self.rules.append(
                    CompiledRule(
                        rule.id,
                        p.referenced_columns,
                        describe_predicate(p),
                        compile_predicate(p),
                    )
                )
        self.types: dict[str, tuple[str, str, Callable[[Any], bool]]] = {}
        for column in found.columns:
            if column.physical_name in wanted and column.logical_type:
                ok = _type_ok(column.logical_type)
                if ok is not None:
                    rule_id = f"{found.name}.{column.name}.logicalType"
                    self.types[column.physical_name] = (
                        rule_id,
                        _TYPE_NAMES[column.logical_type],
                        ok,
                    )

    @property
    def rule_ids(self) -> list[str]:
        return [r.id for r in self.rules]

    def failing_rules(self, record: Record) -> list[str]:
        """The ids of the row rules this record fails (types not included): the parity surface."""
        return [r.id for r in self.rules if r.fails(record)]

    def validate(self, records: Sequence[Record]) -> list[Violation]:
        out: list[Violation] = []
        for index, record in enumerate(records):
            mistyped = set()
            for column, (rule_id, expected, ok) in self.types.items():
                value = record.get(column)
                if not _missing(value) and not ok(value):
                    mistyped.add(column)
                    out.append(Violation(index, rule_id, column, value, expected))
            for rule in self.rules:
                # a mistyped value has already been reported; comparing it would say nothing more
                if mistyped.intersection(rule.columns):
                    continue
                if rule.fails(record):
                    column = rule.columns[0]
                    out.append(Violation(index, rule.id, column, record.get(column), rule.expected))
        return out
