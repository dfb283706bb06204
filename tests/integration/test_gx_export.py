"""`lockgate export --to gx` without Great Expectations: the suite format, what is left out and why,
determinism, and the threshold arithmetic that decides what GX can express exactly.

GX itself runs the suites in test_gx_parity.py (slow: GX takes seconds to import)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import lockgate
from lockgate.contract.rules import Threshold
from lockgate.gx.budgets import (
    ALL_MICRO_PERCENT,
    MICRO_PERCENT,
    Counts,
    accepted_counts,
    mostly_for_null_share,
)
from lockgate.gx.suite import not_exported, render, suites
from tests.support.cli import lockgate as run_cli
from tests.support.files import duckdb_with, write_contract
from tests.support.orders import CONTRACT, customers, orders

LOGICAL_TYPE_RULES = {
    "customers.customer_id.logicalType", "customers.segment.logicalType",
    "orders.order_id.logicalType", "orders.customer_id.logicalType", "orders.status.logicalType",
    "orders.email.logicalType", "orders.amount.logicalType", "orders.qty.logicalType",
    "orders.code.logicalType", "orders.note.logicalType", "orders.country.logicalType",
    "orders.priority.logicalType", "orders.created_at.logicalType", "orders.shipped_at.logicalType",
}  # fmt: skip

# rule id -> a word its reason must contain
NOT_EXPORTED = {
    **{rule: "dtype" for rule in LOGICAL_TYPE_RULES},
    "orders.customer_id.relationship": "referenced table",
    "orders.amount.multipleOf": "multiple-of",
    "orders.code.duplicateValues": "<= 60%",  # a percent budget of repeated keys
    "orders.note.missingValues": "shared by 2 conditions",  # nulls and placeholders share 10 %
    "country_iso": "shared by 2 conditions",  # invalid and mismatching values share 2 rows
    "big_orders": "SQL",
    "orders.extraColumns": "extra",
    "orders.created_at.freshness": "time of the check",
    "orders.shipped_at.latency": "time between two columns",
}

EXPECTED_EXPECTATIONS = {
    "customers.customer_id.required": [
        ("expect_column_values_to_not_be_null", {"column": "customer_id"})
    ],
    "customers.customer_id.primaryKey": [
        ("expect_column_values_to_be_unique", {"column": "customer_id"})
    ],
    # mustBeLessThan 1 row on an integer count is "no null"
    "customers.segment.nullValues": [
        ("expect_column_values_to_not_be_null", {"column": "segment"})
    ],
    "customers.rowCount": [("expect_table_row_count_to_be_between", {"min_value": 11})],
    "customers_not_empty": [("expect_table_row_count_to_be_between", {"min_value": 1})],
    "orders.status.invalidValues": [
        (
            "expect_column_values_to_be_in_set",
            {"column": "status", "value_set": ["new", "paid", "shipped"]},
        )
    ],
    "orders.qty.exclusiveMinimum": [
        (
            "expect_column_values_to_be_between",
            {"column": "qty", "min_value": 0, "strict_min": True},
        )
    ],
    "orders.qty.exclusiveMaximum": [
        (
            "expect_column_values_to_be_between",
            {"column": "qty", "max_value": 100, "strict_max": True},
        )
    ],
    "orders.code.pattern": [
        ("expect_column_values_to_match_regex", {"column": "code", "regex": "^[A-Z]+[0-9]*$"})
    ],
    "orders.code.minLength": [
        ("expect_column_value_lengths_to_be_between", {"column": "code", "min_value": 3})
    ],
    # < 5 % nulls on lockgate's 6-decimal grid: at most 4.999999 %, boundary half a step above
    "orders.country.nullValues": [
        ("expect_column_values_to_not_be_null", {"column": "country", "mostly": 0.950000005})
    ],
    "orders.created_at.minimum": [
        (
            "expect_column_values_to_be_between",
            {"column": "created_at", "min_value": "2020-01-01T00:00:00"},
        )
    ],
    # not between 50 and 100 % nulls: below 50 %
    "orders.shipped_at.nullValues": [
        ("expect_column_values_to_not_be_null", {"column": "shipped_at", "mostly": 0.500000005})
    ],
    "orders.rowCount": [
        ("expect_table_row_count_to_be_between", {"min_value": 100, "max_value": 100000})
    ],
    "orders.duplicateValues": [
        (
            "expect_compound_columns_to_be_unique",
            {"column_list": ["customer_id", "created_at"], "ignore_row_if": "any_value_is_missing"},
        )
    ],
}


@pytest.fixture(scope="module")
def contract_path(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gx-export")
    duck = duckdb_with(tmp / "orders.duckdb", {"orders": orders(), "customers": customers()})
    return write_contract(tmp, CONTRACT.format(duck_path=duck, pg_schema="unused"))


@pytest.fixture(scope="module")
def contract(contract_path):
    return lockgate.load_contract(contract_path)


def test_one_suite_per_table_named_after_the_contract(contract):
    out = json.loads(render(contract))
    assert list(out) == ["customers", "orders"]
    assert out["orders"]["name"] == "parity-orders.orders"
    meta = out["orders"]["meta"]
    assert (
        meta["lockgate_contract"] == "parity-orders"
        and meta["lockgate_contract_version"] == "1.2.0"
    )
    assert meta["lockgate_contract_sha256"] == contract.content_hash
    assert meta["lockgate_datetime_columns"] == ["created_at", "shipped_at"]
    assert "not in this suite" in out["orders"]["notes"]


def test_rules_map_to_the_documented_expectations(contract):
    by_rule: dict[str, list] = {}
    for suite in suites(contract).values():
        for e in suite["expectations"]:
            by_rule.setdefault(e["meta"]["lockgate_rule"], []).append((e["type"], e["kwargs"]))
    for rule_id, expected in EXPECTED_EXPECTATIONS.items():
        assert by_rule[rule_id] == expected, rule_id


def test_every_expectation_names_its_rule_and_severity(contract):
    severities = {r.id: r.severity for r in contract.rules}
    for suite in suites(contract).values():
        for e in suite["expectations"]:
            rule = e["meta"]["lockgate_rule"]
            assert e["meta"] == {"lockgate_rule": rule, "severity": severities[rule]}
            assert (
                e["severity"]
                == {"error": "critical", "warning": "warning", "info": "info"}[severities[rule]]
            )
            assert rule in e["notes"]


def test_exactly_the_inexpressible_rules_are_listed_with_a_reason(contract):
    skipped = {s["rule"]: s for s in not_exported(contract)}
    assert set(skipped) == set(NOT_EXPORTED)
    for rule_id, word in NOT_EXPORTED.items():
        assert word in skipped[rule_id]["reason"], (rule_id, skipped[rule_id]["reason"])
    exported = {
        e["meta"]["lockgate_rule"] for s in suites(contract).values() for e in s["expectations"]
    }
    assert exported | set(skipped) == {r.id for r in contract.rules}
    assert not exported & set(skipped)
    # each suite lists its own table's rules
    orders_skipped = {
        s["rule"] for s in suites(contract)["orders"]["meta"]["lockgate_not_exported"]
    }
    assert "customers.segment.logicalType" not in orders_skipped and "big_orders" in orders_skipped


def test_cli_export_is_byte_identical_sorted_and_notes_what_is_left_out(contract_path, tmp_path):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    runs = [
        run_cli("export", contract_path, "--to", "gx", "--output", target)
        for target in (first, second)
    ]
    for proc in runs:
        assert proc.returncode == 0, proc.stderr
        notes = [line for line in proc.stderr.splitlines() if "not exported to GX" in line]
        assert (
            len(notes) == 1
            and "orders.created_at.freshness" in notes[0]
            and "big_orders" in notes[0]
        )
    text = first.read_text(encoding="utf-8")
    assert first.read_bytes() == second.read_bytes()
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert (
        "great_expectations_version" not in text and "2026-" not in text
    )  # no GX version, no run time
    stdout = run_cli("export", contract_path, "--to", "gx")
    assert stdout.stdout == text


def test_exporting_does_not_import_great_expectations(contract_path):
    code = (
        "import sys, lockgate\n"
        "from lockgate.export import export\n"
        f"export(lockgate.load_contract({str(contract_path)!r}), 'gx')\n"
        "print('great_expectations' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "False"


# --- the threshold arithmetic ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("mustBe", 0, Counts(0, 0)),
        ("mustBe", 2.5, Counts(1, 0)),  # no integer count equals 2.5: always fails
        ("mustBeLessThan", 1, Counts(0, 0)),
        ("mustBeLessThan", 0.5, Counts(0, 0)),
        ("mustBeLessOrEqualTo", 0.9, Counts(0, 0)),
        ("mustBeLessOrEqualTo", 2, Counts(0, 2)),
        ("mustBeGreaterThan", 10, Counts(11, None)),
        ("mustBeGreaterThan", 10.5, Counts(11, None)),
        ("mustBeGreaterOrEqualTo", 10.5, Counts(11, None)),
        ("mustBeGreaterOrEqualTo", -3, Counts(0, None)),
        ("mustNotBe", 0, Counts(1, None)),
        ("mustNotBe", 0.5, Counts(0, None)),
        ("mustNotBe", 5, None),  # 0..4 or 6..: two ranges
        ("mustBeBetween", (100, 100000), Counts(100, 100000)),
        ("mustBeBetween", (0.5, 1.5), Counts(1, 1)),
        ("mustNotBeBetween", (3, 5), None),
        ("mustNotBeBetween", (-1, 5), Counts(6, None)),
    ],
)
def test_accepted_counts_follow_the_judge_on_integers(operator, value, expected):
    from lockgate.judge.verdicts import compare

    threshold = Threshold(operator, value, "rows")
    assert accepted_counts(threshold) == expected
    # cross-check against the judge itself on the counts around the interesting values
    for k in range(120):
        ok = compare(k, threshold)
        if expected is None:
            continue
        inside = expected.low <= k and (expected.high is None or k <= expected.high)
        assert ok == inside, (operator, value, k)


@pytest.mark.parametrize(
    ("operator", "value", "expected_high"),
    [
        ("mustBeLessOrEqualTo", 10, 10 * MICRO_PERCENT),
        ("mustBeLessThan", 5, 5 * MICRO_PERCENT - 1),
        ("mustBe", 0, 0),
        ("mustNotBeBetween", (50, 100), 50 * MICRO_PERCENT - 1),
        ("mustBeLessOrEqualTo", 100, None),
    ],
)
def test_null_share_budgets_become_mostly_on_lockgates_rounding_grid(
    operator, value, expected_high
):
    from lockgate.judge.verdicts import _percent, compare

    threshold = Threshold(operator, value, "percent")
    accepted = accepted_counts(threshold, scale=MICRO_PERCENT, maximum=ALL_MICRO_PERCENT)
    assert accepted == Counts(0, expected_high)
    mostly = mostly_for_null_share(accepted)
    # GX passes when (rows - nulls) / rows >= mostly; the judge when _percent(nulls, rows) passes
    for rows in (1, 3, 7, 20, 200, 999, 10_000, 123_457):
        for nulls in sorted(
            {
                0,
                1,
                rows // 20 - 1,
                rows // 20,
                rows // 20 + 1,
                rows // 2,
                rows // 2 + 1,
                rows - 1,
                rows,
            }
        ):
            if 0 <= nulls <= rows:
                assert ((rows - nulls) / rows >= mostly) == compare(
                    _percent(nulls, rows), threshold
                ), (operator, value, rows, nulls)


def test_a_minimum_share_of_nulls_is_not_exported(tmp_path):
    text = (
        "apiVersion: v3.1.0\nkind: DataContract\nid: mins\nversion: '1'\nstatus: active\n"
        "schema:\n  - name: t\n    properties:\n      - name: a\n        logicalType: string\n"
        "        quality:\n          - metric: nullValues\n            mustBeGreaterThan: "
        "10\n            unit: percent\n"
        "          - metric: nullValues\n            id: a_rows\n            "
        "mustBeLessOrEqualTo: 3\n"
    )
    skipped = {
        s["rule"]: s["reason"]
        for s in not_exported(lockgate.load_contract(write_contract(tmp_path, text)))
    }
    assert "from above only" in skipped["t.a.nullValues"]
    assert "never a number of rows" in skipped["a_rows"]
