"""The stateful detectors on the reference marketplace simulator (dagster_project.simulator):
30 clean daily loads raise no error-severity failure, and freezing professionals.rating fails
the change-rate rule of exactly that column on the first load after the freeze."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest

import lockgate
from dagster_project.simulator import DuckDBTarget, land_days, land_next_day
from lockgate.state.store import open_store
from tests.support.cli import REPO
from tests.support.cli import lockgate as lockgate_cli
from tests.support.files import write_contract

START = dt.date(2026, 3, 2)
SCALE = 0.5  # 700 professionals, ~165 requests a day: the detectors' behaviour, at half the time


def custom(check: str, **args) -> str:
    impl = ", ".join([f"check: {check}", *(f"{k}: {v}" for k, v in args.items())])
    return f"{{type: custom, engine: lockgate, implementation: {{{impl}}}}}"


def contract_text(db) -> str:
    return f"""
apiVersion: v3.1.0
kind: DataContract
id: marketplace-raw
version: 1.0.0
status: active
servers:
  - server: warehouse
    type: duckdb
    database: "{db}"
    schema: raw
schema:
  - name: professionals
    properties:
      - {{name: professional_id, logicalType: string, primaryKey: true}}
      - {{name: joined_at, logicalType: timestamp}}
      - {{name: primary_category, logicalType: string, quality: [{custom("constant")}]}}
      - {{name: region, logicalType: string, quality: [{custom("constant")}]}}
      - {{name: hourly_rate_eur, logicalType: number, quality: [{custom("anomaly", metric="mean")}]}}
      - name: rating
        logicalType: number
        quality:
          - {custom("changeRate")}
          - {custom("anomaly", metric="nullRate")}
          - {custom("anomaly", metric="mean")}
      - name: response_rate
        logicalType: number
        quality:
          - {custom("changeRate")}
          - {custom("anomaly", metric="nullRate")}
      - {{name: n_reviews, logicalType: integer}}
      - {{name: is_active, logicalType: boolean, quality: [{custom("constant")}]}}
      - {{name: updated_at, logicalType: timestamp, quality: [{custom("advancement")}]}}
      - {{name: _loaded_at, logicalType: timestamp}}
    quality:
      - {custom("anomaly", metric="rowCount")}
  - name: service_requests
    properties:
      - {{name: request_id, logicalType: string, primaryKey: true}}
      - {{name: customer_id, logicalType: string}}
      - {{name: category, logicalType: string, quality: [{custom("constant", maxTopShare=0.9)}]}}
      - {{name: region, logicalType: string}}
      - {{name: requested_at, logicalType: timestamp, quality: [{custom("advancement")}]}}
      - {{name: urgency, logicalType: string}}
      - {{name: preferred_date, logicalType: date, quality: [{custom("anomaly", metric="nullRate")}]}}
      - {{name: budget_eur, logicalType: number, quality: [{custom("anomaly", metric="mean")}]}}
      - {{name: channel, logicalType: string}}
      - {{name: _loaded_at, logicalType: timestamp, quality: [{custom("advancement")}]}}
    quality:
      - {custom("anomaly", metric="rowsAdded")}
  - name: quotes
    properties:
      - {{name: quote_id, logicalType: string, primaryKey: true}}
      - {{name: request_id, logicalType: string}}
      - {{name: professional_id, logicalType: string}}
      - {{name: quoted_at, logicalType: timestamp, quality: [{custom("advancement")}]}}
      - {{name: price_eur, logicalType: number, quality: [{custom("anomaly", metric="mean")}, {custom("anomaly", metric="nullRate")}]}}
      - {{name: _loaded_at, logicalType: timestamp}}
    quality:
      - {custom("anomaly", metric="rowsAdded")}
"""


@pytest.mark.slow
def test_thirty_clean_loads_pass_and_a_frozen_rating_fails_on_the_first_frozen_load(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    target = DuckDBTarget(db, "raw")
    contract_path = write_contract(tmp_path, contract_text(db))
    contract = lockgate.load_contract(contract_path)
    history = tmp_path / "history.sqlite"

    land_days(target, 1, start=START, scale=SCALE)
    with open_store(history) as store:
        for day in range(31):  # the first load, then 30 daily loads
            if day:
                land_next_day(target)
            result = lockgate.validate(contract, history=store)
            blocking = [(r.rule.id, r.observed) for r in result.results if r.blocking_failure]
            assert blocking == [], f"load {day}: {blocking}"
        last = {r.rule.id: r for r in result.results}
    # by now every detector judges for real (no "not enough history" left)
    assert last["professionals.rating.changeRate"].observed.startswith("rating changed in ")
    assert last["professionals.anomaly.rowCount"].observed.startswith("rowCount ")
    assert last["quotes.anomaly.rowsAdded"].observed.startswith("rowsAdded ")
    assert last["service_requests.requested_at.advancement"].observed.startswith("latest ")

    # the other application's ETL stops updating professionals.rating (the simulator's own CLI)
    land = subprocess.run(
        [sys.executable, "-m", "dagster_project.simulator", "next-day", "--warehouse", str(db), "--raw-schema", "raw",
         "--inject", "frozen:professionals.rating"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert land.returncode == 0, land.stderr
    check = lockgate_cli(
        "check", contract_path, "--format", "json", "--history", history, cwd=tmp_path
    )
    assert check.returncode == 1, check.stderr
    report = json.loads(check.stdout)
    failed = {(r["rule"], r["severity"]) for r in report["results"] if not r["passed"]}
    assert failed == {("professionals.rating.changeRate", "error")}
    frozen = next(r for r in report["results"] if r["rule"] == "professionals.rating.changeRate")
    assert frozen["observed"].startswith("frozen? rating changed in 0 of ")
    live = next(
        r for r in report["results"] if r["rule"] == "professionals.response_rate.changeRate"
    )
    assert live["passed"] and live["observed"].startswith("response_rate changed in ")
    # the frozen ratings look perfectly normal to a mean-anomaly rule: that is the point
    assert next(r for r in report["results"] if r["rule"] == "professionals.rating.anomaly.mean")[
        "passed"
    ]

    shown = json.loads(
        lockgate_cli(
            "history", "professionals", "--history", history, "-n", "1", "-f", "json", cwd=tmp_path
        ).stdout
    )
    assert [f["rule"] for f in shown[0]["failed"]] == ["professionals.rating.changeRate"]

    land_next_day(target)  # the upstream is fixed: stale ratings are re-sent
    with open_store(history) as store:
        repaired = lockgate.validate(contract, history=store)
    assert [r.rule.id for r in repaired.results if r.blocking_failure] == []
