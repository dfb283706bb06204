"""Partial freezes: one region's feed stops setting a column while every row keeps being updated.
Half of the updated rows then leave the column unchanged: the bucket rate stays far above
`minRate`, but the share of updated rows falls from ~1.0 to ~0.5 against the column's own history.
Real DuckDB (SQL engine) and pandas (frame engine), each with a real SQLite history store."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import lockgate
from lockgate.contract.loader import analyze
from lockgate.state.store import open_store
from tests.support.files import duckdb_with, write_contract
from tests.support.postgres import pg_load_frame

NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
RULE, BY_REGION = "pros.rating.changeRate", "rating_by_region"

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
  - server: pg
    type: postgres
    host: 127.0.0.1
    port: 5432
    database: test
    schema: "{pg_schema}"
schema:
  - name: pros
    properties:
      - name: pro_id
        logicalType: integer
        primaryKey: true
      - name: region
        logicalType: string
      - name: rating
        logicalType: number
        quality:
          - type: custom
            engine: lockgate
            implementation: {{check: changeRate}}
          - type: custom
            engine: lockgate
            id: rating_by_region
            implementation: {{check: changeRate{by_args}}}
      - name: updated_at
        logicalType: timestamp
"""


class Regions:
    """2000 professionals in two regions; each day a varying share of them is updated (new
    rating, new updated_at) and a few join. `frozen` regions stop getting new ratings, as when
    that region's feed stops setting the column while the row is still touched."""

    def __init__(self, seed: int = 11):
        self.rng = np.random.default_rng(seed)
        self.day = 0
        n = 2000
        self.df = pd.DataFrame(
            {
                "pro_id": np.arange(n),
                "region": np.where(np.arange(n) % 2 == 0, "north", "south"),
                "rating": np.round(self.rng.uniform(3.0, 5.0, n), 3),
                "updated_at": pd.Timestamp("2026-01-01"),
            }
        )

    def next_day(self, *, share: float | None = None, frozen: tuple[str, ...] = ()) -> pd.DataFrame:
        self.day += 1
        df = self.df.copy()
        share = share if share is not None else self.rng.uniform(0.15, 0.4)  # day-to-day variation
        updated = self.rng.random(len(df)) < share
        # a rating update sometimes rewrites the same value (a real feed does): ~5 % of updates
        changes = (
            updated & (self.rng.random(len(df)) > 0.05) & ~df["region"].isin(frozen).to_numpy()
        )
        df.loc[changes, "rating"] = np.round(self.rng.uniform(3.0, 5.0, int(changes.sum())), 3)
        df.loc[updated, "updated_at"] = pd.Timestamp("2026-01-01") + pd.Timedelta(days=self.day)
        new = pd.DataFrame(
            {
                "pro_id": np.arange(len(df), len(df) + 3),
                "region": ["north", "south", "north"],
                "rating": [4.0, 4.5, 3.5],
                "updated_at": pd.Timestamp("2026-01-01") + pd.Timedelta(days=self.day),
            }
        )
        self.df = pd.concat([df, new], ignore_index=True)
        return self.df


@pytest.fixture
def check(tmp_path):
    stores = {
        "sql": open_store(tmp_path / "sql.sqlite"),
        "frame": open_store(tmp_path / "frame.sqlite"),
    }
    db = tmp_path / "w.duckdb"
    contract = lockgate.load_contract(
        write_contract(tmp_path, CONTRACT.format(db=db, by_args=", by: region", pg_schema="unused"))
    )

    def run(df: pd.DataFrame) -> dict[str, dict]:
        duckdb_with(db, {"pros": df})
        sql = lockgate.validate(contract, "duck", as_of=NOW, history=stores["sql"])
        frame = lockgate.validate_frames(contract, {"pros": df}, as_of=NOW, history=stores["frame"])
        return {
            engine: {r.rule.id: r for r in res.results}
            for engine, res in (("sql", sql), ("frame", frame))
        }

    yield run
    for store in stores.values():
        store.close()


def test_normal_variation_passes_and_a_one_region_freeze_fails_naming_the_region(check):
    regions = Regions()
    check(regions.df)
    for day in range(12):
        results = check(regions.next_day(share=0.08 if day == 6 else None))  # day 7: a quiet day
        for engine, by_id in results.items():
            for rule_id in (RULE, BY_REGION):
                assert by_id[rule_id].passed, (engine, day, by_id[rule_id].observed)
    normal = results["sql"][RULE].observed
    assert "usually" in normal and "of updated rows" in normal

    frozen = check(regions.next_day(frozen=("north",)))
    for engine, by_id in frozen.items():
        whole, split = by_id[RULE], by_id[BY_REGION]
        # the bucket rate alone would pass: most buckets still hold a live row
        rate = float(whole.observed.split("(")[1].split("%")[0])
        assert rate > 20.0, whole.observed
        assert not whole.passed and whole.observed.startswith(
            "partly frozen? rating changed in "
        ), (engine, whole.observed)
        assert not split.passed, (engine, split.observed)
        assert "frozen in region=north (" in split.observed and "south (" not in split.observed, (
            split.observed
        )

    # the freeze persists: it keeps failing (failed loads never become the baseline)
    again = check(regions.next_day(frozen=("north",)))
    assert not again["sql"][RULE].passed and not again["frame"][BY_REGION].passed


def test_a_whole_column_freeze_still_fails_on_min_rate(check):
    regions = Regions(seed=3)
    check(regions.df)
    for _ in range(4):
        check(regions.next_day())
    frozen = check(regions.next_day(frozen=("north", "south")))
    for by_id in frozen.values():
        assert by_id[RULE].observed.startswith("frozen? rating changed in 0 of ")


@pytest.mark.parametrize(
    "args, key, words",
    [
        (", by: region, maxDrop: 1.5", "maxDrop", "maxDrop must be a number > 0 and <= 1"),
        (", by: region, maxDrop: 0", "maxDrop", "maxDrop must be a number > 0 and <= 1"),
        (", by: county", "by", "by must name a column of 'pros'"),
        (", by: pro_id", "by", "a key column"),
    ],
)
def test_lint_rejects_bad_arguments_at_their_key(tmp_path, args, key, words):
    text = CONTRACT.format(db="x.duckdb", by_args=args, pg_schema="unused").lstrip()
    _, findings = analyze(write_contract(tmp_path, text))
    errors = [f for f in findings if f.severity == "error"]
    assert len(errors) == 1 and words in errors[0].message, [str(f) for f in findings]
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "rating_by_region" in row) + 1
    assert errors[0].location.line == line
    column = text.splitlines()[line - 1].index(f"{key}: ") + len(key) + 3  # the value
    assert errors[0].location.col == column, str(errors[0])


@pytest.mark.postgres
def test_a_one_region_freeze_is_named_on_postgres(tmp_path, pg_schema):
    """The same on PostgreSQL (hashtextextended fingerprints, the segment as text)."""
    con, schema = pg_schema
    contract = lockgate.load_contract(
        write_contract(
            tmp_path, CONTRACT.format(db="x.duckdb", by_args=", by: region", pg_schema=schema)
        )
    )
    store = open_store(tmp_path / "pg.sqlite")

    def run(df: pd.DataFrame) -> dict:
        con.execute(f'DROP TABLE IF EXISTS "{schema}".pros')
        pg_load_frame(con, schema, "pros", df)
        return {
            r.rule.id: r
            for r in lockgate.validate(contract, "pg", as_of=NOW, history=store).results
        }

    regions = Regions(seed=5)
    run(regions.df)
    for day in range(5):
        results = run(regions.next_day())
        assert results[RULE].passed and results[BY_REGION].passed, (
            day,
            results[BY_REGION].observed,
        )
    frozen = run(regions.next_day(frozen=("south",)))
    store.close()
    assert not frozen[RULE].passed and not frozen[BY_REGION].passed
    assert (
        "frozen in region=south (" in frozen[BY_REGION].observed
        and "north (" not in frozen[BY_REGION].observed
    )
