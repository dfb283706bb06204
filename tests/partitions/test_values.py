"""Partition values are parsed by the partition column's logicalType, or refused with its name."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
import pytest

from lockgate.contract.model import Column, Table
from lockgate.engines.partitions import TableSelection, parse_value
from lockgate.errors import UsageError


def _column(kind: str) -> Column:
    return Column("p", "p", kind, None, False, False, False, -1, {}, (), partitioned=True)


TABLE = Table("t", "t", (), ())


@pytest.mark.parametrize(
    ("kind", "raw", "value"),
    [
        ("date", "2026-11-19", dt.date(2026, 11, 19)),
        ("date", dt.date(2026, 11, 19), dt.date(2026, 11, 19)),
        ("timestamp", "2026-11-19T05:00:00Z", dt.datetime(2026, 11, 19, 5, tzinfo=dt.UTC)),
        ("timestamp", "2026-11-19 05:00", dt.datetime(2026, 11, 19, 5)),
        ("integer", "+42", 42),
        ("integer", -3, -3),
        ("string", "eu' OR '1'='1", "eu' OR '1'='1"),
    ],
)
def test_values_parse_by_logical_type(kind, raw, value):
    assert parse_value(_column(kind), raw, TABLE) == value


@pytest.mark.parametrize(
    ("kind", "raw", "hint"),
    [
        ("date", "19/11/2026", "YYYY-MM-DD"),
        ("timestamp", "tomorrow", "ISO 8601"),
        ("integer", "1.5", "a whole number"),
        ("integer", True, "a whole number"),
        ("string", 7, "text"),
    ],
)
def test_values_that_do_not_parse_name_the_column_and_the_form(kind, raw, hint):
    with pytest.raises(UsageError, match=f"partition column t.p \\({kind}\\): expected {hint}"):
        parse_value(_column(kind), raw, TABLE)


def test_an_offset_becomes_utc_for_a_column_without_a_time_zone():
    """The same instant selects the same rows in SQL and in pandas."""
    stamp = dt.datetime(2026, 11, 19, 7, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    selection = TableSelection("t", (("p", (stamp,)),))
    t = ibis.table({"p": "timestamp"}, name="t")
    sql = ibis.to_sql(t.filter(selection.predicate(t)), dialect="duckdb")
    assert "MAKE_TIMESTAMP(2026, 11, 19, 5, 0, 0.0)" in sql  # a typed literal, in UTC
    df = pd.DataFrame({"p": pd.to_datetime(["2026-11-19 05:00:00", "2026-11-19 07:00:00"])})
    assert selection.mask(df).tolist() == [True, False]


def test_a_label_names_one_set_of_partitions():
    """The history store keys a partition's loads by its label: the same set asked in another
    order shares it, and values with the label's separators do not collide with other sets."""
    day = dt.date
    one = TableSelection("t", (("day", (day(2026, 11, 19), day(2026, 11, 18))),))
    other_order = TableSelection("t", (("day", (day(2026, 11, 18), day(2026, 11, 19))),))
    assert one.label == other_order.label == "day=2026-11-18|2026-11-19"
    labels = {
        TableSelection("t", (("region", ("eu|us",)),)).label,
        TableSelection("t", (("region", ("eu", "us")),)).label,
        TableSelection("t", (("region", ("eu,x=us",)),)).label,
        TableSelection("t", (("region", ("eu",)), ("x", ("us",)))).label,
        TableSelection("t", (("region", ("eu]",)),)).label,
        TableSelection("t", (("region", ("eu%5D",)),)).label,
    }
    assert len(labels) == 6
    assert TableSelection("t", (("region", ("eu|us",)),)).label == "region=eu%7Cus"
    assert TableSelection("t", (("n", (10, 9)),)).label == "n=9|10"
