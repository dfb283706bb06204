"""What a row-level rule allows, in words ("5 <= mean_area <= 3000", "in [0, 1]"): the bounds
shown next to a failure in a notebook or a pytest report, where the judged count alone ("= 0
rows") does not say what the rows broke."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lockgate.contract import rules as ir
from lockgate.contract.dispatch import KindTable


def describe_bounds(rule: ir.Rule) -> str:
    """The condition every row must meet, or "" for rules that are not about rows."""
    measure = rule.measure
    return _allowed(measure.predicate) if isinstance(measure, ir.FailingRows) else ""


def _allowed(p: ir.Predicate) -> str:
    return ALLOWED(p)


ALLOWED: KindTable[Callable[[Any], str]] = KindTable(
    "report: what a row predicate allows, in words", ir.Predicate
)


@ALLOWED.register(ir.IsNull)
def _(p: ir.IsNull) -> str:
    return f"{p.column} not null"


@ALLOWED.register(ir.IsMissing)
def _(p: ir.IsMissing) -> str:
    return f"{p.column} not null nor one of {list(p.values)}"


@ALLOWED.register(ir.NotInSet)
def _(p: ir.NotInSet) -> str:
    return f"{p.column} in {list(p.values)}"


@ALLOWED.register(ir.NotMatching)
def _(p: ir.NotMatching) -> str:
    return f"{p.column} matches {p.pattern}"


@ALLOWED.register(ir.OutOfRange)
def _(p: ir.OutOfRange) -> str:
    low = f"{p.minimum} {'<' if p.exclusive_minimum else '<='} " if p.minimum is not None else ""
    high = f" {'<' if p.exclusive_maximum else '<='} {p.maximum}" if p.maximum is not None else ""
    return f"{low}{p.column}{high}"


@ALLOWED.register(ir.LengthOutOfRange)
def _(p: ir.LengthOutOfRange) -> str:
    high = f" <= {p.maximum}" if p.maximum is not None else ""
    return f"{p.minimum or 0} <= length({p.column})" + high


@ALLOWED.register(ir.NotMultipleOf)
def _(p: ir.NotMultipleOf) -> str:
    return f"{p.column} a multiple of {p.factor}"


@ALLOWED.register(ir.LagAbove)
def _(p: ir.LagAbove) -> str:
    return f"{p.end} - {p.start} <= {p.seconds:g}s"


@ALLOWED.register(ir.AnyOf)
def _(p: ir.AnyOf) -> str:
    return " and ".join(_allowed(sub) for sub in p.predicates)
