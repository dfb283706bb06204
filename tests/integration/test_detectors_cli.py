"""The command line of the stateful rules: `check` records runs (or not), `history` shows them,
`profile` writes the reference file a drift rule reads."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pandas as pd

from tests.support.cli import lockgate
from tests.support.files import duckdb_with, write_contract

CONTRACT = """
apiVersion: v3.1.0
kind: DataContract
id: shop
version: 2.0.0
status: active
servers:
  - server: duck
    type: duckdb
    database: "{db}"
schema:
  - name: orders
    properties:
      - name: order_id
        logicalType: integer
        primaryKey: true
      - name: amount
        logicalType: number
        quality:
{amount_rules}
      - name: channel
        logicalType: string
      - name: created_at
        logicalType: timestamp
        quality:
          - {{type: custom, engine: lockgate, implementation: {{check: advancement}}}}
"""
DRIFT = """\
          - {type: custom, engine: lockgate, implementation: {check: drift, reference: profiles/orders.json}}
          - {type: custom, engine: lockgate, implementation: {check: drift, reference: profiles/orders.json, method: psi}, id: amount_psi}
"""


def orders(day: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(day)
    n = 500
    return pd.DataFrame(
        {
            "order_id": np.arange(n),
            "amount": np.round(rng.gamma(2.0, 20.0, n) + shift, 2),
            "channel": rng.choice(["web", "ios", "android"], n, p=[0.5, 0.3, 0.2]),
            "created_at": pd.Timestamp("2026-02-01") + pd.Timedelta(days=day) + pd.to_timedelta(np.arange(n), unit="min"),
        }
    )


def setup(tmp_path, day: int, *, drift: bool, shift: float = 0.0):
    db = duckdb_with(tmp_path / f"day{day}.duckdb", {"orders": orders(day, shift)})
    return write_contract(tmp_path, CONTRACT.format(db=db, amount_rules=DRIFT if drift else "          - {type: custom, engine: lockgate, implementation: {check: constant}}\n"), "shop.odcs.yaml")


def test_check_records_runs_in_the_working_directory_and_history_shows_them(tmp_path, monkeypatch):
    monkeypatch.delenv("LOCKGATE_HISTORY")  # the default location is what this test is about
    contract = setup(tmp_path, 0, drift=False)
    assert lockgate("check", contract, cwd=tmp_path).returncode == 0
    store = tmp_path / ".lockgate" / "history.sqlite"
    assert store.exists()
    assert lockgate("check", contract, "--no-history", cwd=tmp_path).returncode == 1  # advancement: nothing new
    assert sqlite3.connect(store).execute("SELECT count(*) FROM runs").fetchone()[0] == 1  # not recorded
    stale = lockgate("check", contract, "-f", "json", cwd=tmp_path)
    assert stale.returncode == 1
    failed = [r for r in json.loads(stale.stdout)["results"] if not r["passed"]]
    assert [(r["rule"], r["observed"]) for r in failed] == [
        ("orders.created_at.advancement", "did not advance: latest 2026-02-01 08:19:00, previous run 2026-02-01 08:19:00")
    ]
    assert list(failed[0]) == ["rule", "schema", "column", "check", "severity", "passed", "observed", "expected", "failed_rows", "samples"]

    text = lockgate("history", "orders", cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0] == "2 latest run(s) of table orders (.lockgate/history.sqlite), newest first:"
    assert "FAILED  shop 2.0.0  server duck (sql)  500 rows, 1 of 8 rules failed" in lines[1]
    assert lines[2].strip() == "error   orders.created_at.advancement [created_at]: did not advance: latest 2026-02-01 08:19:00, previous run 2026-02-01 08:19:00"
    assert "passed  shop 2.0.0  server duck (sql)  500 rows, 8 rules" in lines[3]
    runs = json.loads(lockgate("history", "orders", "--contract", "shop", "--limit", "1", "--format", "json", cwd=tmp_path).stdout)
    assert [(r["run_id"], r["passed"], r["row_count"]) for r in runs] == [(2, False, 500)]
    assert lockgate("history", "orders", "--contract", "other", cwd=tmp_path).stdout.startswith("no recorded runs of table orders")


def test_an_unusable_store_is_an_error_not_a_run_whose_stateful_rules_were_not_checked(tmp_path):
    contract = setup(tmp_path, 0, drift=False)
    (tmp_path / "not-a-dir").write_text("x")
    proc = lockgate("check", contract, "--history", tmp_path / "not-a-dir" / "h.sqlite", "-f", "json", cwd=tmp_path)
    assert proc.returncode == 2
    assert "lockgate: error: cannot open the history store" in proc.stderr
    assert "LOCKGATE_HISTORY" in proc.stderr and proc.stdout == ""


def test_profile_writes_a_deterministic_reference_that_drift_rules_read(tmp_path):
    contract = setup(tmp_path, 0, drift=True)
    missing = lockgate("check", contract, cwd=tmp_path)
    assert missing.returncode == 2 and "reference profile profiles/orders.json not found" in missing.stderr
    target = tmp_path / "profiles" / "orders.json"
    made = lockgate("profile", contract, "--server", "duck", "--output", target, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    first = target.read_bytes()
    assert lockgate("profile", contract, "--output", target, cwd=tmp_path).returncode == 0
    assert target.read_bytes() == first  # same data, same bytes: a reviewable file
    profile = json.loads(first)
    assert profile["contract"] == {"id": "shop", "version": "2.0.0"} and profile["source"] == "server duck"
    columns = profile["tables"]["orders"]["columns"]
    assert list(columns) == ["amount", "channel"]  # the key and the timestamp are not profiled
    assert columns["amount"]["kind"] == "numeric" and sum(columns["amount"]["counts"]) == 500
    assert set(columns["channel"]["frequencies"]) == {"web", "ios", "android"}

    same = json.loads(lockgate("check", contract, "-f", "json", "--no-history", cwd=tmp_path).stdout)["results"]
    drift = {r["rule"]: r for r in same if r["check"] == "drift"}
    assert drift["orders.amount.drift"]["passed"] and drift["orders.amount.drift"]["observed"].startswith("amount did not drift: Wasserstein/std = 0.00")
    assert drift["amount_psi"]["passed"]

    shifted = setup(tmp_path, 1, drift=True, shift=15.0)  # another day, every amount 15 higher
    moved = {r["rule"]: r for r in json.loads(lockgate("check", shifted, "-f", "json", "--no-history", cwd=tmp_path).stdout)["results"]}
    assert not moved["orders.amount.drift"]["passed"]
    assert moved["orders.amount.drift"]["observed"].startswith("amount drifted: Wasserstein/std = 0.")
    assert not moved["amount_psi"]["passed"] and moved["amount_psi"]["expected"] == "PSI < 0.25 (warn at 0.1) against profiles/orders.json"
