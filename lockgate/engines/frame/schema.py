"""Compile a table's row-level rules into a pandera DataFrameSchema (one check per rule part).

Rules that are one number for the whole table (row count, freshness, types, SQL, relationships,
extra columns) are not pandera checks: `aggregates.py` measures them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandera.pandas as pa

from lockgate.contract import rules as ir
from lockgate.contract.dispatch import KindTable
from lockgate.engines.frame import checks  # noqa: F401  (registers the check methods)


def is_row_level(rule: ir.Rule) -> bool:
    """Rules pandera counts the failing rows of (the rest are measured in `aggregates.py`)."""
    return isinstance(rule.measure, (ir.FailingRows, ir.DuplicateRows))


def table_schema(name: str, rules: list[ir.Rule]) -> pa.DataFrameSchema:
    column_checks: dict[str, list[pa.Check]] = {}
    frame_checks: list[pa.Check] = []
    for rule in rules:
        if isinstance(rule.measure, ir.DuplicateRows):
            frame_checks.append(
                pa.Check.lockgate_unique_key(
                    rule=rule.id, columns=list(rule.measure.columns), error=rule.id, ignore_na=False
                )
            )
        elif isinstance(rule.measure, ir.FailingRows):
            for column, check in _predicate_checks(rule.id, rule.measure.predicate):
                if column is None:
                    frame_checks.append(check)
                else:
                    column_checks.setdefault(column, []).append(check)
    columns = {
        c: pa.Column(checks=cs, nullable=True, required=False) for c, cs in column_checks.items()
    }
    return pa.DataFrameSchema(columns, checks=frame_checks, name=name)


_Checks = list[tuple[str | None, pa.Check]]


def _predicate_checks(rule_id: str, p: ir.Predicate) -> _Checks:
    """(column or None for frame-level, pandera check) for each part of a predicate."""
    common = {"rule": rule_id, "error": rule_id, "ignore_na": False}
    found: _Checks = PANDERA_CHECKS(p, rule_id, common)
    return found


PANDERA_CHECKS: KindTable[Callable[[Any, str, dict[str, Any]], _Checks]] = KindTable(
    "frame: row predicate as pandera checks", ir.Predicate
)


@PANDERA_CHECKS.register(ir.AnyOf)
def _(p: ir.AnyOf, rule_id: str, common: dict[str, Any]) -> _Checks:
    return [check for sub in p.predicates for check in _predicate_checks(rule_id, sub)]


@PANDERA_CHECKS.register(ir.IsNull)
def _(p: ir.IsNull, rule_id: str, common: dict[str, Any]) -> _Checks:
    return [(p.column, pa.Check.lockgate_not_null(**common))]


@PANDERA_CHECKS.register(ir.IsMissing)
def _(p: ir.IsMissing, rule_id: str, common: dict[str, Any]) -> _Checks:
    return [(p.column, pa.Check.lockgate_not_missing(values=list(p.values), **common))]


@PANDERA_CHECKS.register(ir.NotInSet)
def _(p: ir.NotInSet, rule_id: str, common: dict[str, Any]) -> _Checks:
    return [(p.column, pa.Check.lockgate_in_set(values=list(p.values), **common))]


@PANDERA_CHECKS.register(ir.NotMatching)
def _(p: ir.NotMatching, rule_id: str, common: dict[str, Any]) -> _Checks:
    return [(p.column, pa.Check.lockgate_matches(pattern=p.pattern, **common))]


@PANDERA_CHECKS.register(ir.OutOfRange)
def _(p: ir.OutOfRange, rule_id: str, common: dict[str, Any]) -> _Checks:
    check = pa.Check.lockgate_in_range(
        minimum=_plain(p.minimum),
        maximum=_plain(p.maximum),
        exclusive_minimum=p.exclusive_minimum,
        exclusive_maximum=p.exclusive_maximum,
        **common,
    )
    return [(p.column, check)]


@PANDERA_CHECKS.register(ir.LengthOutOfRange)
def _(p: ir.LengthOutOfRange, rule_id: str, common: dict[str, Any]) -> _Checks:
    check = pa.Check.lockgate_length_in_range(minimum=p.minimum, maximum=p.maximum, **common)
    return [(p.column, check)]


@PANDERA_CHECKS.register(ir.NotMultipleOf)
def _(p: ir.NotMultipleOf, rule_id: str, common: dict[str, Any]) -> _Checks:
    return [(p.column, pa.Check.lockgate_multiple_of(factor=p.factor, **common))]


@PANDERA_CHECKS.register(ir.LagAbove)
def _(p: ir.LagAbove, rule_id: str, common: dict[str, Any]) -> _Checks:
    check = pa.Check.lockgate_lag_within(start=p.start, end=p.end, seconds=p.seconds, **common)
    return [(None, check)]


def _plain(bound: Any) -> Any:
    return bound.isoformat() if isinstance(bound, (dt.date, dt.datetime)) else bound
