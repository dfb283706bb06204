"""`lockgate selftest` on real engines: the every-rule-kind contract behaves, rules that can never
fail are reported, rules out of reach are listed, and an engine that misses a failure is caught."""

from __future__ import annotations

import json

import ibis
import pytest

import lockgate
from lockgate.contract import rules as ir
from lockgate.engines.sql.expressions import failing
from lockgate.selftest import MISBEHAVED, NEVER_FAILS, NOT_EXERCISED, OK, UNBREAKABLE, selftest
from tests.support.cli import lockgate as run
from tests.support.files import write_contract
from tests.support.orders import CONTRACT

HEADER = "apiVersion: v3.1.0\nkind: DataContract\nid: selftest\nversion: 1.0.0\nstatus: active\n"


def load(tmp_path, body: str, name="c.odcs.yaml"):
    return lockgate.load_contract(write_contract(tmp_path, HEADER + body, name))


def outcomes(report):
    return {o.rule.id: o for o in report.outcomes}


@pytest.mark.slow
def test_the_every_rule_kind_contract_behaves_on_both_engines(tmp_path):
    contract = lockgate.load_contract(
        write_contract(tmp_path, CONTRACT.format(duck_path="unused.duckdb", pg_schema="unused"))
    )
    report = selftest(contract)
    by_id = outcomes(report)
    assert {rid: o.status for rid, o in by_id.items() if o.status != OK} == {
        "big_orders": NOT_EXERCISED
    }
    assert report.passed and report.exit_code == 0
    assert report.rows == {
        "customers": 20,
        "orders": 100,
    }  # orders: its rowCount must be between 100 and 100000
    # what each rule was broken with, and that breaking one rule left the others alone
    assert by_id["orders.amount.minimum"].broken_by == "amount = -1.0 in 1 of 100 rows"
    assert by_id["orders.qty.exclusiveMaximum"].broken_by == "qty = 100 in 1 of 100 rows"
    assert (
        by_id["orders.country.nullValues"].broken_by == "country = None in 5 of 100 rows"
    )  # < 5 % allowed
    assert (
        by_id["orders.code.duplicateValues"].broken_by
        == "the key (code) of row 1 repeated in 61 of 100 rows"
    )  # <= 60 %
    assert (
        by_id["orders.shipped_at.latency"].broken_by
        == "shipped_at set 7 days, 1:00:00 after created_at in 1 of 100 rows"
    )
    assert by_id["customers.rowCount"].broken_by == "10 rows instead of 20"
    for rule_id in (
        "orders.amount.minimum",
        "orders.created_at.minimum",
        "orders.created_at.freshness",
        "orders.duplicateValues",
        "orders.customer_id.relationship",
        "country_iso",
    ):
        assert by_id[rule_id].also_failed == [], rule_id
    # emptying customers also fails its other row-count floor and orphans every order: reported
    assert by_id["customers_not_empty"].also_failed == [
        "customers.rowCount",
        "orders.customer_id.relationship",
    ]
    assert "a `type: sql` rule" in by_id["big_orders"].reason


VACUOUS = """
schema:
  - name: t
    properties:
      - name: id
        logicalType: integer
        primaryKey: true
        logicalTypeOptions:
          format: i32
          minimum: -1.0e+30
      - name: code
        logicalType: string
        physicalType: varchar(10)
        logicalTypeOptions:
          maxLength: 100000
      - name: share
        logicalType: number
        quality:
          - metric: nullValues
            mustBeLessOrEqualTo: 100
            unit: percent
      - name: n
        logicalType: integer
        logicalTypeOptions:
          multipleOf: 1
          maximum: 10
    quality:
      - metric: rowCount
        mustBeGreaterOrEqualTo: 0
"""


def test_rules_that_can_never_fail_are_reported(tmp_path):
    report = selftest(load(tmp_path, VACUOUS))
    never = {rid: o.reason for rid, o in outcomes(report).items() if o.status == NEVER_FAILS}
    assert never == {
        "t.id.minimum": (
            "minimum -1e+30 is outside format i32 "
            "(-2,147,483,648 to 2,147,483,647): no value "
            "it allows breaks it"
        ),
        "t.code.maxLength": (
            "maxLength 100000 is at least the length of varchar(10): no value is longer"
        ),
        "t.share.nullValues": "<= 100% accepts every possible value of the metric",
        "t.n.multipleOf": "every integer is a multiple of 1",
        "t.rowCount": ">= 0 rows accepts every possible value of the metric",
    }
    # the rules next to them are real, and are proven so
    assert {rid for rid, o in outcomes(report).items() if o.status == OK} == {
        "t.id.logicalType",
        "t.id.required",
        "t.id.primaryKey",
        "t.id.format",
        "t.code.logicalType",
        "t.share.logicalType",
        "t.n.logicalType",
        "t.n.maximum",
    }
    assert not report.passed and report.exit_code == 1


def test_rules_out_of_reach_are_listed_not_hidden(tmp_path):
    body = """
schema:
  - name: events
    properties:
      - name: event_id
        logicalType: integer
        primaryKey: true
      - name: user_id
        logicalType: string
        relationships:
          - to: users.user_id
      - name: at
        logicalType: timestamp
        quality:
          - type: custom
            engine: lockgate
            implementation:
              check: advancement
    quality:
      - type: sql
        query: SELECT COUNT(*) FROM {object}
        mustBeGreaterThan: 0
"""
    by_id = outcomes(selftest(load(tmp_path, body)))
    reasons = {rid: o.reason for rid, o in by_id.items() if o.status == NOT_EXERCISED}
    assert reasons == {
        "events.user_id.relationship": "a relationship to users, a table outside this contract",
        "events.at.advancement": (
            "stateful check advancement: judged against "
            "earlier runs or a reference profile, "
            "not one dataset"
        ),
        "events.sql": (
            "a `type: sql` rule: its query is opaque, so selftest cannot tell which data fails it"
        ),
    }
    assert by_id["events.event_id.primaryKey"].status == OK


def test_a_rule_no_data_can_reach_is_unbreakable_and_one_that_cannot_pass_misbehaves(tmp_path):
    body = """
schema:
  - name: t
    properties:
      - name: a
        logicalType: integer
        quality:
          - metric: nullValues
            mustBeGreaterThan: 0
    quality:
      - metric: rowCount
        mustBeLessOrEqualTo: 1000000
"""
    by_id = outcomes(selftest(load(tmp_path, body)))
    assert (by_id["t.rowCount"].status, by_id["t.rowCount"].reason) == (
        UNBREAKABLE,
        "no row count up to 10,000 fails <= 1000000 rows",
    )
    assert by_id["t.a.nullValues"].status == MISBEHAVED
    assert by_id["t.a.nullValues"].reason.startswith(
        "failed on valid data (sql engine: observed 0; frame engine: observed 0)"
    )


@pytest.fixture
def sql_engine_blind_to_ranges(monkeypatch):
    """A deliberately broken SQL engine: out-of-range values never count as failing."""
    monkeypatch.setitem(failing.handlers, ir.OutOfRange, lambda p, t: ibis.literal(False))


def test_an_engine_that_misses_a_failure_is_caught(tmp_path, sql_engine_blind_to_ranges):
    body = (
        "schema:\n  - name: t\n    properties:\n      - {name: x, logicalType: integer, "
        "logicalTypeOptions: {minimum: 0}}\n"
    )
    by_id = outcomes(selftest(load(tmp_path, body)))
    assert by_id["t.x.minimum"].status == MISBEHAVED
    assert by_id["t.x.minimum"].reason == "sql engine: passed the breaking data (observed 0)"
    assert by_id["t.x.logicalType"].status == OK


def test_cli_text_json_and_exit_codes(tmp_path):
    good = write_contract(
        tmp_path,
        HEADER + "schema:\n  - name: t\n    properties:\n      - {name: x, logicalType: integer, "
        "required: true, logicalTypeOptions: {maximum: 9}}\n",
        "good.odcs.yaml",
    )
    proc = run("selftest", good, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split() == [
        "ok",
        "t.x.logicalType",
        "fails",
        "when",
        "x",
        "stored",
        "as",
        "number",
        "instead",
        "of",
        "integer",
    ]
    assert lines[-1].startswith(
        "PASSED: 3 ok — contract selftest 1.0.0, 3 rules, sql and frame engines (t 20 rows)"
    )
    bad = write_contract(tmp_path, HEADER + VACUOUS, "bad.odcs.yaml")
    proc = run("selftest", bad, "--format", "json", cwd=tmp_path)
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    assert report["passed"] is False and report["rows"] == {"t": 20}
    first = report["rules"][0]
    assert first == {
        "rule": "t.id.logicalType",
        "table": "t",
        "column": "id",
        "check": "logicalType",
        "status": "ok",
        "reason": None,
        "breaking_data": "id stored as number instead of integer",
        "also_failed": [],
    }
    proc = run("selftest", tmp_path / "missing.odcs.yaml", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stderr.startswith("lockgate: error:")


def test_a_row_count_ceiling_dates_and_time_zones(tmp_path):
    body = """
schema:
  - name: days
    properties:
      - {name: day_id, logicalType: integer, primaryKey: true}
      - {name: day, logicalType: date, required: true, logicalTypeOptions: {minimum: "2020-01-01"}}
      - {name: stamped_at, logicalType: timestamp, logicalTypeOptions: {timezone: true}}
      - {name: open, logicalType: boolean, required: true}
    quality:
      - metric: rowCount
        mustBeLessOrEqualTo: 30
slaProperties:
  - {property: freshness, value: 3, unit: d, element: days.day}
"""
    report = selftest(load(tmp_path, body))
    by_id = outcomes(report)
    assert {rid: o.status for rid, o in by_id.items() if o.status != OK} == {}
    assert by_id["days.rowCount"].broken_by == "31 rows instead of 20"
    assert by_id["days.stamped_at.logicalType"].broken_by == "stamped_at stored without a time zone"
    assert by_id["days.day.freshness"].broken_by.startswith(
        "every day moved 4 days, 0:00:00 into the past"
    )
    assert (
        by_id["days.day.minimum"].broken_by == "day = datetime.date(2019, 12, 31) in 1 of 20 rows"
    )
    assert all(not o.also_failed for o in report.outcomes if o.rule.id != "days.day.logicalType"), [
        (o.rule.id, o.also_failed) for o in report.outcomes
    ]


@pytest.mark.postgres
def test_the_date_bound_defect_selftest_found_is_fixed_on_postgres(tmp_path, pg_schema):
    """Selftest caught the frame engine failing to compare Python dates (what psycopg returns for
    DATE) with a date bound, where the SQL engine counted the row: both engines now agree."""
    con, schema = pg_schema
    con.execute(
        f'CREATE TABLE "{schema}".days (day date); INSERT INTO "{schema}".days VALUES '
        "('2024-01-01'), ('2019-05-01')"
    )
    servers = (
        f"servers: [{{server: pg, type: postgres, host: 127.0.0.1, port: 5432, database: test, "
        f"schema: {schema}}}]\n"
    )
    contract = load(
        tmp_path,
        servers
        + "schema:\n  - name: days\n    properties:\n      - {name: day, logicalType: date, "
        "logicalTypeOptions: {minimum: '2020-01-01'}}\n",
    )
    for engine in ("sql", "frame"):
        result = lockgate.validate(contract, engine=engine).result("days.day.minimum")
        assert (result.passed, result.failed_rows, result.error) == (False, 1, None), engine
