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
            "created_at": pd.Timestamp("2026-02-01")
            + pd.Timedelta(days=day)
            + pd.to_timedelta(np.arange(n), unit="min"),
        }
    )


def setup(tmp_path, day: int, *, drift: bool, shift: float = 0.0):
    db = duckdb_with(tmp_path / f"day{day}.duckdb", {"orders": orders(day, shift)})
    return write_contract(
        tmp_path,
        CONTRACT.format(
            db=db,
            amount_rules=DRIFT
            if drift
            else "          - {type: custom, engine: lockgate, implementation: {check: constant}}\n",
        ),
        "shop.odcs.yaml",
    )


def test_check_records_runs_in_the_working_directory_and_history_shows_them(tmp_path, monkeypatch):
    monkeypatch.delenv("LOCKGATE_HISTORY")  # the default location is what this test is about
    contract = setup(tmp_path, 0, drift=False)
    assert (
        lockgate("check", contract, "--as-of", "2026-02-01T09:00:00Z", cwd=tmp_path).returncode == 0
    )
    store = tmp_path / ".lockgate" / "history.sqlite"
    assert store.exists()
    # the same data again: a retry repeats the load's verdicts, and --no-history records nothing
    assert (
        lockgate(
            "check", contract, "--no-history", "--as-of", "2026-02-01T09:05:00Z", cwd=tmp_path
        ).returncode
        == 0
    )
    assert sqlite3.connect(store).execute("SELECT count(*) FROM runs").fetchone()[0] == 1
    retry = lockgate(
        "check", contract, "-f", "json", "--as-of", "2026-02-01T09:10:00+00:00", cwd=tmp_path
    )
    assert retry.returncode == 0, [
        r for r in json.loads(retry.stdout)["results"] if not r["passed"]
    ]
    assert list(json.loads(retry.stdout)) == [
        "contract",
        "version",
        "passed",
        "results",
    ]  # no key added

    # the next day's load, then a reload the day after that changed nothing: idle for a whole day
    contract = setup(tmp_path, 1, drift=False)
    assert (
        lockgate("check", contract, "--as-of", "2026-02-02T09:00:00", cwd=tmp_path).returncode == 0
    )  # naive: UTC
    stale = lockgate(
        "check", contract, "-f", "json", "--as-of", "2026-02-03T10:00:00+01:00", cwd=tmp_path
    )
    assert stale.returncode == 1
    failed = [r for r in json.loads(stale.stdout)["results"] if not r["passed"]]
    assert [(r["rule"], r["observed"]) for r in failed] == [
        ("orders.created_at.advancement", ("did not advance: latest 2026-02-02 08:19:00 unchanged for 1d (since 2026-02-02 09:00:00), "
         "longer than the idle allowance 21h 36m (learned: 90% of the median 1d between loads, 1 interval)"))
    ]  # fmt: skip
    assert list(failed[0]) == [
        "rule",
        "schema",
        "column",
        "check",
        "severity",
        "passed",
        "observed",
        "expected",
        "failed_rows",
        "samples",
    ]

    text = lockgate("history", "orders", cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0] == "4 latest run(s) of table orders (.lockgate/history.sqlite), newest first:"
    assert lines[1].startswith(
        "  #4  2026-02-03 09:00:00 UTC  FAILED  shop 2.0.0  server duck (sql)  500 rows, 1 of 8 rules failed, retry of #3"
    )
    assert (
        lines[2]
        .strip()
        .startswith("error   orders.created_at.advancement [created_at]: did not advance")
    )
    assert lines[3].startswith(
        "  #3  2026-02-02 09:00:00 UTC  passed  shop 2.0.0  server duck (sql)  500 rows, 8 rules"
    )
    assert (
        lines[4].endswith("500 rows, 8 rules, retry of #1")
        and "#2  2026-02-01 09:10:00 UTC" in lines[4]
    )
    assert not lines[5].endswith("retry of #1")
    runs = json.loads(
        lockgate(
            "history",
            "orders",
            "--contract",
            "shop",
            "--limit",
            "1",
            "--format",
            "json",
            cwd=tmp_path,
        ).stdout
    )
    assert [(r["run_id"], r["passed"], r["row_count"], r["retry_of"]) for r in runs] == [
        (4, False, 500, 3)
    ]
    assert lockgate("history", "orders", "--contract", "other", cwd=tmp_path).stdout.startswith(
        "no recorded runs of table orders"
    )
    bad = lockgate("check", contract, "--as-of", "yesterday", cwd=tmp_path)
    assert bad.returncode == 2 and "--as-of 'yesterday' is not an ISO 8601 time" in bad.stderr


def test_an_unusable_store_is_an_error_not_a_run_whose_stateful_rules_were_not_checked(tmp_path):
    contract = setup(tmp_path, 0, drift=False)
    (tmp_path / "not-a-dir").write_text("x")
    proc = lockgate(
        "check",
        contract,
        "--history",
        tmp_path / "not-a-dir" / "h.sqlite",
        "-f",
        "json",
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert "lockgate: error: cannot open the history store" in proc.stderr
    assert "LOCKGATE_HISTORY" in proc.stderr and proc.stdout == ""


def test_profile_writes_a_deterministic_reference_that_drift_rules_read(tmp_path):
    contract = setup(tmp_path, 0, drift=True)
    missing = lockgate("check", contract, cwd=tmp_path)
    assert (
        missing.returncode == 2
        and "reference profile profiles/orders.json not found" in missing.stderr
    )
    target = tmp_path / "profiles" / "orders.json"
    made = lockgate("profile", contract, "--server", "duck", "--output", target, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    first = target.read_bytes()
    assert lockgate("profile", contract, "--output", target, cwd=tmp_path).returncode == 0
    assert target.read_bytes() == first  # same data, same bytes: a reviewable file
    profile = json.loads(first)
    assert (
        profile["contract"] == {"id": "shop", "version": "2.0.0"}
        and profile["source"] == "server duck"
    )
    columns = profile["tables"]["orders"]["columns"]
    assert list(columns) == ["amount", "channel"]  # the key and the timestamp are not profiled
    assert columns["amount"]["kind"] == "numeric" and sum(columns["amount"]["counts"]) == 500
    assert set(columns["channel"]["frequencies"]) == {"web", "ios", "android"}

    same = json.loads(
        lockgate("check", contract, "-f", "json", "--no-history", cwd=tmp_path).stdout
    )["results"]
    drift = {r["rule"]: r for r in same if r["check"] == "drift"}
    assert drift["orders.amount.drift"]["passed"] and drift["orders.amount.drift"][
        "observed"
    ].startswith("amount did not drift: Wasserstein/std = 0.00")
    assert drift["amount_psi"]["passed"]

    shifted = setup(tmp_path, 1, drift=True, shift=15.0)  # another day, every amount 15 higher
    moved = {
        r["rule"]: r
        for r in json.loads(
            lockgate("check", shifted, "-f", "json", "--no-history", cwd=tmp_path).stdout
        )["results"]
    }
    assert not moved["orders.amount.drift"]["passed"]
    assert moved["orders.amount.drift"]["observed"].startswith(
        "amount drifted: Wasserstein/std = 0."
    )
    assert (
        not moved["amount_psi"]["passed"]
        and moved["amount_psi"]["expected"]
        == "PSI < 0.25 (warn at 0.1) against profiles/orders.json"
    )
