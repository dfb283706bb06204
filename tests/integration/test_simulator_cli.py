"""The simulator's command line, run as a subprocess like a user would."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pandas as pd
import pytest

from dagster_project.simulator import DuckDBTarget, land_days
from dagster_project.simulator.schema import TABLES

try:
    from .simulator_fixtures import REPO_ROOT, START, read_raw
except ImportError:
    from simulator_fixtures import REPO_ROOT, START, read_raw


def cli(*args: str, warehouse=None, env: dict[str, str] | None = None, timeout: int = 300):
    cmd = [sys.executable, "-m", "dagster_project.simulator", *args]
    if warehouse is not None:
        cmd += ["--warehouse", str(warehouse)]
    return subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=timeout,
        env=os.environ | (env or {}),
        check=False,
    )


@pytest.mark.parametrize(
    ("inject", "message"),
    [
        (
            "freeze:professionals.rating",
            "unknown failure kind 'freeze'; valid kinds: frozen, nulls, constant",
        ),
        ("nulls:pros.rating", "unknown table 'pros'; valid tables: customers, professionals"),
        (
            "nulls:quotes.amount",
            (
                "column 'amount' of quotes is not valid for nulls; valid columns: request_id, "
                "professional_id, quoted_at, price_eur, _loaded_at"
            ),
        ),
        (
            "frozen:quotes.price_eur",
            (
                "frozen does not apply to table 'quotes'; valid tables: customers, "
                "professionals, professional_daily_stats"
            ),
        ),
        (
            "frozen:professionals",
            (
                "frozen needs a column: frozen:professionals.COLUMN; valid columns: "
                "hourly_rate_eur, rating"
            ),
        ),
        ("stale:hires.hired_at", "stale takes a table, not a column: use stale:hires"),
        ("unit_change:quotes.quoted_at", "valid columns: price_eur"),
        ("partial_load:quotes,fraction=3", "fraction of partial_load must be within [0, 1]"),
        (
            "partial_load:quotes,speed=3",
            "unknown parameter 'speed' for partial_load; valid parameters: fraction",
        ),
        ("nulls", "expected KIND:table[.column]"),
    ],
)
def test_bad_inject_is_one_clear_line(tmp_path, inject, message):
    result = cli("land", "--days", "2", "--inject", inject, warehouse=tmp_path / "w.duckdb")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and message in lines[0], lines[0]
    assert not (tmp_path / "w.duckdb").exists()  # refused before touching the warehouse


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["land", "--days", "0"], "--days: must be >= 1, got 0"),
        (["land", "--days", "x"], "not an integer: 'x'"),
        (["land", "--target", "oracle"], "invalid choice: 'oracle' (choose from duckdb, postgres)"),
        (["land", "--start-date", "2026-13-01"], "not a date (YYYY-MM-DD)"),
        (["launch"], "invalid choice: 'launch'"),
    ],
)
def test_bad_arguments_are_one_clear_line(tmp_path, args, message):
    result = cli(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message.replace("(choose from duckdb, postgres)", "") in lines[0], (
        result.stderr
    )


def test_next_day_needs_a_landed_warehouse(tmp_path):
    result = cli("next-day", warehouse=tmp_path / "empty.duckdb")
    assert result.returncode == 2
    assert "nothing landed yet" in result.stderr


def test_land_next_day_status_and_reset(tmp_path):
    path = tmp_path / "w.duckdb"
    start = START.isoformat()
    result = cli("land", "--days", "3", "--start-date", start, "--seed", "11", warehouse=path)
    assert result.returncode == 0, result.stderr
    assert "landed 3/3" in result.stdout

    result = cli(
        "next-day",
        "--inject",
        "frozen:professionals.rating",
        "--inject",
        "partial_load:quotes,fraction=0.05",
        warehouse=path,
    )
    assert result.returncode == 0, result.stderr
    assert (
        "frozen:professionals.rating" in result.stdout
        and "partial_load:quotes,fraction=0.05" in result.stdout
    )

    result = cli("status", warehouse=path)
    assert result.returncode == 0, result.stderr
    assert "seed 11, scale 1, days 2026-03-02 .. 2026-03-05 (4 loads)" in result.stdout
    assert (
        "dirty tables (repaired by the next clean load): professional_daily_stats, professionals, quotes"
        in result.stdout
    )
    assert (
        "2026-03-05: " in result.stdout
        and "quotes [partial_load:quotes,fraction=0.05]" in result.stdout
    )

    result = cli("land", "--days", "1", "--seed", "12", warehouse=path)
    assert result.returncode == 2 and "seed 11, not 12" in result.stderr

    # the processes above continued one timeline: equal to landing it in one go in-process
    result = cli("next-day", warehouse=path)
    assert result.returncode == 0, result.stderr
    reference = DuckDBTarget(tmp_path / "reference.duckdb")
    land_days(reference, 5, seed=11, start=START)
    for table in TABLES:
        got = read_raw(DuckDBTarget(path), table).drop(columns="_loaded_at")
        expected = read_raw(reference, table).drop(columns="_loaded_at")
        pd.testing.assert_frame_equal(got, expected, obj=table)

    result = cli("reset", "--days", "2", warehouse=path)
    assert result.returncode == 0, result.stderr
    assert "dropped 8 table(s)" in result.stdout
    result = cli("status", warehouse=path)
    # the session pins LOCKGATE_TODAY=2026-06-30 (00:00 UTC): the newest complete day is 06-29
    assert "seed 42, scale 1, days 2026-06-28 .. 2026-06-29 (2 loads)" in result.stdout


def test_a_day_whose_load_has_not_run_on_the_clock_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "w.duckdb"
    monkeypatch.setenv("LOCKGATE_TODAY", "2026-03-04")  # 00:00: the load of 03-03 is the last run
    result = cli("land", "--days", "3", "--start-date", START.isoformat(), warehouse=path)
    assert result.returncode == 2 and "day 2026-03-04 cannot land yet" in result.stderr, (
        result.stderr
    )
    result = cli("land", "--days", "2", "--start-date", START.isoformat(), warehouse=path)
    assert result.returncode == 0, result.stderr
    result = cli("next-day", warehouse=path)
    assert result.returncode == 2 and "LOCKGATE_TODAY" in result.stderr, result.stderr
    monkeypatch.setenv("LOCKGATE_TODAY", "2026-03-0x")
    result = cli("status", warehouse=path)
    assert result.returncode == 0  # status reads no clock
    result = cli("next-day", warehouse=path)
    assert (
        result.returncode == 1 and "LOCKGATE_TODAY='2026-03-0x' is not an ISO date" in result.stderr
    )


def test_warehouse_in_use_is_a_clear_error(tmp_path):
    import duckdb

    path = tmp_path / "w.duckdb"
    land_days(DuckDBTarget(path), 1, start=START)
    code = f"import duckdb, time; c = duckdb.connect({str(path)!r}); print('ok', flush=True); time.sleep(60)"
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        result = cli("next-day", warehouse=path)
        assert result.returncode == 1
        assert len(result.stderr.strip().splitlines()) == 1 and "lock" in result.stderr.lower(), (
            result.stderr
        )
    finally:
        holder.kill()
        holder.wait()
    duckdb.connect(str(path)).close()


def test_postgres_target_errors_clearly_without_a_server(tmp_path):
    result = cli(
        "status",
        "--target",
        "postgres",
        env={"LOCKGATE_PG_PORT": "1", "LOCKGATE_PG_HOST": "127.0.0.1"},
    )
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith(
        "error: OperationalError"
    )


@pytest.mark.slow
def test_ninety_default_days_timing(tmp_path, capsys):
    """Measured, not asserted: the brief asks for well under a minute on 2 cores."""
    started = time.perf_counter()
    result = cli("land", "--days", "90", warehouse=tmp_path / "w.duckdb")
    elapsed = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("landed ") >= 9  # a progress line per 10 days
    with capsys.disabled():
        print(
            f"\n[timing] python -m dagster_project.simulator land --days 90 (duckdb, scale 1): {elapsed:.1f}s "
            f"wall, including interpreter start; simulator says: {result.stdout.strip().splitlines()[-1]}"
        )
