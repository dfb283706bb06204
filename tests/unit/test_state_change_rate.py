"""The frozen-column detector (changeRate) on a small dimension that lives like the reference
simulator's professionals: active rows get a new rating and response rate every day, inactive
ones are left alone, a few rows arrive each day. Judged by the SQL engine on DuckDB and by the
frame engine, each against its own history store."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import lockgate
from lockgate.engines.frame.profile import frame_profile
from lockgate.profile.model import BucketRequest, ProfileRequest
from lockgate.state.change_rate import compare_buckets
from lockgate.state.store import open_store
from tests.support.files import duckdb_with, write_contract

NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)

CONTRACT = """
apiVersion: v3.1.0
kind: DataContract
id: pros
version: 1.0.0
status: active
servers:
  - server: duck
    type: duckdb
    database: "{db}"
schema:
  - name: pros
    properties:
      - name: pro_id
        logicalType: string
        primaryKey: true
      - name: rating
        logicalType: number
        quality:
          - type: custom
            engine: lockgate
            implementation: {{check: changeRate, buckets: 256}}
      - name: response_rate
        logicalType: number
        quality:
          - type: custom
            engine: lockgate
            implementation: {{check: changeRate, buckets: 256}}
      - name: is_active
        logicalType: boolean
      - name: updated_at
        logicalType: timestamp
"""


class Dimension:
    """A table of professionals updated in place once a day."""

    def __init__(self, rows: int = 400, seed: int = 7):
        self.rng = np.random.default_rng(seed)
        self.day = 0
        self.df = pd.DataFrame(
            {
                "pro_id": [f"p_{i:05d}" for i in range(rows)],
                "rating": np.round(self.rng.normal(4.2, 0.3, rows), 2),
                "response_rate": np.round(self.rng.uniform(0.2, 0.9, rows), 3),
                "is_active": self.rng.random(rows) < 0.8,
                "updated_at": pd.Timestamp("2026-01-01"),
            }
        )

    def next_day(
        self,
        *,
        frozen: tuple[str, ...] = (),
        rating_trend: float = 0.0,
        touch: bool = True,
        new_rows: int = 2,
    ) -> pd.DataFrame:
        """Active rows get new values (except `frozen` columns, as when an upstream UPDATE stops
        setting them); `touch=False` is a load that updates nothing."""
        self.day += 1
        df = self.df.copy()
        if touch:
            active = df["is_active"].to_numpy()
            n = int(active.sum())
            if "rating" not in frozen:
                df.loc[active, "rating"] = np.round(
                    df.loc[active, "rating"] + rating_trend + self.rng.normal(0, 0.05, n), 2
                )
            if "response_rate" not in frozen:
                df.loc[active, "response_rate"] = np.round(
                    np.clip(df.loc[active, "response_rate"] + self.rng.normal(0, 0.02, n), 0, 1), 3
                )
            df.loc[active, "updated_at"] = pd.Timestamp("2026-01-01") + pd.Timedelta(days=self.day)
        first = len(df)
        new = pd.DataFrame(
            {
                "pro_id": [f"p_{i:05d}" for i in range(first, first + new_rows)],
                "rating": np.round(self.rng.normal(4.2, 0.3, new_rows), 2),
                "response_rate": np.round(self.rng.uniform(0.2, 0.9, new_rows), 3),
                "is_active": True,
                "updated_at": pd.Timestamp("2026-01-01") + pd.Timedelta(days=self.day),
            }
        )
        self.df = pd.concat([df, new], ignore_index=True)
        return self.df


@pytest.fixture
def run(tmp_path):
    """Check one day's table with both engines, each with its own store; returns per-engine
    results."""
    stores = {
        "sql": open_store(tmp_path / "sql.sqlite"),
        "frame": open_store(tmp_path / "frame.sqlite"),
    }
    state = {"n": 0}

    def check(df: pd.DataFrame) -> dict[str, dict[str, lockgate.results.model.RuleResult]]:
        state["n"] += 1
        db = duckdb_with(tmp_path / f"day{state['n']}.duckdb", {"pros": df})
        contract = lockgate.load_contract(write_contract(tmp_path, CONTRACT.format(db=db)))
        sql = lockgate.validate(contract, as_of=NOW, history=stores["sql"])
        frame = lockgate.validate_frames(contract, {"pros": df}, as_of=NOW, history=stores["frame"])
        return {
            e: {r.rule.id: r for r in res.results} for e, res in (("sql", sql), ("frame", frame))
        }

    yield check
    for store in stores.values():
        store.close()


RATING, RESPONSE = "pros.rating.changeRate", "pros.response_rate.changeRate"


def test_a_frozen_column_fails_on_the_first_load_after_the_freeze_while_a_ks_test_does_not(run):
    dim = Dimension()
    first = run(dim.df)
    assert first["sql"][RATING].observed.startswith("not enough history: 0 of 1 run")
    for _ in range(5):
        live = run(dim.next_day())
        for engine in ("sql", "frame"):
            assert live[engine][RATING].passed, live[engine][RATING].observed
    before = dim.df.copy()
    frozen = run(dim.next_day(frozen=("rating",)))
    for engine in ("sql", "frame"):
        assert not frozen[engine][RATING].passed
        assert frozen[engine][RATING].observed.startswith("frozen? rating changed in 0 of ")
        assert frozen[engine][RATING].rule.severity == "error"
        assert frozen[engine][RESPONSE].passed, frozen[engine][
            RESPONSE
        ].observed  # the live neighbour
    # A two-sample KS test sees nothing: the frozen values are yesterday's, so the distribution is
    # unchanged. That is why drift tests are the wrong tool for a frozen column.
    ks = stats.ks_2samp(before["rating"], dim.df["rating"])
    assert ks.pvalue > 0.99, ks
    # ... and the failure persists on the next frozen load
    assert not run(dim.next_day(frozen=("rating",)))["sql"][RATING].passed


def test_a_live_column_that_drifts_does_not_fire(run):
    dim = Dimension()
    run(dim.df)
    start = dim.df["rating"].mean()
    for _ in range(6):
        results = run(dim.next_day(rating_trend=0.15))
        for engine in ("sql", "frame"):
            assert results[engine][RATING].passed, results[engine][RATING].observed
    assert dim.df["rating"].mean() - start > 0.6  # a shift of 2 standard deviations
    rate = float(re.search(r"\(([\d.]+)%\)", results["sql"][RATING].observed).group(1))
    assert rate > 80, results["sql"][RATING].observed


def test_an_idle_dimension_or_inserts_only_do_not_fire(run):
    dim = Dimension()
    run(dim.df)
    run(dim.next_day())
    idle = run(dim.next_day(touch=False, new_rows=0))  # the same data again: that load's verdict
    for engine in ("sql", "frame"):
        assert idle[engine][RATING].passed, idle[engine][RATING].observed
    inserts = run(dim.next_day(touch=False, new_rows=5))  # new keys only: their buckets are skipped
    assert inserts["sql"][RATING].passed and inserts["sql"][RATING].observed.startswith(
        "no rows changed"
    )
    empty = run(dim.df.iloc[0:0])
    for engine in ("sql", "frame"):
        assert (
            empty[engine][RATING].passed
            and empty[engine][RATING].observed == "not computable: the table is empty"
        )


def test_too_few_changed_rows_are_not_judged(run):
    dim = Dimension(rows=50)
    run(dim.df)
    df = dim.df.copy()
    df.loc[:2, "updated_at"] = pd.Timestamp("2026-02-01")  # three rows touched, rating untouched
    result = run(df)["sql"][RATING]
    assert result.passed
    assert result.observed == "not computable: rows changed in only 3 buckets, 10 needed to judge"


def test_replacing_every_key_is_not_computable(run):
    dim = Dimension(rows=100)
    run(dim.df)
    df = dim.df.assign(pro_id=[f"q_{i}" for i in range(len(dim.df))])
    result = run(df)["sql"][RATING]
    assert result.passed and result.observed.startswith("not computable: every one of")


# -- the fingerprints themselves -------------------------------------------------------------------


def _buckets(df: pd.DataFrame, size: int):
    request = ProfileRequest(
        ("pro_id",),
        (),
        (),
        BucketRequest(("pro_id",), ("rating", "response_rate"), ("rating",), size),
        (),
    )
    return frame_profile(df, request).buckets


def test_fingerprints_ignore_row_order_but_see_swapped_values():
    df = Dimension(rows=200).df
    base = _buckets(df, 64)
    shuffled = _buckets(df.sample(frac=1.0, random_state=3), 64)
    assert np.array_equal(base.values["rating"], shuffled.values["rating"])
    assert np.array_equal(base.rows, shuffled.rows)
    first, second = df.index[df["rating"] != df.loc[0, "rating"]][0], 0
    swapped = df.copy()
    swapped.loc[[first, second], "rating"] = [df.loc[second, "rating"], df.loc[first, "rating"]]
    assert sorted(swapped["rating"]) == sorted(df["rating"])  # the same values, on other keys
    outcome = compare_buckets(base, _buckets(swapped, 64), "rating", 64)
    assert outcome.changed in (1, 2) and outcome.touched == outcome.changed


def test_coarsening_equals_bucketing_coarsely_and_survives_the_store_format():
    df = Dimension(rows=300).df
    fine, coarse = _buckets(df, 1024), _buckets(df, 128)
    folded = fine.coarsen(128)
    for name in ("counts", "keys", "rows"):
        assert np.array_equal(getattr(folded, name), getattr(coarse, name))
    assert np.array_equal(folded.values["rating"], coarse.values["rating"])
    columns, data = fine.to_bytes()
    back = type(fine).from_bytes(1024, columns, data)
    assert np.array_equal(back.keys, fine.keys) and np.array_equal(
        back.values["rating"], fine.values["rating"]
    )
    assert int(fine.counts.sum()) == 300


def test_a_column_fingerprint_folded_from_buckets_equals_the_scanned_one(tmp_path):
    """The SQL profile skips hashing a change-rate column twice: its fingerprint is the XOR of
    its bucket fingerprints. Both ways must give the same number (DuckDB and pandas)."""
    from lockgate.connectors import connect
    from lockgate.engines.sql.profile import plan_profile

    df = Dimension(rows=300).df
    db = duckdb_with(tmp_path / "w.duckdb", {"pros": df})
    contract = lockgate.load_contract(write_contract(tmp_path, CONTRACT.format(db=db)))
    with_buckets = ProfileRequest(
        ("pro_id",),
        ("rating",),
        (),
        BucketRequest(("pro_id",), ("rating", "response_rate"), ("rating",), 64),
        (),
    )
    scanned_only = ProfileRequest(("pro_id",), ("rating",), (), None, ())
    with connect(contract.server("duck")) as connector:
        t = connector.table_expr("pros")
        fingerprints = []
        for request in (with_buckets, scanned_only):
            plan = plan_profile("duckdb", t, request)
            names, rows = connector.fetch(connector.to_sql(t.aggregate(**plan.scan)))
            grouped = (
                connector.fetch(connector.to_sql(plan.grouped))[1]
                if plan.grouped is not None
                else None
            )
            fingerprints.append(
                plan.read(dict(zip(names, rows[0])), grouped).columns["rating"].fingerprint
            )
    assert fingerprints[0] == fingerprints[1] and fingerprints[0] is not None
    frame = frame_profile(df, with_buckets)
    assert (
        int(np.bitwise_xor.reduce(frame.buckets.values["rating"]))
        == frame.columns["rating"].fingerprint
    )
