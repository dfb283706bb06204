"""The text report fits the terminal, never splits a rule id, and says what each rule was."""

from __future__ import annotations

import datetime as dt

from lockgate.contract import rules as ir
from lockgate.judge.verdicts import judge
from lockgate.report.text import render, terminal_width
from lockgate.results.model import Measurement, ValidationResult

NOW = dt.datetime(2026, 1, 15, tzinfo=dt.UTC)
LONG_ID = "dim_professionals._loaded_at.advancement_of_the_professionals_table"


def _result() -> ValidationResult:
    kwh = ir.Rule(
        "readings.kwh.maximum",
        "readings",
        "kwh",
        "maximum",
        ir.FailingRows(ir.OutOfRange("kwh", maximum=50)),
        ir.Threshold("mustBe", 0),
    )
    tariff = ir.Rule(
        LONG_ID,
        "readings",
        "tariff",
        "invalidValues",
        ir.FailingRows(ir.NotInSet("tariff", ("peak", "offpeak", "shoulder", "night"))),
        ir.Threshold("mustBe", 0),
    )
    rows = ir.Rule(
        "readings.rowCount",
        "readings",
        None,
        "rowCount",
        ir.RowCount(),
        ir.Threshold("mustBeGreaterThan", 10),
    )
    bad = judge(kwh, Measurement(failed_rows=3, total_rows=1200), NOW)
    bad = type(bad)(**{**bad.__dict__, "samples": ({"reading_id": 7, "kwh": 6360.0},)})
    results = [
        judge(rows, Measurement(value=1200, total_rows=1200), NOW),
        judge(tariff, Measurement(failed_rows=0, total_rows=1200), NOW),
        bad,
    ]
    return ValidationResult("quick", "1.0.0", "h", "local", "sql", NOW, NOW, results)


def test_failures_first_state_their_rule_and_passes_fit_one_line():
    out = render(_result(), width=60)
    lines = out.splitlines()
    assert lines[0] == "FAIL  readings.kwh.maximum [maximum, column kwh]"
    assert lines[1] == "      kwh <= 50: 3 of 1,200 rows break it (allowed: 0)"
    assert lines[2] == "      sample: reading_id=7, kwh=6360.0"
    assert lines[3] == "pass  2 other rule(s) passed; --verbose lists them"
    assert lines[4].startswith("FAILED: 1 error rule(s) failed")
    assert all(len(line) <= 60 for line in lines), lines


def test_verbose_lists_passes_and_never_splits_an_id_at_any_width():
    for width in (40, 55, 80, 120):
        out = render(_result(), width=width, verbose=True)
        assert out.count(LONG_ID) == 1, (width, out)  # whole, on one line
        lines = out.splitlines()
        assert all(len(line) <= width or LONG_ID in line for line in lines), (width, lines)
    wide = render(_result(), width=200, verbose=True)
    assert "pass  readings.rowCount: row count > 10 rows: observed 1,200" in wide
    assert (
        f"pass  {LONG_ID}: tariff in ['peak', 'offpeak', 'shoulder', 'night']: none of "
        "1,200 rows break it" in wide
    )


def test_width_comes_from_columns(monkeypatch):
    monkeypatch.setenv("COLUMNS", "73")
    assert terminal_width() == 73
    assert all(
        len(line) <= 73 or LONG_ID in line for line in render(_result(), verbose=True).splitlines()
    )
