"""One lockgate rule -> the GX 1.x expectations whose AND gives the rule's verdict on a pandas
frame.

A rule is translated only when GX reaches lockgate's verdict on every frame (see docs/gx.md for the
GX behaviours this relies on). Otherwise `NotExported` says why, and the suite lists the rule
instead of carrying an expectation that would pass or fail on different data.

GX facts relied on (great_expectations 1.24, pandas engine):
- every map expectation except not-null drops null rows first, like lockgate's predicates;
- `expect_column_values_to_match_regex` runs `astype(str).str.contains` (a search, not a match)
  and value lengths use `astype(str).str.len()`, both exactly what lockgate runs;
- `mostly` is a share of the non-null rows, except for not-null where it is a share of all rows,
  which is lockgate's denominator: so only null shares can carry a percent budget.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from lockgate.contract import rules as ir
from lockgate.contract.dispatch import KindTable, Unsupported
from lockgate.contract.model import Table
from lockgate.gx.budgets import (
    ALL_MICRO_PERCENT,
    MICRO_PERCENT,
    accepted_counts,
    mostly_for_null_share,
)

TEMPORAL_TYPES = ("date", "timestamp")


class NotExported(Exception):
    """The rule has no GX form with lockgate's verdict; the message is the reason."""


@dataclass(frozen=True)
class Expectation:
    type: str
    kwargs: dict[str, Any] = field(default_factory=dict)


def expectations_for(rule: ir.Rule, table: Table) -> list[Expectation]:
    """The expectations for `rule` (all must pass), or NotExported."""
    try:
        translate = MEASURES.handler(type(rule.measure))
    except Unsupported as exc:
        raise NotExported(str(exc)) from None
    return translate(rule, table)


# --- measures -------------------------------------------------------------------------------------


def _failing_rows(rule: ir.Rule, table: Table) -> list[Expectation]:
    predicate = ir.measure_as(rule, ir.FailingRows).predicate
    threshold = rule.threshold
    if threshold.unit == "percent":
        share = accepted_counts(threshold, scale=MICRO_PERCENT, maximum=ALL_MICRO_PERCENT)
        if _only_nulls(predicate):
            if share is None or share.empty or share.low != 0:
                raise NotExported(
                    f"the share of nulls must be {threshold.describe()}: GX can bound it "
                    "from above only "
                    "(`mostly` of not-null; "
                    "expect_column_proportion_of_non_null_values_to_be_between "
                    "reads an empty table as 0 % non-null where lockgate reads 0 % null)"
                )
            return [
                Expectation(
                    "expect_column_values_to_not_be_null",
                    {"column": predicate.column, "mostly": mostly_for_null_share(share)},
                )
            ]
        if not (share and share.only_zero):
            raise NotExported(
                _budget_reason(
                    predicate,
                    f"{threshold.describe()} of all rows",
                    "GX's `mostly` for this expectation is a share of the non-null rows",
                )
            )
    else:
        counts = accepted_counts(threshold)
        if not (counts and counts.only_zero):
            raise NotExported(
                _budget_reason(
                    predicate,
                    threshold.describe(),
                    "GX's map expectations accept no failing row or a `mostly` share of "
                    "rows, never a number of rows",
                )
            )
    return [e for atom in _atoms(predicate) for e in _predicate(atom, table)]


def _duplicate_rows(rule: ir.Rule, table: Table) -> list[Expectation]:
    threshold = rule.threshold
    if threshold.unit == "percent":
        accepted = accepted_counts(threshold, scale=MICRO_PERCENT, maximum=ALL_MICRO_PERCENT)
    else:
        accepted = accepted_counts(threshold)
    if not (accepted and accepted.only_zero):
        raise NotExported(
            f"a budget of {threshold.describe()} repeated keys: GX's uniqueness "
            "expectations count every row "
            "of a repeated key (lockgate counts the repeats beyond the first) and `mostly` "
            "is a share of non-null rows"
        )
    columns = list(ir.measure_as(rule, ir.DuplicateRows).columns)
    if len(columns) == 1:
        return [Expectation("expect_column_values_to_be_unique", {"column": columns[0]})]
    # lockgate ignores keys with any null part; GX's default ("never") would compare them too
    return [
        Expectation(
            "expect_compound_columns_to_be_unique",
            {"column_list": columns, "ignore_row_if": "any_value_is_missing"},
        )
    ]


def _row_count(rule: ir.Rule, table: Table) -> list[Expectation]:
    counts = accepted_counts(rule.threshold)
    if counts is None:
        raise NotExported(
            f"row count {rule.threshold.describe()} accepts two separate ranges; "
            "expect_table_row_count_to_be_between takes one"
        )
    if counts.empty:
        raise NotExported(f"no row count is {rule.threshold.describe()}")
    kwargs: dict[str, Any] = {"min_value": counts.low}
    if counts.high is not None:
        kwargs["max_value"] = counts.high
    return [Expectation("expect_table_row_count_to_be_between", kwargs)]


MEASURES: KindTable[Callable[[ir.Rule, Table], list[Expectation]]] = KindTable(
    "GX: expectations for a measure",
    ir.Measure,
    unsupported={
        ir.StatefulMeasure: (
            "judged against earlier runs or a reference profile; a GX suite holds no history"
        ),
        ir.LatestValue: (
            "freshness is judged against the time of the check; a suite can only hold a fixed "
            "timestamp"
        ),
        ir.SqlValue: (
            "GX runs SQL only against SQL data sources (UnexpectedRowsExpectation), not on a "
            "pandas frame"
        ),
        ir.Orphans: (
            "a GX expectation sees one table; a relationship needs the referenced table as well"
        ),
        ir.Reconcile: (
            "reconcile compares two servers (a table against its source); a GX suite sees one"
        ),
        ir.ExtraColumns: (
            "expect_table_columns_to_match_set fails on missing contract columns too "
            "(exact_match) or does not fail on extra ones; lockgate fails on extra columns only"
        ),
        ir.ColumnType: (
            "lockgate reads a pandas column's kind from its values (object columns by their "
            "first value, midnight-only datetimes as date or timestamp, time zones); GX's type "
            "lists compare dtype names"
        ),
    },
)
MEASURES.register(ir.FailingRows)(_failing_rows)
MEASURES.register(ir.DuplicateRows)(_duplicate_rows)
MEASURES.register(ir.RowCount)(_row_count)


# --- predicates (zero tolerance: every atom must hold on every non-null row) ----------------------


def _not_null(p: ir.IsNull, table: Table) -> list[Expectation]:
    return [Expectation("expect_column_values_to_not_be_null", {"column": p.column})]


def _not_missing(p: ir.IsMissing, table: Table) -> list[Expectation]:
    out = [Expectation("expect_column_values_to_not_be_null", {"column": p.column})]
    if p.values:
        _require_text_column(p.column, table, "placeholder values")
        out.append(
            Expectation(
                "expect_column_values_to_not_be_in_set",
                {"column": p.column, "value_set": _json_values(p.values)},
            )
        )
    return out


def _in_set(p: ir.NotInSet, table: Table) -> list[Expectation]:
    _require_text_column(p.column, table, "a set of valid values")
    return [
        Expectation(
            "expect_column_values_to_be_in_set",
            {"column": p.column, "value_set": _json_values(p.values)},
        )
    ]


def _matching(p: ir.NotMatching, table: Table) -> list[Expectation]:
    _require_text_column(p.column, table, "a pattern")
    return [
        Expectation("expect_column_values_to_match_regex", {"column": p.column, "regex": p.pattern})
    ]


def _in_range(p: ir.OutOfRange, table: Table) -> list[Expectation]:
    kwargs: dict[str, Any] = {"column": p.column}
    for side, value, strict in (
        ("min", p.minimum, p.exclusive_minimum),
        ("max", p.maximum, p.exclusive_maximum),
    ):
        if value is None:
            continue
        kwargs[f"{side}_value"] = _bound(value, p.column)
        if strict:
            kwargs[f"strict_{side}"] = True
    return [Expectation("expect_column_values_to_be_between", kwargs)]


def _length_in_range(p: ir.LengthOutOfRange, table: Table) -> list[Expectation]:
    _require_text_column(p.column, table, "a length bound")
    kwargs: dict[str, Any] = {"column": p.column}
    if p.minimum is not None:
        kwargs["min_value"] = p.minimum
    if p.maximum is not None:
        kwargs["max_value"] = p.maximum
    return [Expectation("expect_column_value_lengths_to_be_between", kwargs)]


PREDICATES: KindTable[Callable[[Any, Table], list[Expectation]]] = KindTable(
    "GX: expectations for a row predicate (zero tolerance)",
    ir.Predicate,
    unsupported={
        ir.NotMultipleOf: "GX has no multiple-of expectation",
        ir.LagAbove: "GX has no expectation on the time between two columns of a row",
        ir.AnyOf: "never looked up: `_atoms` splits it into its parts, each an expectation",
    },
)
PREDICATES.register(ir.IsNull)(_not_null)
PREDICATES.register(ir.IsMissing)(_not_missing)
PREDICATES.register(ir.NotInSet)(_in_set)
PREDICATES.register(ir.NotMatching)(_matching)
PREDICATES.register(ir.OutOfRange)(_in_range)
PREDICATES.register(ir.LengthOutOfRange)(_length_in_range)


def _predicate(p: ir.Predicate, table: Table) -> list[Expectation]:
    try:
        return PREDICATES(p, table)
    except Unsupported as exc:
        raise NotExported(str(exc)) from None


def _atoms(p: ir.Predicate) -> list[ir.Predicate]:
    """A row fails AnyOf(a, b) when it fails a or b, so "no failing row" is the AND of the parts."""
    if isinstance(p, ir.AnyOf):
        return [atom for sub in p.predicates for atom in _atoms(sub)]
    return [p]


def _only_nulls(p: ir.Predicate) -> TypeGuard[ir.IsNull | ir.IsMissing]:
    return isinstance(p, ir.IsNull) or (isinstance(p, ir.IsMissing) and not p.values)


# --- values ---------------------------------------------------------------------------------------


def temporal_columns(table: Table) -> list[str]:
    """Physical names of the columns declared date or timestamp (see `lockgate.gx.frames`)."""
    return [c.physical_name for c in table.columns if c.logical_type in TEMPORAL_TYPES]


def _require_text_column(column: str, table: Table, what: str) -> None:
    # frames.prepare turns date/timestamp columns into naive-UTC datetimes so that bounds compare
    # like lockgate's; the text (and set membership) of those prepared values is no longer the
    # original's.
    if column in temporal_columns(table):
        raise NotExported(
            f"{what} on a date/timestamp column: GX would see the values after lockgate's "
            "datetime normalisation, not as stored"
        )


def _json_values(values: tuple) -> list:
    for v in values:
        if not isinstance(v, (str, int, float, bool)):
            raise NotExported(
                f"value {v!r} ({type(v).__name__}) does not survive JSON as the same value"
            )
    return list(values)


def _bound(value: Any, column: str) -> Any:
    """Numbers as they are; dates and timestamps as full naive-UTC ISO timestamps.

    GX parses ISO bounds into datetimes, and only compares them with naive datetimes (a date-only
    bound or an aware one against a naive column raises), hence `frames.prepare`.
    """
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time()).isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    raise NotExported(
        f"bound {value!r} on '{column}': GX's pandas engine compares only numbers and "
        "datetimes with a JSON bound"
    )


def _budget_reason(predicate: ir.Predicate, budget: str, why: str) -> str:
    parts = _atoms(predicate)
    if isinstance(predicate, ir.IsMissing) and predicate.values:
        parts = [ir.IsNull(predicate.column), predicate]
    if len(parts) > 1:
        # nulls and placeholders (or invalid and mismatching values) share one budget in lockgate
        return (
            f"a budget of {budget} shared by {len(parts)} conditions: GX gives each "
            "expectation its own budget"
        )
    return f"a budget of {budget}: {why}"
