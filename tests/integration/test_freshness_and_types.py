"""Freshness that cannot be fooled (timestamps in the future, placeholder dates) and rules that
meet a column type they cannot use: a failed rule that says why, while every other rule still runs.
Real DuckDB, the real PostgreSQL, pandas."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import lockgate
from lockgate.contract.loader import analyze
from tests.support.cli import lockgate as run_cli
from tests.support.files import duckdb_with, write_contract
from tests.support.postgres import pg_load_frame

NOW = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)

CONTRACT = """
apiVersion: v3.1.0
kind: DataContract
id: freshness-types
version: 1.0.0
status: active
servers:
  - server: duck
    type: duckdb
    database: "{duck}"
  - server: pg
    type: postgres
    host: 127.0.0.1
    port: 5432
    database: test
    schema: "{pg_schema}"
schema:
  - name: events
    properties:
      - name: event_id
        logicalType: integer
        primaryKey: true
      - name: loaded_at
        required: true
      - name: amount
        logicalType: number
        logicalTypeOptions: {{minimum: 0, maximum: 100}}
slaProperties:
  - property: freshness
    value: 1
    unit: d
    element: events.loaded_at
{extra}
"""


def _contract(tmp_path, frame: pd.DataFrame, extra: str = "", pg_schema: str = "unused"):
    duck = duckdb_with(tmp_path / "w.duckdb", {"events": frame})
    path = write_contract(tmp_path, CONTRACT.format(duck=duck, pg_schema=pg_schema, extra=extra))
    return lockgate.load_contract(path), path


def _frame(loaded_at, amount=(1.0, 2.0, 3.0)) -> pd.DataFrame:
    return pd.DataFrame({"event_id": [1, 2, 3], "loaded_at": loaded_at, "amount": list(amount)})


def _by_id(result) -> dict:
    return {r.rule.id: r for r in result.results}


TEXT_TIMES = ["2026-01-15 10:00:00", "2026-01-15 11:00:00", None]


def _assert_text_freshness_fails_alone(result) -> None:
    rules = _by_id(result)
    fresh = rules["events.loaded_at.freshness"]
    assert not fresh.passed
    assert fresh.observed.startswith(
        "cannot check freshness on loaded_at: max(loaded_at) is a str value"
    )
    # the other rules were measured and judged normally
    assert (
        rules["events.loaded_at.required"].failed_rows == 1
        and not rules["events.loaded_at.required"].passed
    )
    assert rules["events.amount.minimum"].passed and rules["events.amount.maximum"].passed
    assert rules["events.event_id.primaryKey"].passed
    assert [r.rule.id for r in result.results if r.error] == ["events.loaded_at.freshness"]


def test_freshness_on_a_varchar_column_is_one_failed_rule_on_duckdb_and_pandas(tmp_path):
    frame = _frame(TEXT_TIMES)
    contract, _ = _contract(tmp_path, frame)
    _assert_text_freshness_fails_alone(lockgate.validate(contract, "duck", as_of=NOW))
    _assert_text_freshness_fails_alone(
        lockgate.validate_frames(contract, {"events": frame}, as_of=NOW)
    )


@pytest.mark.postgres
def test_freshness_on_a_text_column_is_one_failed_rule_on_postgres(tmp_path, pg_schema):
    con, schema = pg_schema
    frame = _frame(TEXT_TIMES)
    pg_load_frame(con, schema, "events", frame)
    contract, _ = _contract(tmp_path, frame, pg_schema=schema)
    _assert_text_freshness_fails_alone(lockgate.validate(contract, "pg", as_of=NOW))


def test_the_cli_reports_every_rule_and_exits_1_not_2(tmp_path):
    _, path = _contract(tmp_path, _frame(TEXT_TIMES))
    done = run_cli(
        "check", path, "--server", "duck", "--no-history", "--format", "json", cwd=tmp_path
    )
    assert done.returncode == 1, done.stderr
    import json

    report = json.loads(done.stdout)
    assert len(report["results"]) == len(lockgate.load_contract(path).rules) == 8
    assert [r["rule"] for r in report["results"] if not r["passed"]] == [
        "events.loaded_at.required",
        "events.loaded_at.freshness",
    ]


def test_bounds_on_a_text_column_fail_without_stopping_the_check(tmp_path):
    frame = _frame([dt.datetime(2026, 1, 15, 11)] * 3, amount=("1", "2", "abc"))
    contract, _ = _contract(tmp_path, frame)
    for result in (
        lockgate.validate(contract, "duck", as_of=NOW),
        lockgate.validate_frames(contract, {"events": frame}, as_of=NOW),
    ):
        rules = _by_id(result)
        assert not rules["events.amount.minimum"].passed and rules["events.amount.minimum"].error
        assert not rules["events.amount.maximum"].passed and rules["events.amount.maximum"].error
        assert (
            rules["events.loaded_at.freshness"].passed and rules["events.loaded_at.required"].passed
        )


@pytest.mark.parametrize(
    "newest, passed, words",
    [
        (dt.datetime(2026, 1, 15, 11, 0), True, "1h old"),
        (dt.datetime(2026, 1, 15, 12, 3), True, "3m in the future"),
        (
            dt.datetime(2026, 1, 17, 6, 0),
            False,
            "max(loaded_at) is 1d 18h in the future (tolerance 5m;",
        ),
        (dt.datetime(9999, 12, 31), False, "placeholder date such as 9999-12-31"),
        (dt.datetime(1970, 1, 1), False, "1970-01-01 00:00:00 UTC, a placeholder date"),
    ],
)
def test_future_and_placeholder_times_on_every_engine(tmp_path, newest, passed, words):
    frame = _frame([min(newest, dt.datetime(2026, 1, 14, 12)), newest, None])
    contract, _ = _contract(tmp_path, frame)
    for result in (
        lockgate.validate(contract, "duck", as_of=NOW),
        lockgate.validate_frames(contract, {"events": frame}, as_of=NOW),
    ):
        fresh = result.result("events.loaded_at.freshness")
        assert fresh.passed is passed, (result.engine, fresh.observed)
        assert words in fresh.observed


def test_a_wider_tolerance_is_an_sla_argument(tmp_path):
    frame = _frame([dt.datetime(2026, 1, 15, 14, 0)] * 3)
    contract, _ = _contract(tmp_path, frame)
    assert (
        not lockgate.validate(contract, "duck", as_of=NOW)
        .result("events.loaded_at.freshness")
        .passed
    )
    text = CONTRACT.replace(
        "    element: events.loaded_at\n", "    element: events.loaded_at\n    valueExt: 3h\n"
    )
    path = write_contract(
        tmp_path,
        text.format(duck=tmp_path / "w.duckdb", pg_schema="unused", extra=""),
        "wide.odcs.yaml",
    )
    wide = lockgate.load_contract(path)
    verdict = wide.rules_for("events")
    assert next(r for r in verdict if r.check == "freshness").measure.future_tolerance == 3 * 3600
    assert lockgate.validate(wide, "duck", as_of=NOW).result("events.loaded_at.freshness").passed


@pytest.mark.parametrize("value", ["soon", "-5m", "[1, 2]"])
def test_a_bad_tolerance_is_a_lint_error_at_its_line(tmp_path, value):
    text = CONTRACT.replace(
        "    element: events.loaded_at\n", f"    element: events.loaded_at\n    valueExt: {value}\n"
    )
    path = write_contract(tmp_path, text.format(duck="x.duckdb", pg_schema="unused", extra=""))
    _, findings = analyze(path)
    errors = [f for f in findings if f.severity == "error"]
    assert errors, findings
    line = (
        text.splitlines().index(f"    valueExt: {value}") + 1 - 1
    )  # write_contract drops the first newline
    assert any(f.location.line == line for f in errors), [str(f) for f in errors]
