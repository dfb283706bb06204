"""Compile a table's row-level rules into a pandera DataFrameSchema (one check per rule part).

Rules that are one number for the whole table (row count, freshness, types, SQL, relationships,
extra columns) are not pandera checks: `aggregates.py` measures them.
"""

from __future__ import annotations

import datetime as dt

import pandera.pandas as pa

from lockgate.contract import rules as ir
from lockgate.engines.frame import checks  # noqa: F401  (registers the check methods)

ROW_LEVEL = (ir.FailingRows, ir.DuplicateRows)


def is_row_level(rule: ir.Rule) -> bool:
    return isinstance(rule.measure, ROW_LEVEL)


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


def _predicate_checks(rule_id: str, p: ir.Predicate):
    """(column or None for frame-level, pandera check) for each part of a predicate."""
    common = {"rule": rule_id, "error": rule_id, "ignore_na": False}
    if isinstance(p, ir.AnyOf):
        for sub in p.predicates:
            yield from _predicate_checks(rule_id, sub)
    elif isinstance(p, ir.IsNull):
        yield p.column, pa.Check.lockgate_not_null(**common)
    elif isinstance(p, ir.IsMissing):
        yield p.column, pa.Check.lockgate_not_missing(values=list(p.values), **common)
    elif isinstance(p, ir.NotInSet):
        yield p.column, pa.Check.lockgate_in_set(values=list(p.values), **common)
    elif isinstance(p, ir.NotMatching):
        yield p.column, pa.Check.lockgate_matches(pattern=p.pattern, **common)
    elif isinstance(p, ir.OutOfRange):
        yield (
            p.column,
            pa.Check.lockgate_in_range(
                minimum=_plain(p.minimum),
                maximum=_plain(p.maximum),
                exclusive_minimum=p.exclusive_minimum,
                exclusive_maximum=p.exclusive_maximum,
                **common,
            ),
        )
    elif isinstance(p, ir.LengthOutOfRange):
        yield (
            p.column,
            pa.Check.lockgate_length_in_range(minimum=p.minimum, maximum=p.maximum, **common),
        )
    elif isinstance(p, ir.NotMultipleOf):
        yield p.column, pa.Check.lockgate_multiple_of(factor=p.factor, **common)
    elif isinstance(p, ir.LagAbove):
        yield (
            None,
            pa.Check.lockgate_lag_within(start=p.start, end=p.end, seconds=p.seconds, **common),
        )
    else:
        raise TypeError(f"no pandera check for {type(p).__name__}")


def _plain(bound):
    return bound.isoformat() if isinstance(bound, (dt.date, dt.datetime)) else bound
