"""lockgate's one clock: LOCKGATE_TODAY pins "now" to that date's 00:00 UTC."""

from __future__ import annotations

import datetime as dt

import pytest

from lockgate import clock
from lockgate.errors import LockgateError


def test_a_pinned_clock_reads_midnight_utc_of_the_date(monkeypatch):
    monkeypatch.setenv("LOCKGATE_TODAY", "2026-06-30")
    assert clock.now() == dt.datetime(2026, 6, 30, tzinfo=dt.UTC)
    assert clock.now_naive() == dt.datetime(2026, 6, 30)
    assert clock.today() == dt.date(2026, 6, 30) == clock.pinned()


def test_unset_it_is_the_real_utc_time(monkeypatch):
    monkeypatch.delenv("LOCKGATE_TODAY", raising=False)
    before = dt.datetime.now(dt.UTC)
    now = clock.now()
    assert clock.pinned() is None and now.tzinfo is not None
    assert before <= now <= dt.datetime.now(dt.UTC)


def test_a_bad_date_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("LOCKGATE_TODAY", "30/06/2026")
    with pytest.raises(LockgateError, match=r"LOCKGATE_TODAY='30/06/2026' is not an ISO date"):
        clock.now()


def test_pinned_to_restores_the_previous_setting(monkeypatch):
    monkeypatch.setenv("LOCKGATE_TODAY", "2026-06-30")
    with clock.pinned_to(dt.date(2026, 7, 2)):
        assert clock.today() == dt.date(2026, 7, 2)
    assert clock.today() == dt.date(2026, 6, 30)
    monkeypatch.delenv("LOCKGATE_TODAY")
    with clock.pinned_to(dt.date(2026, 7, 2)):
        assert clock.pinned() == dt.date(2026, 7, 2)
    assert clock.pinned() is None


def test_the_freshness_rule_judges_on_the_clock(monkeypatch, tmp_path):
    """validate's default `now` is the clock: the same data is fresh or stale by LOCKGATE_TODAY."""
    import pandas as pd

    import lockgate

    text = """\
apiVersion: v3.1.0
kind: DataContract
id: loads
version: 1.0.0
status: active
schema:
  - name: loads
    properties:
      - {name: loaded_at, logicalType: timestamp}
slaProperties:
  - {property: freshness, value: 26, unit: h, element: loads.loaded_at}
"""
    (tmp_path / "loads.odcs.yaml").write_text(text)
    contract = lockgate.load_contract(tmp_path / "loads.odcs.yaml")
    frame = pd.DataFrame({"loaded_at": pd.to_datetime(["2026-06-29 23:30:00"])})
    monkeypatch.setenv("LOCKGATE_TODAY", "2026-06-30")
    fresh = lockgate.validate_frames(contract, {"loads": frame}).result("loads.loaded_at.freshness")
    assert fresh.passed and "30m old" in str(fresh.observed), fresh.observed
    monkeypatch.setenv("LOCKGATE_TODAY", "2026-07-02")
    stale = lockgate.validate_frames(contract, {"loads": frame}).result("loads.loaded_at.freshness")
    assert not stale.passed, stale.observed
