"""The same contract, every rule kind, on DuckDB (SQL engine), PostgreSQL (SQL engine) and pandas
(frame engine): identical per-rule verdicts and failed-row counts, on clean and corrupted data."""

from __future__ import annotations

import pytest

import lockgate
from tests.support.files import duckdb_with, write_contract
from tests.support.orders import (
    CONTRACT,
    CORRUPTED_FAILED_ROWS,
    CORRUPTED_FAILING,
    NOW,
    customers,
    orders,
)
from tests.support.postgres import pg_load_frame


def _load(tmp_path, corrupted: bool, pg_schema_name: str):
    frames = {"orders": orders(corrupted), "customers": customers(corrupted)}
    duck = duckdb_with(tmp_path / "parity.duckdb", frames)
    path = write_contract(tmp_path, CONTRACT.format(duck_path=duck, pg_schema=pg_schema_name))
    return lockgate.load_contract(path), frames


def _verdicts(result):
    return {r.rule.id: (r.passed, r.failed_rows) for r in result.results}


@pytest.mark.postgres
@pytest.mark.parametrize("corrupted", [False, True], ids=["clean", "corrupted"])
def test_every_engine_gives_the_same_verdicts(tmp_path, pg_schema, corrupted):
    con, schema = pg_schema
    contract, frames = _load(tmp_path, corrupted, schema)
    for name, df in frames.items():
        pg_load_frame(con, schema, name, df)

    duck = lockgate.validate(contract, "duck", as_of=NOW)
    pg = lockgate.validate(contract, "pg", as_of=NOW)
    frame = lockgate.validate_frames(contract, frames, as_of=NOW)

    assert len(duck.results) == len(contract.rules) == 47
    assert _verdicts(duck) == _verdicts(pg)
    assert _verdicts(duck) == _verdicts(frame)
    for result in (duck, pg, frame):
        errors = {r.rule.id: r.error for r in result.results if r.error}
        assert errors == {}, (
            f"{result.engine}/{result.server}: rules that could not be measured: {errors}"
        )

    failing = {r.rule.id for r in duck.results if not r.passed}
    if not corrupted:
        assert failing == set()
        assert duck.passed and pg.passed and frame.passed
    else:
        assert failing == CORRUPTED_FAILING
        counts = {rule_id: duck.result(rule_id).failed_rows for rule_id in CORRUPTED_FAILED_ROWS}
        assert counts == CORRUPTED_FAILED_ROWS
        assert not duck.passed and not pg.passed and not frame.passed


def test_frame_engine_alone_matches_the_truth(tmp_path):
    """The same check without PostgreSQL, so the frame engine is covered on every machine."""
    contract, frames = _load(tmp_path, True, "unused")
    frame = lockgate.validate_frames(contract, frames, as_of=NOW)
    duck = lockgate.validate(contract, "duck", as_of=NOW)
    assert {r.rule.id for r in frame.results if not r.passed} == CORRUPTED_FAILING
    assert {k: frame.result(k).failed_rows for k in CORRUPTED_FAILED_ROWS} == CORRUPTED_FAILED_ROWS
    assert _verdicts(frame) == _verdicts(duck)


def test_samples_name_the_offending_rows(tmp_path):
    contract, frames = _load(tmp_path, True, "unused")
    for result in (
        lockgate.validate(contract, "duck", as_of=NOW),
        lockgate.validate_frames(contract, frames, as_of=NOW),
    ):
        status = result.result("orders.status.invalidValues")
        assert [s["order_id"] for s in status.samples] == [7, 8]
        assert {s["status"] for s in status.samples} == {"lost"}
        pk = result.result("orders.order_id.primaryKey")
        assert pk.samples == (({"order_id": 1, "duplicate_count": 2}),)
        orphan = result.result("orders.customer_id.relationship")
        assert [(s["order_id"], s["customer_id"]) for s in orphan.samples] == [(6, "zzz")]
        assert result.result("orders.amount.minimum").samples[0]["amount"] == -5.0
        # passing rules carry no samples
        assert result.result("orders.order_id.required").samples == ()


# --- NaN and infinity: one rule for every engine --------------------------------------------------
# NaN counts as NULL (docs/detectors.md, "NaN and infinity"): `required` and nullValues count it,
# value rules skip it. ±inf are ordinary numbers, outside any finite range, multiples of nothing.

NAN = float("nan")
INF = float("inf")
NAN_ROWS = [  # (id, value, level, score): None is NULL, NAN is NaN
    (1, 1.0, 1.0, NAN),
    (2, NAN, NAN, NAN),
    (3, INF, 2.0, 1.0),
    (4, -INF, 3.0, 2.0),
    (5, None, None, 3.0),
    (6, 2.5, 1.0, 4.0),
    (7, 10.0, 2.0, 4.0),
]
NAN_EXPECTED = {  # rule id -> failed rows, stated by hand
    "readings.value.required": 2,  # NaN and NULL
    "readings.value.nullValues": 2,
    "readings.value.minimum": 1,  # -inf
    "readings.value.maximum": 1,  # inf
    "readings.value.multipleOf": 2,  # ±inf
    "readings.level.invalidValues": 1,  # 3.0; NaN and NULL are not judged
    "readings.score.unique": 1,  # 4.0 twice; the two NaN are no key
}

NAN_CONTRACT = """
apiVersion: v3.1.0
kind: DataContract
id: parity-nan
version: 1.0.0
status: active
servers:
  - server: duck
    type: duckdb
    database: "{duck_path}"
  - server: pg
    type: postgres
    host: 127.0.0.1
    port: 5432
    database: test
    schema: "{pg_schema}"
schema:
  - name: readings
    properties:
      - name: id
        logicalType: integer
        primaryKey: true
      - name: value
        logicalType: number
        required: true
        logicalTypeOptions: {{minimum: 0, maximum: 10, multipleOf: 0.5}}
        quality:
          - metric: nullValues
            mustBe: 0
      - name: level
        logicalType: number
        quality:
          - metric: invalidValues
            arguments: {{validValues: [1.0, 2.0]}}
            mustBe: 0
      - name: score
        logicalType: number
        unique: true
"""


def _nan_duckdb(path) -> None:
    import duckdb

    con = duckdb.connect(str(path))
    try:
        con.execute("CREATE TABLE readings (id BIGINT, value DOUBLE, level DOUBLE, score DOUBLE)")
        con.executemany("INSERT INTO readings VALUES (?, ?, ?, ?)", NAN_ROWS)
    finally:
        con.close()


def _nan_frames() -> dict[str, dict]:
    """numpy floats (NaN and NULL are one value there) and pyarrow doubles (they are two)."""
    import pandas as pd
    import pyarrow as pa

    columns = list(zip(*NAN_ROWS))
    numpy = pd.DataFrame(
        {
            "id": columns[0],
            **{
                n: [NAN if v is None else v for v in c]
                for n, c in zip(("value", "level", "score"), columns[1:])
            },
        }
    )
    arrow = pd.DataFrame(
        {
            "id": columns[0],
            **{
                n: pd.arrays.ArrowExtensionArray(pa.array(c, pa.float64()))
                for n, c in zip(("value", "level", "score"), columns[1:])
            },
        }
    )
    return {"numpy": {"readings": numpy}, "pyarrow": {"readings": arrow}}


def _nan_contract(tmp_path, pg_schema_name: str):
    duck = tmp_path / "nan.duckdb"
    _nan_duckdb(duck)
    text = NAN_CONTRACT.format(duck_path=duck, pg_schema=pg_schema_name)
    return lockgate.load_contract(write_contract(tmp_path, text, "nan.odcs.yaml"))


def _nan_verdicts(result) -> dict[str, int]:
    errors = {r.rule.id: r.error for r in result.results if r.error}
    assert errors == {}, f"{result.engine}/{result.server}: {errors}"
    return {r.rule.id: r.failed_rows for r in result.results if not r.passed}


def test_nan_and_infinity_give_one_verdict_on_duckdb_and_pandas(tmp_path):
    contract = _nan_contract(tmp_path, "unused")
    assert _nan_verdicts(lockgate.validate(contract, "duck", as_of=NOW)) == NAN_EXPECTED
    for kind, frames in _nan_frames().items():
        assert (
            _nan_verdicts(lockgate.validate_frames(contract, frames, as_of=NOW)) == NAN_EXPECTED
        ), kind


@pytest.mark.postgres
def test_nan_and_infinity_give_the_same_verdict_on_postgres(tmp_path, pg_schema):
    """PostgreSQL's float8 NaN equals itself and sorts above every number: the same verdicts."""
    con, schema = pg_schema
    con.execute(
        f'CREATE TABLE "{schema}".readings (id BIGINT, value DOUBLE PRECISION, level '
        "DOUBLE PRECISION, score DOUBLE PRECISION)"
    )
    with con.cursor() as cur:
        cur.executemany(f'INSERT INTO "{schema}".readings VALUES (%s, %s, %s, %s)', NAN_ROWS)
    contract = _nan_contract(tmp_path, schema)
    assert _nan_verdicts(lockgate.validate(contract, "pg", as_of=NOW)) == NAN_EXPECTED


def test_profiles_count_nan_as_null_on_duckdb_and_pandas(tmp_path):
    """The history rules' profiles (nullCount, nullRate) follow the same NaN rule as the checks."""
    import dataclasses

    from lockgate.connectors import connect
    from lockgate.contract import rules as ir
    from lockgate.engines.frame.engine import FrameEngine
    from lockgate.engines.sql.engine import SqlEngine
    from lockgate.validation import run_engine

    contract = _nan_contract(tmp_path, "unused")
    nulls = ir.Rule(
        "readings.value.nulls",
        "readings",
        "value",
        "anomaly",
        ir.Anomaly("nullCount", "value"),
        ir.Threshold("mustBe", 0, "value"),
    )
    contract = dataclasses.replace(contract, rules=(*contract.rules, nulls))
    with connect(contract.server("duck")) as connector:
        engine = SqlEngine(connector)
        run_engine(contract, engine, server="duck", as_of=NOW, record=False)
    engines = {"duckdb": engine}
    for kind, frames in _nan_frames().items():
        engines[kind] = FrameEngine(frames, contract)
        run_engine(contract, engines[kind], server=None, as_of=NOW, record=False)
    non_null = {
        name: e.profiles["readings"].columns["value"].non_null for name, e in engines.items()
    }
    assert non_null == {"duckdb": 5, "numpy": 5, "pyarrow": 5}
