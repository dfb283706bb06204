"""The exported suites in Great Expectations itself: they load, run on pandas, and every exported
rule gets lockgate's verdict (the AND of its expectations), on clean, corrupted and edge-case
data."""

from __future__ import annotations

import datetime as dt
import json
import os

import pandas as pd
import pytest

import lockgate
from lockgate.gx.frames import prepare
from lockgate.gx.run import validate as gx_validate
from lockgate.gx.suite import render
from tests.support.files import duckdb_with, write_contract
from tests.support.orders import CONTRACT, CORRUPTED_FAILING, NOW, customers, orders

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def gx():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations

    return great_expectations


@pytest.fixture(scope="module")
def gx_context(gx):
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
    )

    # no temporary docs site: GX's default ephemeral context creates one under /tmp
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _gx_rule_verdicts(
    gx, context, suite_json: dict, df: pd.DataFrame, asset: str
) -> dict[str, bool]:
    """Plain GX, as a GX user would run the file: load the suite, validate a batch, AND per rule."""
    suite = gx.ExpectationSuite(**json.loads(json.dumps(suite_json)))
    source = context.data_sources.add_or_update_pandas("parity")
    batch = (
        source.add_dataframe_asset(asset)
        .add_batch_definition_whole_dataframe("all")
        .get_batch(batch_parameters={"dataframe": prepare(df, suite_json)})
    )
    result = batch.validate(suite)
    verdicts: dict[str, bool] = {}
    for r in result.results:
        rule = r.expectation_config.meta["lockgate_rule"]
        verdicts[rule] = verdicts.get(rule, True) and bool(r.success)
    return verdicts


@pytest.mark.parametrize("corrupted", [False, True], ids=["clean", "corrupted"])
def test_suites_load_in_gx_and_give_lockgates_verdicts(gx, gx_context, tmp_path, corrupted):
    frames = {"orders": orders(corrupted), "customers": customers(corrupted)}
    duck = duckdb_with(tmp_path / "orders.duckdb", frames)
    contract = lockgate.load_contract(
        write_contract(tmp_path, CONTRACT.format(duck_path=duck, pg_schema="unused"))
    )
    exported = json.loads(render(contract))
    lockgate_verdicts = {
        r.rule.id: r.passed for r in lockgate.validate_frames(contract, frames, as_of=NOW).results
    }

    gx_verdicts: dict[str, bool] = {}
    for table, suite_json in exported.items():
        loaded = gx.ExpectationSuite(**suite_json)
        assert len(loaded.expectations) == len(suite_json["expectations"]) > 0
        gx_verdicts |= _gx_rule_verdicts(
            gx, gx_context, suite_json, frames[table], f"{table}-{corrupted}"
        )

    assert len(gx_verdicts) == 24
    assert gx_verdicts == {rule: lockgate_verdicts[rule] for rule in gx_verdicts}
    failing = {rule for rule, ok in gx_verdicts.items() if not ok}
    assert failing == (CORRUPTED_FAILING & set(gx_verdicts) if corrupted else set())
    if corrupted:
        assert len(failing) == 16  # the test has teeth: most exported rules fail here


# --- edge cases: nulls, boundaries, budgets, search semantics, composite keys, row counts ---------

EDGES = """
apiVersion: v3.1.0
kind: DataContract
id: gx-edges
version: 1.0.0
status: active
schema:
  - name: events
    properties:
      - name: id
        logicalType: integer
        primaryKey: true
      - name: day
        logicalType: date
        logicalTypeOptions:
          minimum: "2020-01-01"
      - name: at
        logicalType: timestamp
        logicalTypeOptions:
          exclusiveMaximum: "2021-01-01T00:00:00"
      - name: score
        logicalType: number
        logicalTypeOptions:
          exclusiveMinimum: 0
          maximum: 10
      - name: tag
        logicalType: string
        logicalTypeOptions:
          pattern: "b"
          minLength: 2
        quality:
          - metric: nullValues
            mustBeLessOrEqualTo: 10
            unit: percent
          - metric: invalidValues
            arguments:
              validValues: [ab, bb, abc]
            mustBe: 0
            unit: percent
      - name: note
        logicalType: string
        quality:
          - metric: nullValues
            id: note_nulls_below_10pct
            mustBeLessThan: 10
            unit: percent
          - metric: missingValues
            arguments:
              missingValues: ["", "-"]
            mustBeLessThan: 1
      - name: k1
        logicalType: string
      - name: k2
        logicalType: integer
    quality:
      - metric: duplicateValues
        arguments:
          properties: [k1, k2]
        mustBe: 0
      - metric: rowCount
        id: rows_not_zero
        mustNotBe: 0
      - metric: rowCount
        id: rows_at_most_ten
        mustBeLessThan: 10.5
"""


def _events(n: int = 10) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": list(range(n)),
            "day": pd.Series(pd.date_range("2020-01-01", periods=n, freq="D")).astype(
                "datetime64[us]"
            ),
            "at": pd.Series(pd.date_range("2020-12-31 23:00", periods=n, freq="-1h")).astype(
                "datetime64[us]"
            ),
            "score": [float(i % 10 + 1) for i in range(n)],
            "tag": (["ab", "bb", "abc"] * 4)[: n - 1] + [None] if n else [],
            "note": ["x"] * n,
            "k1": list("abcdefghijklmnop"[:n]),
            "k2": [1] * n,
        }
    )


def _with(changes: dict, n: int = 10) -> pd.DataFrame:
    df = _events(n)
    for (row, column), value in changes.items():
        if value is None or (isinstance(value, str) and df[column].dtype.kind in "iuf"):
            df[column] = df[column].astype(object)
        df.loc[row, column] = value
    return df


EDGE_FRAMES = {
    "clean": _events(),
    "day_before_minimum": _with({(0, "day"): pd.Timestamp("2019-12-31")}),
    "at_exclusive_bound": _with({(0, "at"): pd.Timestamp("2021-01-01 00:00:00")}),
    "at_just_below_bound": _with({(0, "at"): pd.Timestamp("2020-12-31 23:59:59.999999")}),
    "score_at_exclusive_zero": _with({(0, "score"): 0.0}),
    "score_null_is_not_out_of_range": _with({(0, "score"): None}),
    "score_at_inclusive_ten": _with({(0, "score"): 10.0}),
    "score_above_ten": _with({(0, "score"): 10.5}),
    "id_null": _with({(0, "id"): None}),
    "id_repeated": _with({(1, "id"): 0}),
    "tag_nulls_10pct_allowed": _events(),
    "tag_nulls_20pct": _with({(0, "tag"): None}),
    "tag_too_short_and_invalid": _with({(0, "tag"): "a"}),
    "tag_pattern_is_a_search": _with({(0, "tag"): "xbx"}),
    "note_one_null_of_ten": _with({(0, "note"): None}),  # 10 % is not < 10 %
    "note_placeholder": _with({(0, "note"): "-"}),
    "duplicate_key": _with({(1, "k1"): "a"}),
    "keys_with_a_null_part_are_ignored": _with({(0, "k1"): None, (1, "k1"): None}),
    "eleven_rows": pd.concat([_events(), _events(1)], ignore_index=True).assign(
        id=range(11), k1=list("abcdefghijk")
    ),
    "empty": _events(0),
}


@pytest.fixture(scope="module")
def edges(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gx-edges")
    contract = lockgate.load_contract(write_contract(tmp, EDGES))
    return contract, json.loads(render(contract))


def test_edge_contract_exports_every_row_rule(edges):
    contract, suite = edges
    skipped = {s["rule"] for s in suite["events"]["meta"]["lockgate_not_exported"]}
    assert skipped == {r.id for r in contract.rules if r.check == "logicalType"}


def test_gx_matches_lockgate_on_edge_cases(edges):
    contract, suite = edges
    seen: dict[str, set] = {}
    for name, df in EDGE_FRAMES.items():
        expected = {
            r.rule.id: r.passed
            for r in lockgate.validate_frames(contract, {"events": df}, as_of=NOW).results
        }
        got = gx_validate(suite, {"events": df}).by_rule()
        assert got == {rule: expected[rule] for rule in got}, name
        for rule, ok in got.items():
            seen.setdefault(rule, set()).add(ok)
    # every exported rule both passed and failed somewhere, so each comparison could have gone wrong
    assert {rule for rule, outcomes in seen.items() if outcomes != {True, False}} == set()


# --- time zones: compared with lockgate's SQL engine on DuckDB ------------------------------------

TZ = """
apiVersion: v3.1.0
kind: DataContract
id: gx-tz
version: 1.0.0
status: active
servers:
  - server: duck
    type: duckdb
    database: "{db}"
schema:
  - name: tz
    properties:
      - name: aware
        logicalType: timestamp
        logicalTypeOptions:
          minimum: "2020-01-01T00:00:00"
      - name: naive
        logicalType: timestamp
        logicalTypeOptions:
          exclusiveMaximum: "2021-01-01T00:00:00+02:00"
"""


def _tz_frame(aware_first: str, naive_first: str) -> pd.DataFrame:
    aware = pd.Series(
        pd.to_datetime([aware_first, "2020-06-01 00:00"], format="ISO8601").tz_localize("UTC")
    ).dt.tz_convert("Europe/Berlin")
    naive = pd.Series(pd.to_datetime([naive_first, "2020-06-01 00:00"], format="ISO8601"))
    return pd.DataFrame(
        {
            "aware": aware.astype("datetime64[us, Europe/Berlin]"),
            "naive": naive.astype("datetime64[us]"),
        }
    )


TZ_FRAMES = {
    # a naive bound means UTC: 23:30 UTC on Dec 31 is before it, although it reads 00:30 in Berlin
    "aware_below_utc_bound": _tz_frame("2019-12-31 23:30", "2020-06-01 00:00"),
    "aware_at_bound": _tz_frame("2020-01-01 00:00", "2020-06-01 00:00"),
    # 2021-01-01T00:00+02:00 is 2020-12-31 22:00 UTC, the naive column's clock
    "naive_at_exclusive_bound": _tz_frame("2020-06-01 00:00", "2020-12-31 22:00"),
    "naive_below_bound": _tz_frame("2020-06-01 00:00", "2020-12-31 21:59:59"),
}


def _tz_contract(tmp_path, name):
    db = duckdb_with(tmp_path / f"{name}.duckdb", {"tz": TZ_FRAMES[name]})
    return lockgate.load_contract(write_contract(tmp_path, TZ.format(db=db), f"{name}.odcs.yaml"))


@pytest.mark.parametrize("name", list(TZ_FRAMES))
def test_time_zone_bounds_match_the_sql_engine(tmp_path, name):
    contract = _tz_contract(tmp_path, name)
    expected = {r.rule.id: r.passed for r in lockgate.validate(contract, "duck", as_of=NOW).results}
    got = gx_validate(json.loads(render(contract)), {"tz": TZ_FRAMES[name]}).by_rule()
    assert set(got) == {"tz.aware.minimum", "tz.naive.exclusiveMaximum"}
    assert got == {rule: expected[rule] for rule in got}
    assert not all(got.values()) or name in ("aware_at_bound", "naive_below_bound")


def test_frame_engine_agrees_with_the_sql_engine_on_time_zone_bounds(tmp_path):
    for name, df in TZ_FRAMES.items():
        contract = _tz_contract(tmp_path, name)
        sql = {
            r.rule.id: r.passed
            for r in lockgate.validate(contract, "duck", as_of=NOW).results
            if r.rule.check != "logicalType"
        }
        frame = {
            r.rule.id: r.passed
            for r in lockgate.validate_frames(contract, {"tz": df}, as_of=NOW).results
            if r.rule.check != "logicalType"
        }
        assert frame == sql, name


def test_object_columns_of_dates_compare_like_lockgate(edges):
    contract, suite = edges
    df = _events()
    df["day"] = [d.date() for d in df["day"]]
    df.loc[0, "day"] = dt.date(2019, 12, 31)
    expected = {
        r.rule.id: r.passed
        for r in lockgate.validate_frames(contract, {"events": df}, as_of=NOW).results
    }
    got = gx_validate(suite, {"events": df}).by_rule()
    assert got["events.day.minimum"] is False
    assert got == {rule: expected[rule] for rule in got}
