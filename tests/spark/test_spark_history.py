"""History on Spark: profiles and change-rate fingerprints with Spark's xxhash64, recorded as a
fingerprint family of their own ("spark"), and the same stateful verdicts as DuckDB over a
sequence of loads (a frozen price column and a constant category are caught)."""

from __future__ import annotations

import datetime as dt

import lockgate
from lockgate.state.reference_build import reference_from_frames
from lockgate.state.store import open_store
from tests.integration.test_detectors_parity import CONTRACT, DRIFTS, items
from tests.support.files import duckdb_with, write_contract
from tests.support.spark import files_server, with_servers, write_files

NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def _contract(tmp_path, day: int, duck, files, drifts: bool = True):
    drift = DRIFTS if drifts else {"price_drift": "", "category_drift": ""}
    text = CONTRACT.format(
        duck=duck, host="127.0.0.1", port=5432, db="test", schema="unused", **drift
    )
    text = with_servers(text.replace("\n\n", "\n"), files_server("files", files, "parquet"))
    return lockgate.load_contract(write_contract(tmp_path, text, f"items{day}.odcs.yaml"))


def test_spark_gives_duckdbs_stateful_verdicts_with_its_own_fingerprints(spark, tmp_path):
    first = items(0)
    scratch = _contract(tmp_path, 0, tmp_path / "unused.duckdb", tmp_path, drifts=False)
    (tmp_path / "reference.json").write_text(
        reference_from_frames(scratch, {"items": first}).to_json(), encoding="utf-8"
    )
    days = [
        first,
        items(1),  # a live day
        items(
            2, frozen_price=items(1)["price"], category="tools"
        ),  # price frozen, category constant
    ]
    stores = {
        "duck": open_store(tmp_path / "duck.sqlite"),
        "spark": open_store(tmp_path / "spark.sqlite"),
    }
    failing = []
    try:
        for day, df in enumerate(days, start=1):
            duck = duckdb_with(tmp_path / f"d{day}.duckdb", {"items": df})
            files = write_files(tmp_path / f"files{day}", {"items": df}, "parquet")
            contract = _contract(tmp_path, day, duck, files)
            on_duck = lockgate.validate(
                contract, "duck", as_of=NOW + dt.timedelta(days=day), history=stores["duck"]
            )
            on_spark = lockgate.validate(
                contract,
                "files",
                engine="spark",
                as_of=NOW + dt.timedelta(days=day),
                history=stores["spark"],
            )
            errors = [r.rule.id for r in on_spark.results if r.error]
            assert errors == []
            verdicts = {r.rule.id: r.passed for r in on_spark.results}
            assert verdicts == {r.rule.id: r.passed for r in on_duck.results}, day
            failing.append({rule for rule, ok in verdicts.items() if not ok})
    finally:
        for store in stores.values():
            store.close()
    assert failing[0] == set() and failing[1] == set()
    assert failing[2] == {
        "items.price.changeRate",
        "items.category.constant",
        "items.category.anomaly.topShare",
        "items.category.anomaly.distinctCount",
    }
    import sqlite3

    con = sqlite3.connect(tmp_path / "spark.sqlite")
    try:
        recorded = con.execute("SELECT DISTINCT engine, family FROM runs").fetchall()
        bucket_families = con.execute("SELECT DISTINCT family FROM bucket_fingerprints").fetchall()
    finally:
        con.close()
    assert recorded == [("spark", "spark")]
    assert bucket_families == [("spark",)]


def test_spark_profile_fingerprints_are_their_own_family(spark, tmp_path):
    from lockgate.engines.spark.connector import SparkConnector
    from lockgate.engines.sql.engine import SqlEngine

    df = items(1)
    duck = duckdb_with(tmp_path / "d.duckdb", {"items": df})
    files = write_files(tmp_path / "files", {"items": df}, "parquet")
    (tmp_path / "reference.json").write_text(
        reference_from_frames(
            _contract(tmp_path, 0, duck, files, drifts=False), {"items": df}
        ).to_json(),
        encoding="utf-8",
    )
    contract = _contract(tmp_path, 1, duck, files)
    table, rules = contract.table("items"), contract.rules_for("items")
    frame = spark.read.parquet(str(files / "items.parquet"))
    profiles = []
    for _ in range(2):  # the same data twice: the same fingerprints (order-independent XORs)
        with SparkConnector.for_frames({"items": frame.orderBy("qty")}) as connector:
            engine = SqlEngine(connector)
            engine.measure(table, rules)
            profiles.append(engine.profiles["items"])
    first, again = profiles
    assert first.family == "spark"
    assert first.row_count == 80 and first.columns["price"].non_null == 78
    assert first.columns["price"].fingerprint == again.columns["price"].fingerprint
    assert first.state == again.state
    assert first.columns["price"].fingerprint is not None
    assert (
        abs(first.columns["price"].fingerprint) > 2**32
    )  # 64-bit xxhash64, not Spark's 32-bit hash
