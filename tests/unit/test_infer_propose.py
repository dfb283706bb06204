"""The heuristics that turn a table profile into rules (`lockgate.infer.propose`)."""

from __future__ import annotations

import datetime as dt

import pytest

from lockgate.errors import UsageError
from lockgate.infer.profile import ColumnProfile, TableProfile
from lockgate.infer.propose import nice, primary_key, propose, shape_pattern
from lockgate.infer.sources import choose_source, file_source, postgres_url_source

NOW = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize(
    "value, down, expected",
    [
        (1046.3, False, 1100),
        (12.6, True, 12),
        (0.99, False, 0.99),
        (0.987, False, 0.99),
        (-12.6, True, -13),
        (0, True, 0),
        (879.6, False, 880),
    ],
)
def test_nice_rounds_outwards_to_two_significant_digits(value, down, expected):
    assert nice(value, down=down) == expected


@pytest.mark.parametrize(
    "shape, collapsed, pattern",
    [
        ("AA", False, "^[A-Z]{2}$"),
        ("A-99999", False, "^[A-Z]-[0-9]{5}$"),
        ("A9", True, "^[A-Z]+[0-9]+$"),
        ("99.9", False, r"^[0-9]{2}\.[0-9]$"),
        ("a9a", False, "^[a-z][0-9][a-z]$"),
    ],
)
def test_shape_pattern(shape, collapsed, pattern):
    assert shape_pattern(shape, collapsed=collapsed) == pattern


def col(name, kind="string", **kw):
    defaults = {"non_null": 10, "distinct": 10}
    return ColumnProfile(name, kind.upper(), kind, **{**defaults, **kw})


def test_primary_key_prefers_an_obvious_id():
    assert (
        primary_key(
            TableProfile(
                "orders", 10, [col("code"), col("order_id", "integer"), col("id", "integer")]
            )
        )
        == "id"
    )
    assert (
        primary_key(TableProfile("orders", 10, [col("code"), col("order_id", "integer")]))
        == "order_id"
    )
    assert (
        primary_key(TableProfile("orders", 10, [col("ref_id"), col("x")])) == "ref_id"
    )  # first column, ends in _id
    assert primary_key(TableProfile("orders", 10, [col("x"), col("ref_id")])) is None
    assert (
        primary_key(TableProfile("orders", 10, [col("order_id", "integer", distinct=9)])) is None
    )  # repeats
    assert (
        primary_key(
            TableProfile("orders", 10, [col("order_id", "integer", non_null=9, distinct=9)])
        )
        is None
    )  # nulls


def test_proposals_per_column():
    profile = TableProfile(
        "orders",
        10,
        [
            col("order_id", "integer", minimum=1, maximum=10),
            col("status", distinct=3, values=["new", "paid", "shipped"]),
            col("email", formats={"email": 10, "uuid": 0}),
            col(
                "country",
                distinct=10,
                shapes=1,
                shape="AA",
                run_shapes=1,
                run_shape="A",
                non_null=8,
            ),
            col("name", distinct=10, shapes=4, shape="Aaa", run_shapes=1, run_shape="Aa"),
            col("amount", "number", minimum=0.5, maximum=99.5, distinct=7),
            col("delta", "integer", minimum=-20, maximum=30, distinct=7),
            col("loaded_at", "timestamp", maximum=dt.datetime(2026, 1, 15, 6, 0)),
        ],
    )
    table, sla, notes = propose(profile, NOW)
    props = {p["name"]: p for p in table["properties"]}
    assert props["order_id"] == {
        "name": "order_id",
        "logicalType": "integer",
        "physicalType": "INTEGER",
        "primaryKey": True,
        "logicalTypeOptions": {"minimum": 0, "maximum": 11},
    }
    assert props["status"]["quality"] == [
        {
            "metric": "invalidValues",
            "arguments": {"validValues": ["new", "paid", "shipped"]},
            "mustBe": 0,
        }
    ]
    assert (
        props["email"]["logicalTypeOptions"] == {"format": "email"}
        and props["email"]["unique"] is True
    )
    assert (
        props["country"]["logicalTypeOptions"] == {"pattern": "^[A-Z]{2}$"}
        and "required" not in props["country"]
    )
    assert (
        "logicalTypeOptions" not in props["name"]
    )  # capitalised words of varying length: no pattern
    assert props["amount"]["logicalTypeOptions"] == {"minimum": 0, "maximum": 110}
    assert props["delta"]["logicalTypeOptions"] == {"minimum": -25, "maximum": 35}
    assert table["quality"] == [
        {
            "metric": "rowCount",
            "mustBeGreaterOrEqualTo": 5,
            "description": "10 rows when inferred; a load with under half of them is partial",
        }
    ]
    assert sla == [
        {
            "property": "freshness",
            "value": 24,
            "unit": "h",
            "element": "orders.loaded_at",
            "description": "twice the age of the newest row when inferred (6.0 h)",
        }
    ]
    assert notes == []


def test_stale_data_gets_no_freshness_rule_and_a_note():
    profile = TableProfile("t", 5, [col("ts", "timestamp", maximum=dt.datetime(2025, 1, 1))])
    _, sla, notes = propose(profile, NOW)
    assert sla == [] and notes == [
        "no freshness rule: the newest ts is 379 days old; add one once the table is loaded regularly"
    ]


def test_sources_write_the_matching_servers_entry():
    assert postgres_url_source("postgresql://db.internal:6543/shop?schema=sales").entry == {
        "server": "postgres",
        "type": "postgres",
        "host": "db.internal",
        "port": 6543,
        "database": "shop",
        "schema": "sales",
    }
    assert file_source("data/orders-*.parquet").entry == {
        "server": "local",
        "type": "local",
        "path": "data/orders-*.parquet",
        "format": "parquet",
    }
    with pytest.raises(UsageError, match="no user or password"):
        postgres_url_source("postgresql://me:secret@db/shop")
    with pytest.raises(UsageError, match="expected .parquet or .csv"):
        file_source("orders.json")
    with pytest.raises(UsageError, match="name one source"):
        choose_source(file="a.csv", server_url="postgresql://db/x")
    with pytest.raises(UsageError, match="--schema is the DuckDB schema"):
        choose_source(postgres_database="x", schema="s")
