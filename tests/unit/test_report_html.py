"""The HTML report from a real SQLite history store: hostile text is escaped, thresholds become
bands, and a table's latest verdict is that of its latest run."""

from __future__ import annotations

import datetime as dt

from lockgate.contract import rules as ir
from lockgate.judge.verdicts import judge
from lockgate.report.html import build_report
from lockgate.report.html.bounds import bounds
from lockgate.results.model import Measurement, ValidationResult
from lockgate.state.store import open_store

T0 = dt.datetime(2026, 1, 15, tzinfo=dt.UTC)
HOSTILE = "<script>alert(1)</script>"


def _run(store, failed: int, at: dt.datetime, table: str = "t") -> None:
    rule = ir.Rule(
        f"{table}.x.{HOSTILE}",
        table,
        "x",
        "maximum",
        ir.FailingRows(ir.OutOfRange("x", maximum=5)),
        ir.Threshold("mustBe", 0),
    )
    r = judge(rule, Measurement(failed_rows=failed, total_rows=10), at)
    if failed:
        r = type(r)(**{**r.__dict__, "samples": ({"id": 1, "x": HOSTILE},)})
    result = ValidationResult(f"c{HOSTILE}", "1", "h", "s", "sql", at, at, [r], {table: 10})
    store.record(result, {})


def test_hostile_text_is_escaped_and_the_latest_run_decides(tmp_path):
    with open_store(tmp_path / "h.sqlite") as store:
        _run(store, 2, T0)
        _run(store, 0, T0 + dt.timedelta(days=1))
        index = build_report(store, [], tmp_path / "out", now=T0)
    text = index.read_text()
    assert "<script" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert (
        'class="verdict PASSED"' in text and "FAILED</td>" in text
    )  # latest passed, first run failed
    assert text.count("<circle") == 2 + 2  # the rule's two runs, the loads chart's two runs


def test_thresholds_become_bounds():
    rule = ir.Rule(
        "t.rows", "t", None, "rowCount", ir.RowCount(), ir.Threshold("mustBeBetween", (10, 20))
    )
    assert [(b.value, b.allowed, b.label) for b in bounds(rule)] == [
        (10, "above", "value >= 10"),
        (20, "below", "value <= 20"),
    ]
    pct = ir.Rule(
        "t.x.nullValues",
        "t",
        "x",
        "nullValues",
        ir.FailingRows(ir.IsNull("x")),
        ir.Threshold("mustBeLessOrEqualTo", 5, "percent"),
    )
    assert [b.label for b in bounds(pct)] == ["allowed: failing rows <= 5%"]
    assert (
        bounds(
            ir.Rule(
                "t.x.adv", "t", "x", "advancement", ir.Advancement("x"), ir.Threshold("mustBe", 0)
            )
        )
        == []
    )
