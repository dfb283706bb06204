"""Parity of the stateful rules: the SQL engine on DuckDB and on PostgreSQL and the frame engine
compute the same table profile (fingerprints aside: each server hashes its own way) and reach the
same verdicts over a sequence of loads; the reference profile is the same whether it is computed
in SQL or from DataFrames."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

import lockgate
from lockgate.profile.drift import CategoricalSummary
from lockgate.state.reference_build import reference_from_frames, reference_from_server
from lockgate.state.store import open_store
from lockgate.state.store.postgres import PostgresHistoryStore
from tests.support.files import duckdb_with, write_contract
from tests.support.postgres import PG, pg_load_frame

NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)

CONTRACT = """
apiVersion: v3.1.0
kind: DataContract
id: items
version: 1.0.0
status: active
servers:
  - server: duck
    type: duckdb
    database: "{duck}"
  - server: pg
    type: postgres
    host: {host}
    port: {port}
    database: {db}
    schema: "{schema}"
schema:
  - name: items
    properties:
      - name: item_id
        logicalType: string
        primaryKey: true
      - name: price
        logicalType: number
        quality:
          - {{type: custom, engine: lockgate, implementation: {{check: changeRate, buckets: 64,
              minChanged: 5}}}}
          - {{type: custom, engine: lockgate, implementation: {{check: anomaly, metric: nullRate,
              minHistory: 1}}}}
          - {{type: custom, engine: lockgate, implementation: {{check: anomaly, metric: mean,
              minHistory: 1}}}}
{price_drift}
      - name: qty
        logicalType: integer
      - name: category
        logicalType: string
        quality:
          - {{type: custom, engine: lockgate, implementation: {{check: constant,
              maxTopShare: 0.9}}}}
          - {{type: custom, engine: lockgate, implementation: {{check: anomaly, metric: topShare,
              minHistory: 1}}}}
          - {{type: custom, engine: lockgate, implementation: {{check: anomaly,
              metric: distinctCount, minHistory: 1}}}}
{category_drift}
      - name: active
        logicalType: boolean
      - name: updated_at
        logicalType: timestamp
        quality:
          - {{type: custom, engine: lockgate, implementation: {{check: advancement}}}}
    quality:
      - {{type: custom, engine: lockgate, implementation: {{check: anomaly, metric: rowCount,
          minHistory: 1}}}}
"""

DRIFTS = {
    "price_drift": (
        "          - {type: custom, engine: lockgate, implementation: {check: drift, "
        "reference: reference.json}}"
    ),
    "category_drift": (
        "          - {type: custom, engine: lockgate, implementation: {check: drift, "
        "reference: reference.json, method: psi}}"
    ),
}


def items(
    day: int,
    *,
    frozen_price: pd.Series | None = None,
    category: str | None = None,
    shift: float = 0.0,
) -> pd.DataFrame:
    """Day `day` of 80 items. Live days move every price a little and reshuffle which item has
    which category, so the values change while the distributions stay put (no drift)."""
    n = 80
    base = np.round(np.random.default_rng(100).lognormal(3.0, 0.4, n), 2)
    rng = np.random.default_rng(100 + day)
    price = np.round(base * (1 + rng.normal(0, 0.01, n)) + shift, 2)
    price[[3, 17]] = np.nan
    if frozen_price is not None:
        price = frozen_price.to_numpy()
    categories = rng.permutation(
        np.repeat(np.array(["tools", "garden", "paint", "light"], dtype=object), [32, 24, 16, 8])
    )
    categories[5] = None
    if category is not None:
        categories[:] = category
    return pd.DataFrame(
        {
            "item_id": [f"i{i:03d}" for i in range(n)],
            "price": price,
            "qty": rng.integers(0, 50, n),
            "category": categories,
            "active": rng.random(n) < 0.7,
            "updated_at": pd.Timestamp("2026-02-01")
            + pd.Timedelta(days=day)
            + pd.to_timedelta(rng.integers(0, 86400, n), unit="s"),
        }
    )


class Engines:
    """The three engines over the same data, each with its own history store."""

    def __init__(self, tmp_path, pg_schema):
        self.tmp_path, (self.con, self.schema) = tmp_path, pg_schema
        self.day = 0
        self.stores = {
            "duck": open_store(tmp_path / "duck.sqlite"),
            "frame": open_store(tmp_path / "frame.sqlite"),
            "pg": PostgresHistoryStore({k: v for k, v in PG.items()}, schema=self.schema),
        }

    def contract(self, duck, drifts: bool):
        text = CONTRACT.format(
            duck=duck,
            host=PG["host"],
            port=PG["port"],
            db=PG["dbname"],
            schema=self.schema,
            **(DRIFTS if drifts else {"price_drift": "", "category_drift": ""}),
        )
        return lockgate.load_contract(write_contract(self.tmp_path, text.replace("\n\n", "\n")))

    def load(self, df: pd.DataFrame, *, drifts: bool = True):
        self.day += 1
        duck = duckdb_with(self.tmp_path / f"d{self.day}.duckdb", {"items": df})
        self.con.execute(f'DROP TABLE IF EXISTS "{self.schema}"."items"')
        pg_load_frame(self.con, self.schema, "items", df)
        contract = self.contract(duck, drifts)
        return {
            "duck": lockgate.validate(contract, "duck", as_of=NOW, history=self.stores["duck"]),
            "pg": lockgate.validate(contract, "pg", as_of=NOW, history=self.stores["pg"]),
            "frame": lockgate.validate_frames(
                contract, {"items": df}, as_of=NOW, history=self.stores["frame"]
            ),
        }

    def close(self):
        for store in self.stores.values():
            store.close()


@pytest.fixture
def engines(tmp_path, pg_schema):
    e = Engines(tmp_path, pg_schema)
    yield e
    e.close()


def _profiles(contract, df, schema_con):
    from lockgate.connectors import connect
    from lockgate.engines.frame.engine import FrameEngine
    from lockgate.engines.sql.engine import SqlEngine

    table = contract.table("items")
    rules = contract.rules_for("items")
    out = {}
    for server in ("duck", "pg"):
        with connect(contract.server(server)) as connector:
            engine = SqlEngine(connector)
            engine.measure(table, rules)
            out[server] = engine.profiles["items"]
    frame = FrameEngine({"items": df}, contract)
    frame.measure(table, rules)
    out["frame"] = frame.profiles["items"]
    return out


@pytest.mark.postgres
def test_every_engine_computes_the_same_profile(tmp_path, engines):
    df = items(0)
    reference = reference_from_frames(
        engines.contract(tmp_path / "unused.duckdb", drifts=False), {"items": df}
    )
    (tmp_path / "reference.json").write_text(reference.to_json(), encoding="utf-8")
    engines.load(df)  # writes the data everywhere
    contract = engines.contract(tmp_path / f"d{engines.day}.duckdb", drifts=True)
    profiles = _profiles(contract, df, engines.con)
    assert {p.family for p in profiles.values()} == {"duckdb", "postgres", "pandas"}
    frame = profiles["frame"]
    assert frame.row_count == 80
    assert frame.columns["price"].non_null == 78 and frame.columns["category"].non_null == 79
    for name in ("duck", "pg"):
        sql = profiles[name]
        assert sql.row_count == frame.row_count
        for column, expected in frame.columns.items():
            got = sql.columns[column]
            assert (got.non_null, got.max_time) == (expected.non_null, expected.max_time), (
                name,
                column,
            )
            if (
                name == "duck"
            ):  # approx_count_distinct (HyperLogLog): a few percent off on many values
                assert abs(got.distinct - expected.distinct) <= max(1, 0.06 * expected.distinct), (
                    column,
                    got.distinct,
                    expected.distinct,
                )
            else:
                assert got.distinct == expected.distinct, (name, column)
            for stat in ("minimum", "maximum", "mean", "top_share"):
                a, b = getattr(got, stat), getattr(expected, stat)
                assert (a is None and b is None) or math.isclose(a, b, rel_tol=1e-9), (
                    name,
                    column,
                    stat,
                    a,
                    b,
                )
            assert (
                got.fingerprint is not None and got.fingerprint != expected.fingerprint
            )  # other hash family
        for rule_id, summary in frame.summaries.items():
            other = sql.summaries[rule_id]
            if isinstance(summary, CategoricalSummary):
                assert dict(other.frequencies) == dict(summary.frequencies)
            else:
                assert other.counts == summary.counts and other.edges == summary.edges
                assert math.isclose(other.mean, summary.mean, rel_tol=1e-9) and math.isclose(
                    other.std, summary.std, rel_tol=1e-9
                )
        assert sql.buckets.buckets == frame.buckets.buckets == 64
        assert int(sql.buckets.counts.sum()) == int(frame.buckets.counts.sum()) == 80


@pytest.mark.postgres
def test_every_engine_gives_the_same_stateful_verdicts_over_several_loads(tmp_path, engines):
    first = items(0)
    reference = reference_from_frames(
        engines.contract(tmp_path / "unused.duckdb", drifts=False), {"items": first}
    )
    (tmp_path / "reference.json").write_text(reference.to_json(), encoding="utf-8")
    days = [
        first,
        items(1),  # a live day: prices and categories change
        items(
            2, frozen_price=items(1)["price"], category="tools"
        ),  # price frozen, category constant
        items(3, shift=30.0),  # prices jump far from the reference
    ]
    verdicts, observed = [], []
    for df in days:
        results = engines.load(df)
        observed.append({r.rule.id: r.observed for r in results["duck"].results})
        per_engine = {
            name: {r.rule.id: r.passed for r in result.results} for name, result in results.items()
        }
        assert per_engine["duck"] == per_engine["pg"] == per_engine["frame"], per_engine
        errors = {
            name: [r.rule.id for r in result.results if r.error] for name, result in results.items()
        }
        assert errors == {"duck": [], "pg": [], "frame": []}
        verdicts.append({rule for rule, ok in per_engine["duck"].items() if not ok})
    assert verdicts[0] == set() and verdicts[1] == set()
    assert verdicts[2] == {
        "items.price.changeRate",
        "items.category.constant",
        "items.category.anomaly.topShare",
        "items.category.anomaly.distinctCount",
    }
    # drift on a constant column is "not computable": the constant rule reports the cause
    assert (
        observed[2]["items.category.drift"]
        == "not computable: the column holds a single value now (the constant rule judges that)"
    )
    assert {"items.price.drift", "items.price.anomaly.mean"} <= verdicts[3]
    assert "items.price.changeRate" not in verdicts[3]


@pytest.mark.postgres
def test_the_reference_profile_is_the_same_from_sql_and_from_frames(tmp_path, engines):
    df = items(0)
    engines.load(df, drifts=False)
    contract = engines.contract(tmp_path / f"d{engines.day}.duckdb", drifts=False)
    frames = reference_from_frames(contract, {"items": df})
    for server in ("duck", "pg"):
        sql = reference_from_server(contract, server)
        assert (
            list(sql.tables["items"].columns)
            == list(frames.tables["items"].columns)
            == ["price", "qty", "category", "active"]
        )
        for column, expected in frames.tables["items"].columns.items():
            got = sql.tables["items"].columns[column]
            if isinstance(expected, CategoricalSummary):
                assert dict(got.frequencies) == dict(expected.frequencies), (server, column)
            else:
                assert got.counts == expected.counts, (server, column)
                assert np.allclose(got.edges, expected.edges, rtol=1e-12), (server, column)
                assert math.isclose(got.mean, expected.mean, rel_tol=1e-9) and math.isclose(
                    got.std, expected.std, rel_tol=1e-9
                )
