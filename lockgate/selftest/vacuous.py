"""Rules that can never fail, whatever the data: a contract that protects nothing is a defect.

Two ways a rule protects nothing:
- its threshold accepts every value the metric can take (`mustBeLessOrEqualTo: 100` with
  `unit: percent`, a `rowCount` that `mustBeGreaterOrEqualTo: 0`);
- its predicate cannot be true for any value the column can hold: a range wider than the column's
  type (`minimum: -1e30` on an `i32` integer, `maximum` beyond `numeric(5,2)`), a `maxLength` at
  least the `varchar(n)` length, `multipleOf: 1` on integers, a pattern that matches every string.
The column's type comes from `physicalType` and, for rules other than the format rule itself,
from `logicalTypeOptions.format` (whose own rule keeps values inside it).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from lockgate.contract import rules as ir
from lockgate.contract.compile.properties import INTEGER_FORMATS
from lockgate.contract.dispatch import KindTable
from lockgate.contract.model import Column, Contract
from lockgate.review.directions import can_fail
from lockgate.selftest.regex import matches_everything

_INTEGER_TYPES = {
    "tinyint": "i8",
    "int1": "i8",
    "smallint": "i16",
    "int2": "i16",
    "integer": "i32",
    "int": "i32",
    "int4": "i32",
    "serial": "i32",
    "bigint": "i64",
    "int8": "i64",
    "bigserial": "i64",
    "long": "i64",
    "utinyint": "u8",
    "usmallint": "u16",
    "uinteger": "u32",
    "ubigint": "u64",
}
_DECIMAL = re.compile(r"^(?:numeric|decimal)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)$")
_SIZED_TEXT = re.compile(
    r"^(?:varchar|character varying|char|character|nvarchar|nchar|string)\s*\(\s*(\d+)\s*\)$"
)


def never_fails(contract: Contract, rule: ir.Rule) -> str | None:
    """Why `rule` can never fail, or None when some data would fail it."""
    if not can_fail(rule.threshold, rule.measure):
        return f"{rule.threshold.describe()} accepts every possible value of the metric"
    if isinstance(rule.measure, ir.FailingRows) and rule.column is not None:
        table = contract.table(rule.table)
        column = table.column(rule.column) if table else None
        reason = _impossible(rule.measure.predicate, column, rule.check) if column else None
        if reason and _accepts_zero(rule):
            return reason
    return None


def _accepts_zero(rule: ir.Rule) -> bool:
    from lockgate.judge.thresholds import compare

    return compare(0, rule.threshold)


def _impossible(p: ir.Predicate, column: Column, check: str) -> str | None:
    """Why no value of the column's type makes `p` true, or None."""
    return IMPOSSIBLE(p, column, check)


IMPOSSIBLE: KindTable[Callable[[Any, Column, str], str | None]] = KindTable(
    "selftest: why a row predicate can never be true", ir.Predicate
)


@IMPOSSIBLE.register(ir.IsNull, ir.IsMissing, ir.LagAbove)
def _(p: ir.Predicate, column: Column, check: str) -> str | None:
    return None  # every column can hold a null; no column type bounds a lag between two columns


@IMPOSSIBLE.register(ir.AnyOf)
def _(p: ir.AnyOf, column: Column, check: str) -> str | None:
    reasons = [_impossible(sub, column, check) for sub in p.predicates]
    return "; ".join(r for r in reasons if r) if all(reasons) else None


@IMPOSSIBLE.register(ir.OutOfRange)
def _(p: ir.OutOfRange, column: Column, check: str) -> str | None:
    return _range_impossible(p, column, check)


@IMPOSSIBLE.register(ir.LengthOutOfRange)
def _(p: ir.LengthOutOfRange, column: Column, check: str) -> str | None:
    limit = text_length(column.physical_type)
    low_ok = p.minimum is None or p.minimum <= 0
    high_ok = p.maximum is None or (limit is not None and p.maximum >= limit)
    if low_ok and high_ok and (p.minimum is not None or p.maximum is not None):
        if p.maximum is not None:
            return (
                f"maxLength {p.maximum} is at least the length of {column.physical_type}: "
                "no value is longer"
            )
        return f"minLength {p.minimum} is met by every string, even the empty one"
    return None


@IMPOSSIBLE.register(ir.NotMultipleOf)
def _(p: ir.NotMultipleOf, column: Column, check: str) -> str | None:
    if column.logical_type == "integer":
        inverse = 1 / p.factor
        if abs(inverse - round(inverse)) < 1e-9:
            return f"every integer is a multiple of {p.factor}"
    return None


@IMPOSSIBLE.register(ir.NotMatching)
def _(p: ir.NotMatching, column: Column, check: str) -> str | None:
    return f"pattern {p.pattern!r} matches every string" if matches_everything(p.pattern) else None


@IMPOSSIBLE.register(ir.NotInSet)
def _(p: ir.NotInSet, column: Column, check: str) -> str | None:
    if column.logical_type == "boolean" and {True, False} <= set(p.values):
        return "true and false are both allowed"
    return None


def _range_impossible(p: ir.OutOfRange, column: Column, check: str) -> str | None:
    domain: tuple[float, float, str] | None = integer_domain(column, use_format=check != "format")
    if domain is None:
        domain = decimal_domain(column.physical_type)
    if domain is None or not all(
        isinstance(b, (int, float)) for b in (p.minimum, p.maximum) if b is not None
    ):
        return None
    low, high, what = domain
    low_can_fail = p.minimum is not None and (
        low <= p.minimum if p.exclusive_minimum else low < p.minimum
    )
    high_can_fail = p.maximum is not None and (
        high >= p.maximum if p.exclusive_maximum else high > p.maximum
    )
    if low_can_fail or high_can_fail:
        return None
    if p.minimum is not None and p.maximum is not None:
        said = f"bounds {_number(p.minimum)} and {_number(p.maximum)} are"
    elif p.minimum is not None:
        said = f"{'exclusiveMinimum' if p.exclusive_minimum else 'minimum'} {_number(p.minimum)} is"
    else:
        said = f"{'exclusiveMaximum' if p.exclusive_maximum else 'maximum'} {_number(p.maximum)} is"
    return (
        f"{said} outside {what} ({_number(low)} to {_number(high)}): no value it allows breaks it"
    )


def _number(value: float) -> str:
    return (
        f"{value:,}"
        if isinstance(value, int) or float(value).is_integer() and abs(value) < 1e15
        else f"{value:g}"
    )


def integer_domain(column: Column, *, use_format: bool) -> tuple[int, int, str] | None:
    """The tightest range an integer column's declared types allow."""
    found = []
    kind = _INTEGER_TYPES.get((column.physical_type or "").strip().lower())
    if kind:
        found.append((*INTEGER_FORMATS[kind], f"physicalType {column.physical_type}"))
    fmt = column.options.get("format")
    if use_format and column.logical_type == "integer" and fmt in INTEGER_FORMATS:
        found.append((*INTEGER_FORMATS[fmt], f"format {fmt}"))
    return min(found, key=lambda d: d[1] - d[0]) if found else None


def decimal_domain(physical_type: str | None) -> tuple[float, float, str] | None:
    match = _DECIMAL.match((physical_type or "").strip().lower())
    if not match:
        return None
    precision, scale = int(match.group(1)), int(match.group(2) or 0)
    largest = 10 ** (precision - scale) - 10 ** (-scale)
    return -largest, largest, f"physicalType {physical_type}"


def text_length(physical_type: str | None) -> int | None:
    match = _SIZED_TEXT.match((physical_type or "").strip().lower())
    return int(match.group(1)) if match else None
