"""The compiled-plan cache (lockgate.engines.sql.plan_cache): a warm check gives the verdicts of
a cold one without importing ibis or sqlglot, and every change that could change a verdict
(contract edit, column type, another server, lockgate's code) misses the cache; a tampered or
unsigned cache file is not run."""

from __future__ import annotations

import hashlib
import hmac
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
    monkeypatch.setenv("LOCKGATE_CACHE_DIR", str(tmp_path / "user-cache"))  # the signing key's
    db = duckdb_with(tmp_path / "one.duckdb", {"t": _frame()})
    text_amount = _frame().astype({"amount": "string"})
    db2 = duckdb_with(tmp_path / "two.duckdb", {"t": text_amount})

    def contract(maximum: int = 10):
        text = CONTRACT.format(db=db, db2=db2, maximum=maximum)
        return lockgate.load_contract(write_contract(tmp_path, text))

    return tmp_path, db, contract


def _cache_files(tmp_path):
    return sorted((tmp_path / "plans").glob("*.json"))


def _read(path):
    """A cache file's plan: its first line is the signature, the rest the plan's JSON."""
    return json.loads(path.read_bytes().partition(b"\n")[2])


def _tamper(path, data, secret: bytes | None = None) -> None:
    """Write `data` as the file's plan: under the old signature, or signed with `secret`."""
    signature = path.read_bytes().partition(b"\n")[0]
    payload = json.dumps(data).encode()
    if secret is not None:
        signature = hmac.new(secret, payload, hashlib.sha256).hexdigest().encode()
    path.write_bytes(signature + b"\n" + payload)


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
        "    engine = SqlEngine(con, contract_hash=c.content_hash)\n"
        "    m = engine.measure(c.tables[0], rules)\n"
        "    failed = [r for r in rules if r.id == 't.amount.maximum']\n"
        "    s = engine.samples(c.tables[0], failed, 5)\n"
        "print(sorted({n.split('.')[0] for n in sys.modules} & {'ibis', 'sqlglot'}))\n"
        "print(m['t.amount.required'].failed_rows)\n"
        "print(s['t.amount.maximum'])\n"
    )
    env = {**os.environ, plan_cache.CACHE_ENV: str(tmp_path / "plans")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    samples = "[{'amount': 20.0}]"  # the sample query came from the cache too
    assert out.stdout.splitlines() == ["[]", "1", samples]
    # and without the cache, measuring does import them (the test can fail)
    env[plan_cache.CACHE_ENV] = "off"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.splitlines() == ["['ibis', 'sqlglot']", "1", samples]


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
    data = _read(path)
    data["batches"] = [[sql, ["__rows"]]]
    _tamper(path, data)
    warm = lockgate.validate(contract())
    assert _verdicts(warm) == _verdicts(cold)
    assert not (tmp_path / "stolen.csv").exists()
    assert _read(path)["batches"][0][0] != sql  # replaced by a fresh plan


def test_a_plan_signed_with_another_secret_is_not_run(setup):
    """What a cache file committed into the project or copied from another machine is: its
    signature is valid, but not under this user's key."""
    tmp_path, _db, contract = setup
    cold = lockgate.validate(contract())
    (path,) = _cache_files(tmp_path)
    data = _read(path)
    data["batches"] = [["COPY t TO 'stolen.csv'", ["__rows"]]]
    _tamper(path, data, secret=b"x" * plan_cache.KEY_BYTES)
    assert _verdicts(lockgate.validate(contract())) == _verdicts(cold)
    assert not (tmp_path / "stolen.csv").exists()


def test_the_signing_key_is_private_and_made_once(setup):
    tmp_path, _db, contract = setup
    lockgate.validate(contract())
    key = plan_cache.key_file()
    assert key.is_relative_to(tmp_path / "user-cache")
    assert key.stat().st_mode & 0o777 == 0o600
    secret = key.read_bytes()
    assert len(secret) == plan_cache.KEY_BYTES
    lockgate.validate(contract(100))
    assert key.read_bytes() == secret


def test_no_user_cache_folder_no_plan_cache(setup, monkeypatch):
    """With lockgate's per-user folder turned off there is no key to sign with: nothing is
    cached, and checks are as right as ever."""
    tmp_path, _db, contract = setup
    monkeypatch.setenv("LOCKGATE_CACHE_DIR", "off")
    cold = lockgate.validate(contract())
    assert _verdicts(lockgate.validate(contract())) == _verdicts(cold)
    assert _cache_files(tmp_path) == []


def test_without_a_signing_key_nothing_is_trusted(setup):
    """A lost key (a new machine, a cleared ~/.cache) makes every cache file a miss."""
    tmp_path, _db, contract = setup
    cold = lockgate.validate(contract())
    (path,) = _cache_files(tmp_path)
    data = _read(path)
    data["batches"] = [["COPY t TO 'stolen.csv'", ["__rows"]]]
    _tamper(path, data, secret=plan_cache.key_file().read_bytes())
    plan_cache.key_file().unlink()
    assert _verdicts(lockgate.validate(contract())) == _verdicts(cold)
    assert not (tmp_path / "stolen.csv").exists()


def test_a_query_smuggled_into_a_cached_plan_is_not_run(setup):
    tmp_path, _db, contract = setup
    cold = lockgate.validate(contract())
    (path,) = _cache_files(tmp_path)
    data = _read(path)
    rule = "t.amount.required"  # a scan metric, whose query would run unguarded by the engine
    data["metric_of"].pop(rule)
    data["queries"][rule] = "COPY t TO 'stolen.csv'"
    _tamper(path, data)
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
