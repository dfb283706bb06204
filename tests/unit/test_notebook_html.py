"""Jupyter's HTML view of a ValidationResult and a ContractViolation: verdict, failing rules
first with bounds, observed vs expected and samples; every contract or data string escaped."""

from __future__ import annotations

import datetime as dt

from lockgate.contract.rules import FailingRows, OutOfRange, RowCount, Rule, Threshold
from lockgate.guard import ContractViolation, Violation
from lockgate.results.model import RuleResult, ValidationResult

EVIL = "<script>alert('x')</script>"


def _result() -> ValidationResult:
    ok = Rule("t.rows", "t", None, "rowCount", RowCount(), Threshold("mustBeGreaterThan", 10))
    bad = Rule(
        f"t.{EVIL}.maximum",
        "t",
        EVIL,
        "maximum",
        FailingRows(OutOfRange(EVIL, maximum=5)),
        Threshold("mustBe", 0),
    )
    result = ValidationResult(
        "c<1>", "1.0.0", "h", "local", "sql", dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    )
    result.results = [
        RuleResult(ok, True, 100, "> 10 rows"),
        RuleResult(
            bad,
            False,
            2,
            "= 0 rows",
            failed_rows=2,
            total_rows=100,
            samples=({"id": 7, EVIL: "<img src=x onerror=alert(1)>"},),
        ),
    ]
    return result


def test_a_failed_result_shows_failing_rules_first_with_bounds_and_samples():
    html = _result()._repr_html_()
    assert "FAILED: contract c&lt;1&gt; 1.0.0 on server local, 2 rules, 1 failed" in html
    assert html.index("maximum") < html.index("1 passing rule(s)") < html.index("t.rows")
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &lt;= 5" in html  # the bound
    assert "2 of 100" in html and "id=7" in html


def test_every_contract_and_data_string_is_escaped():
    html = _result()._repr_html_()
    violation = Violation(
        "c",
        "1.0.0",
        "t",
        "rule failed",
        rule=EVIL,
        column=EVIL,
        observed=EVIL,
        expected=EVIL,
        failed_rows=3,
        sample_keys=[{"k": "<b>bold</b>"}],
    )
    refused = ContractViolation(f"training {EVIL}", [violation])._repr_html_()
    for text in (html, refused):
        assert "<script" not in text and "<img" not in text and "<b>" not in text
    assert (
        "training &lt;script&gt;" in refused
        and "k=&lt;b&gt;bold&lt;/b&gt;" in refused
        and "3" in refused
    )


def test_a_passing_result_folds_its_rules_away():
    result = _result()
    result.results = result.results[:1]
    html = result._repr_html_()
    assert "PASSED" in html and "<details><summary>1 passing rule(s)</summary>" in html
