"""The compiled-plan cache (lockgate.engines.sql.plan_cache): a warm check gives the verdicts of
a cold one without importing ibis or sqlglot, and every change that could change a verdict
(contract edit, column type, another server, lockgate's code) misses the cache; a tampered
cache file is not run."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import duckdb
import pandas as pd
import pytest

import lockgate
from lockgate.engines.sql import plan_cache
from tests.support.files import duckdb_with, write_contract

CONTRACT = """
apiVersion: v3.1.0
kind: DataContract
id: cache-test
version: 1.0.0
status: active
servers:
  - server: one
    type: duckdb
    database: {db}
  - server: two
    type: duckdb
    database: {db2}
schema:
  - name: t
    properties:
      - name: id
        logicalType: integer
        unique: true
      - name: amount
        logicalType: number
        required: true
        logicalTypeOptions:
          maximum: {maximum}
"""


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"id": [1, 2, 3, 3], "amount": [1.0, 5.0, None, 20.0]})


def _verdicts(result):
    return [(r.rule.id, r.passed, r.observed, r.failed_rows, r.samples) for r in result.results]


@pytest.fixture
def setup(tmp_path, monkeypatch):
    monkeypatch.setenv(plan_cache.CACHE_ENV, str(tmp_path / "plans"))
    db = duckdb_with(tmp_path / "one.duckdb", {"t": _frame()})
    text_amount = _frame().astype({"amount": "string"})
    db2 = duckdb_with(tmp_path / "two.duckdb", {"t": text_amount})

    def contract(maximum: int = 10):
        text = CONTRACT.format(db=db, db2=db2, maximum=maximum)
        return lockgate.load_contract(write_contract(tmp_path, text))

    return tmp_path, db, contract


def _cache_files(tmp_path):
    return sorted((tmp_path / "plans").glob("*.json"))


def test_warm_check_gives_the_cold_verdicts(setup):
    tmp_path, _db, contract = setup
    cold = lockgate.validate(contract())
    assert len(_cache_files(tmp_path)) == 1
    warm = lockgate.validate(contract())
    assert _verdicts(warm) == _verdicts(cold)
    assert not warm.result("t.amount.maximum").passed  # 20 > 10, with its sample
    assert warm.result("t.amount.maximum").samples
    assert warm.result("t.id.unique").failed_rows == 1


def test_warm_check_needs_neither_ibis_nor_sqlglot(setup):
    tmp_path, _db, contract = setup
    path = contract().file
    lockgate.validate(contract())  # fills the cache
    code = (
        "import sys, lockgate\n"
        "from lockgate.contract.rules import judging_phase\n"
        "from lockgate.connectors import connect\n"
        "from lockgate.engines.sql.engine import SqlEngine\n"
        f"c = lockgate.load_contract({str(path)!r})\n"
        "rules = sorted(c.rules_for('t'), key=judging_phase)\n"
        "with connect(c.servers[0]) as con:\n"
        "    m = SqlEngine(con, contract_hash=c.content_hash).measure(c.tables[0], rules)\n"
        "print(sorted({n.split('.')[0] for n in sys.modules} & {'ibis', 'sqlglot'}))\n"
        "print(m['t.amount.required'].failed_rows)\n"
    )
    env = {**os.environ, plan_cache.CACHE_ENV: str(tmp_path / "plans")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["[]", "1"]
    # and without the cache, measuring does import them (the test can fail)
    env[plan_cache.CACHE_ENV] = "off"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.splitlines() == ["['ibis', 'sqlglot']", "1"]


def test_contract_edit_misses_the_cache(setup):
    tmp_path, _db, contract = setup
    assert not lockgate.validate(contract(10)).result("t.amount.maximum").passed
    assert lockgate.validate(contract(100)).result("t.amount.maximum").passed
    assert len(_cache_files(tmp_path)) == 2


def test_column_type_change_misses_the_cache(setup):
    tmp_path, db, contract = setup
    assert lockgate.validate(contract()).result("t.amount.logicalType").passed
    with duckdb.connect(str(db)) as con:
        con.execute("ALTER TABLE t ALTER amount TYPE VARCHAR")
    result = lockgate.validate(contract())
    assert not result.result("t.amount.logicalType").passed
    assert len(_cache_files(tmp_path)) == 2


def test_another_server_with_other_types_gets_its_own_plan(setup):
    tmp_path, _db, contract = setup
    lockgate.validate(contract(), "one")
    two = lockgate.validate(contract(), "two")
    assert not two.result("t.amount.logicalType").passed
    assert len(_cache_files(tmp_path)) == 2


def test_a_code_change_misses_the_cache(setup, monkeypatch):
    tmp_path, _db, contract = setup
    lockgate.validate(contract())
    monkeypatch.setattr(lockgate.version, "__version__", "99.0.0")
    lockgate.validate(contract())
    assert len(_cache_files(tmp_path)) == 2


@pytest.mark.parametrize(
    "sql",
    [
        "COPY t TO 'stolen.csv'",
        "SELECT content AS __rows FROM read_text('/etc/hostname')",
        "SELECT 1 AS __rows; DROP TABLE t",
    ],
)
def test_a_tampered_cache_file_is_not_run(setup, sql):
    tmp_path, _db, contract = setup
    cold = lockgate.validate(contract())
    (path,) = _cache_files(tmp_path)
    data = json.loads(path.read_text())
    data["batches"] = [[sql, ["__rows"]]]
    path.write_text(json.dumps(data))
    warm = lockgate.validate(contract())
    assert _verdicts(warm) == _verdicts(cold)
    assert not (tmp_path / "stolen.csv").exists()
    assert json.loads(path.read_text())["batches"][0][0] != sql  # replaced by a fresh plan


def test_a_query_smuggled_into_a_cached_plan_is_not_run(setup):
    tmp_path, _db, contract = setup
    cold = lockgate.validate(contract())
    (path,) = _cache_files(tmp_path)
    data = json.loads(path.read_text())
    rule = "t.amount.required"  # a scan metric, whose query would run unguarded by the engine
    data["metric_of"].pop(rule)
    data["queries"][rule] = "COPY t TO 'stolen.csv'"
    path.write_text(json.dumps(data))
    assert _verdicts(lockgate.validate(contract())) == _verdicts(cold)
    assert not (tmp_path / "stolen.csv").exists()


def test_a_cache_file_under_another_key_is_ignored(setup):
    tmp_path, _db, contract = setup
    cold = lockgate.validate(contract(10))
    (path,) = _cache_files(tmp_path)
    lockgate.validate(contract(100))
    other = next(p for p in _cache_files(tmp_path) if p != path)
    path.write_text(other.read_text())  # the plan of maximum 100 under the key of maximum 10
    assert _verdicts(lockgate.validate(contract(10))) == _verdicts(cold)
