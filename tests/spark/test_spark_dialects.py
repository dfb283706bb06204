"""Where engines differ, Spark agrees with DuckDB: regex dialects, NULL and NaN, timestamps with
and without a time zone, exact distinct counts. Checked through `lockgate.validate_spark` on
DataFrames Spark read from Parquet files that DuckDB wrote."""

from __future__ import annotations

import datetime as dt

import pandas as pd

import lockgate
from tests.integration.test_parity import NAN_CONTRACT, NAN_EXPECTED, NAN_ROWS
from tests.support.files import duckdb_with, write_contract
from tests.support.spark import write_files

NOW = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)


def _failed(result) -> dict[str, int]:
    errors = {r.rule.id: r.error for r in result.results if r.error}
    assert errors == {}, f"{result.engine}: {errors}"
    return {r.rule.id: r.failed_rows for r in result.results if not r.passed}


def _check_both(spark, tmp_path, contract_text: str, frames: dict) -> tuple[dict, dict]:
    """Failed rules on DuckDB and on Spark (validate_spark over the same Parquet files)."""
    duck = duckdb_with(tmp_path / "d.duckdb", frames)
    files = write_files(tmp_path / "files", frames, "parquet")
    contract = lockgate.load_contract(write_contract(tmp_path, contract_text.format(duck=duck)))
    on_duck = lockgate.validate(contract, "duck", as_of=NOW, record=False)
    dataframes = {name: spark.read.parquet(str(files / f"{name}.parquet")) for name in frames}
    on_spark = lockgate.validate_spark(contract, dataframes, as_of=NOW, record=False)
    assert on_spark.engine == "spark"
    return _failed(on_duck), _failed(on_spark)


def test_nan_and_infinity_on_spark(spark, tmp_path):
    import duckdb

    path = tmp_path / "nan.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE readings (id BIGINT, value DOUBLE, level DOUBLE, score DOUBLE)")
    con.executemany("INSERT INTO readings VALUES (?, ?, ?, ?)", NAN_ROWS)
    con.execute(f"COPY readings TO '{tmp_path / 'readings.parquet'}' (FORMAT parquet)")
    con.close()
    contract = lockgate.load_contract(
        write_contract(tmp_path, NAN_CONTRACT.format(duck_path=path, pg_schema="x"))
    )
    df = spark.read.parquet(str(tmp_path / "readings.parquet"))
    assert (
        _failed(lockgate.validate_spark(contract, {"readings": df}, as_of=NOW, record=False))
        == NAN_EXPECTED
    )


REGEX_CONTRACT = """
apiVersion: v3.1.0
kind: DataContract
id: regex-dialects
version: 1.0.0
status: active
servers:
  - server: duck
    type: duckdb
    database: "{duck}"
schema:
  - name: words
    properties:
      - name: id
        logicalType: integer
      - name: upper
        logicalType: string
        logicalTypeOptions: {{pattern: "^[A-Z]+$"}}
      - name: digits
        logicalType: string
        logicalTypeOptions: {{pattern: "^\\\\d{{3}}-\\\\d{{2}}$"}}
      - name: dotted
        logicalType: string
        logicalTypeOptions: {{pattern: "^a.c$"}}
      - name: dollar
        logicalType: string
        logicalTypeOptions: {{pattern: "[$]\\\\d+"}}
"""


def test_regex_dialects_agree_with_duckdb(spark, tmp_path):
    """Java's `$` matches before a final newline and its `.` stops at `\\r`; RE2's do not."""
    words = pd.DataFrame(
        {
            "id": [1, 2, 3, 4, 5],
            "upper": ["ABC", "ABC\n", "abc", "AB1", None],
            "digits": ["123-45", "123-456", "١٢٣-٤٥", "12-34", "123-45\n"],
            "dotted": ["abc", "a\rc", "a\nc", "a\u2028c", "abcd"],
            "dollar": ["$12", "12", "x$1", "$", "US$ 5"],
        }
    )
    on_duck, on_spark = _check_both(spark, tmp_path, REGEX_CONTRACT, {"words": words})
    assert on_duck == {  # stated by hand: RE2's reading
        "words.upper.pattern": 3,
        "words.digits.pattern": 4,
        "words.dotted.pattern": 2,
        "words.dollar.pattern": 3,
    }
    assert on_spark == on_duck


TIME_CONTRACT = """
apiVersion: v3.1.0
kind: DataContract
id: time-zones
version: 1.0.0
status: active
servers:
  - server: duck
    type: duckdb
    database: "{duck}"
schema:
  - name: events
    properties:
      - name: id
        logicalType: integer
        unique: true
      - name: at_utc
        logicalType: timestamp
        logicalTypeOptions:
          minimum: "2026-01-10T00:00:00+02:00"
          maximum: "2026-01-15T00:00:00Z"
      - name: at_local
        logicalType: timestamp
        logicalTypeOptions: {{minimum: "2026-01-10T00:00:00", maximum: "2026-01-15T00:00:00"}}
      - name: code
        logicalType: string
        unique: true
    quality:
      - metric: duplicateValues
        arguments: {{properties: [code, at_local]}}
        mustBe: 0
slaProperties:
  - property: freshness
    value: 1
    unit: d
    element: events.at_utc
"""


def test_time_zones_and_exact_distinct_counts_agree_with_duckdb(spark, tmp_path):
    """An aware column (Spark `timestamp`) and a naive one (`timestamp_ntz`) compared with
    bounds given with offsets; uniqueness counted exactly over 3000 values (an approximate
    distinct count would be off by dozens)."""
    n = 3000
    start = pd.Timestamp("2026-01-09T23:00:00")
    naive = [start + pd.Timedelta(minutes=7 * i) for i in range(n)]  # until 2026-01-24
    codes = [f"c{i}" for i in range(n)]
    for i in (10, 20, 30):
        codes[i + 1] = codes[i]  # three duplicates
    ids = list(range(n))
    ids[-1] = 0
    events = pd.DataFrame(
        {
            "id": ids,
            "at_utc": pd.Series(naive).dt.tz_localize("UTC"),
            "at_local": naive,
            "code": codes,
        }
    )
    on_duck, on_spark = _check_both(spark, tmp_path, TIME_CONTRACT, {"events": events})
    assert on_duck["events.code.unique"] == 3 and on_duck["events.id.unique"] == 1
    assert on_spark == on_duck
