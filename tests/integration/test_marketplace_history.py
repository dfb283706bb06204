"""The reference contracts' stateful rules on day-by-day loads of the marketplace simulator:
30 clean daily loads raise no error-severity failure; the first load after an upstream job stops
updating a column fails that column's changeRate rule, and only that."""

from __future__ import annotations

import datetime as dt

import pytest

import lockgate
from dagster_project.simulator import DuckDBTarget, Failure, land_days, land_next_day, status
from lockgate.state.store import open_store
from tests.support.cli import REPO

pytestmark = pytest.mark.slow


def test_thirty_clean_days_then_a_frozen_column(tmp_path, monkeypatch):
    """Each load is judged on the morning after it ran (lockgate's clock, LOCKGATE_TODAY)."""
    warehouse = tmp_path / "marketplace.duckdb"
    monkeypatch.setenv("LOCKGATE_WAREHOUSE", str(warehouse))
    target = DuckDBTarget(warehouse, "raw")
    land_days(target, 20)
    contracts = [
        lockgate.load_contract(p)
        for p in sorted((REPO / "contracts" / "sources").glob("*.odcs.yaml"))
    ]
    history = open_store(tmp_path / "history.sqlite")

    def errors_after(failures=()):
        day = status(target).state.next_day
        monkeypatch.setenv("LOCKGATE_TODAY", (day + dt.timedelta(days=1)).isoformat())
        land_next_day(target, failures)
        failed = []
        for contract in contracts:
            result = lockgate.validate(contract, history=history)
            failed += [(r.rule.id, str(r.observed)) for r in result.results if r.blocking_failure]
        return failed

    for day in range(30):
        assert errors_after() == [], f"clean day {day + 1}"

    frozen = errors_after([Failure("frozen", "professionals", "rating")])
    assert [rule for rule, _ in frozen] == ["professionals.rating.changeRate"]
    assert frozen[0][1].startswith("frozen? rating changed in 0 of ")

    # the rule uses history that the failed run itself must not poison: the next clean load passes
    assert errors_after() == []
