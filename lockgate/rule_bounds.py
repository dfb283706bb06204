"""What a row-level rule allows, in words ("5 <= mean_area <= 3000", "in [0, 1]"): the bounds
shown next to a failure in a notebook or a pytest report, where the judged count alone ("= 0
rows") does not say what the rows broke."""

from __future__ import annotations

from lockgate.contract.rules import (
    AnyOf,
    FailingRows,
    IsMissing,
    IsNull,
    LagAbove,
    LengthOutOfRange,
    NotInSet,
    NotMatching,
    NotMultipleOf,
    OutOfRange,
    Rule,
)


def describe_bounds(rule: Rule) -> str:
    """The condition every row must meet, or "" for rules that are not about rows."""
    measure = rule.measure
    return _allowed(measure.predicate) if isinstance(measure, FailingRows) else ""


def _allowed(p) -> str:
    if isinstance(p, IsNull):
        return f"{p.column} not null"
    if isinstance(p, IsMissing):
        return f"{p.column} not null nor one of {list(p.values)}"
    if isinstance(p, NotInSet):
        return f"{p.column} in {list(p.values)}"
    if isinstance(p, NotMatching):
        return f"{p.column} matches {p.pattern}"
    if isinstance(p, OutOfRange):
        low = (
            f"{p.minimum} {'<' if p.exclusive_minimum else '<='} " if p.minimum is not None else ""
        )
        high = (
            f" {'<' if p.exclusive_maximum else '<='} {p.maximum}" if p.maximum is not None else ""
        )
        return f"{low}{p.column}{high}"
    if isinstance(p, LengthOutOfRange):
        return f"{p.minimum or 0} <= length({p.column})" + (
            f" <= {p.maximum}" if p.maximum is not None else ""
        )
    if isinstance(p, NotMultipleOf):
        return f"{p.column} a multiple of {p.factor}"
    if isinstance(p, LagAbove):
        return f"{p.end} - {p.start} <= {p.seconds:g}s"
    if isinstance(p, AnyOf):
        return " and ".join(_allowed(sub) for sub in p.predicates)
    return ""
