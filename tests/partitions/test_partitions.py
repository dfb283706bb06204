"""Checking only some partitions: per-partition rules, keys against the other partitions, the same
rows in every engine, values parsed by the partition column's type and never pasted into SQL."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import lockgate
from lockgate.errors import UsageError
from tests.partitions.conftest import contract_for
from tests.partitions.data import AS_OF, CONTRACT, DAY1, DAY3
from tests.support.cli import lockgate as run_cli
from tests.support.postgres import pg_load_frame

# the newest day: 11 twice within it, 3 reused from day 1, a bad status, an unknown customer
DAY3_FAILED = {
    "events.event_id.unique": 2,
    "events.primaryKey": 2,
    "events.status.invalidValues": 1,
    "events.customer_id.relationship": 1,
}
# the oldest day: clean itself, but key 3 is reused by day 3; 4 rows are too few
DAY1_FAILED = {"events.event_id.unique": 1, "events.primaryKey": 1, "events_rows": None}
WHOLE_FAILED = {**DAY3_FAILED, "events.amount.minimum": 1}


def _failed(result) -> dict[str, int | None]:
    return {r.rule.id: r.failed_rows for r in result.results if not r.passed}


def _verdicts(result) -> dict[str, tuple[bool, int | None]]:
    return {r.rule.id: (r.passed, r.failed_rows) for r in result.results}


@pytest.mark.parametrize(
    ("partitions", "expected", "rows"),
    [
        (None, WHOLE_FAILED, 13),
        (["2026-06-29"], DAY3_FAILED, 5),
        ([DAY1], DAY1_FAILED, 4),
        (["2026-06-28"], {"events.amount.minimum": 1, "events_rows": None}, 4),
        (
            ["2026-06-27", "2026-06-28"],
            {"events.event_id.unique": 1, "events.primaryKey": 1, "events.amount.minimum": 1},
            8,
        ),
    ],
    ids=["whole", "day3", "day1", "day2", "day1+2"],
)
def test_duckdb_and_frame_engine_check_the_same_rows(
    tmp_path, warehouse, partitions, expected, rows
):
    duck_path, frames = warehouse
    contract = contract_for(tmp_path, duck_path)
    duck = lockgate.validate(contract, "duck", as_of=AS_OF, partitions=partitions)
    frame = lockgate.validate_frames(contract, frames, as_of=AS_OF, partitions=partitions)
    assert _failed(duck) == expected
    assert _verdicts(frame) == _verdicts(duck)
    assert duck.table_rows["events"] == frame.table_rows["events"] == rows
    assert duck.table_rows["customers"] == 3  # a table without a partition column: whole
    assert [r for r in duck.results if r.error] == []


@pytest.mark.postgres
def test_postgres_duckdb_and_frames_agree_with_partitions(tmp_path, warehouse, pg_schema):
    con, schema = pg_schema
    duck_path, frames = warehouse
    pg_load_frame(con, schema, "events", frames["events"], types={"day": "DATE"})
    pg_load_frame(con, schema, "customers", frames["customers"])
    contract = contract_for(tmp_path, duck_path, schema)
    for partitions in (["2026-06-29"], ["2026-06-27"], None):
        duck = lockgate.validate(contract, "duck", as_of=AS_OF, partitions=partitions)
        pg = lockgate.validate(contract, "pg", as_of=AS_OF, partitions=partitions)
        frame = lockgate.validate_frames(contract, frames, as_of=AS_OF, partitions=partitions)
        assert _verdicts(pg) == _verdicts(duck) == _verdicts(frame), partitions
        assert [r for r in pg.results if r.error] == []
    assert (
        _failed(lockgate.validate(contract, "pg", as_of=AS_OF, partitions=["2026-06-29"]))
        == DAY3_FAILED
    )


def test_a_key_reused_from_an_older_partition_is_a_duplicate(tmp_path, warehouse):
    duck_path, frames = warehouse
    contract = contract_for(tmp_path, duck_path)
    for result in (
        lockgate.validate(contract, "duck", as_of=AS_OF, partitions=[DAY3]),
        lockgate.validate_frames(contract, frames, as_of=AS_OF, partitions=[DAY3]),
        lockgate.validate(contract, "duck", engine="frame", as_of=AS_OF, partitions=[DAY3]),
    ):
        unique = result.result("events.event_id.unique")
        assert unique.failed_rows == 2  # 11 within the day, 3 from day 1
        assert unique.samples == (
            {"event_id": 3, "duplicate_count": 2},
            {"event_id": 11, "duplicate_count": 2},
        )
        composite = result.result("events.primaryKey")
        assert [s["seq"] for s in composite.samples] == [3, 11]


def test_the_report_names_the_partitions_and_keeps_its_shape(tmp_path, warehouse):
    duck_path, _ = warehouse
    contract = contract_for(tmp_path, duck_path)
    whole = lockgate.validate(contract, "duck", as_of=AS_OF).to_dict()
    day = lockgate.validate(contract, "duck", as_of=AS_OF, partitions=["2026-06-29"]).to_dict()
    assert "partitions" not in whole
    assert day.pop("partitions") == {"events": {"day": ["2026-06-29"]}}
    assert set(day) == set(whole)
    assert [set(r) for r in day["results"]] == [set(r) for r in whole["results"]]


def test_several_partition_columns_take_column_value_pairs(tmp_path, warehouse):
    duck_path, frames = warehouse
    text = CONTRACT.replace(
        "        logicalType: string\n        primaryKey: true\n        primaryKeyPosition: 1\n",
        "        logicalType: string\n        primaryKey: true\n        primaryKeyPosition: 1\n"
        "        partitioned: true\n        partitionKeyPosition: 1\n",
    ).replace(
        "        partitioned: true\n        required: true\n",
        "        partitioned: true\n        partitionKeyPosition: 2\n        required: true\n",
    )
    contract = contract_for(tmp_path, duck_path, text=text)
    assert [c.name for c in contract.table("events").partition_columns] == ["source", "day"]
    pairs = ["day=2026-06-29", "source=app"]
    duck = lockgate.validate(contract, "duck", as_of=AS_OF, partitions=pairs)
    frame = lockgate.validate_frames(contract, frames, as_of=AS_OF, partitions=pairs)
    assert _failed(duck) == DAY3_FAILED
    assert _verdicts(frame) == _verdicts(duck)
    assert duck.to_dict()["partitions"] == {"events": {"source": ["app"], "day": ["2026-06-29"]}}
    nothing = lockgate.validate(
        contract, "duck", as_of=AS_OF, partitions=["source=web", "day=2026-06-29"]
    )
    assert nothing.table_rows["events"] == 0
    with pytest.raises(UsageError, match="several partition columns .*column=VALUE"):
        lockgate.validate(contract, "duck", as_of=AS_OF, partitions=["2026-06-29"])


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "2026-13-01",
            "not a value of partition column events.day \\(date\\): expected YYYY-MM-DD",
        ),
        ("yesterday", "expected YYYY-MM-DD"),
        (dt.datetime(2026, 6, 29, 1), "a timestamp, not a date"),
        ("amount=3", "names no partition column|not a value"),
    ],
)
def test_a_value_that_does_not_parse_is_a_usage_error(tmp_path, warehouse, value, message):
    duck_path, _ = warehouse
    contract = contract_for(tmp_path, duck_path)
    with pytest.raises(UsageError, match=message):
        lockgate.validate(contract, "duck", as_of=AS_OF, partitions=[value])


def test_a_quarantine_policy_is_not_mixed_with_partitions(tmp_path, warehouse):
    duck_path, _ = warehouse
    policy = (
        "    quality:\n      - type: custom\n        engine: lockgate\n"
        "        implementation: {{check: quarantine, maxRate: 0.5}}\n"
    )
    text = CONTRACT.replace(
        "    quality:\n      - id: events_rows", policy + "      - id: events_rows"
    )
    contract = contract_for(tmp_path, duck_path, text=text)
    assert contract.quarantine_policy("events") is not None
    with pytest.raises(UsageError, match="quarantine policy.*without --partition"):
        lockgate.validate(contract, "duck", as_of=AS_OF, partitions=["2026-06-29"])


def test_a_contract_without_partition_columns_refuses_partitions(tmp_path, warehouse):
    duck_path, _ = warehouse
    contract = contract_for(
        tmp_path, duck_path, text=CONTRACT.replace("        partitioned: true\n", "")
    )
    with pytest.raises(UsageError, match="no partitioned property"):
        lockgate.validate(contract, "duck", as_of=AS_OF, partitions=["2026-06-29"])


def test_a_partition_value_is_data_not_sql(tmp_path, warehouse):
    """A string partition value with quotes, a comment and a second statement selects nothing
    (it is a typed literal), in DuckDB as in the frame engine; the table is untouched."""
    duck_path, frames = warehouse
    text = CONTRACT.replace("        partitioned: true\n", "").replace(
        "      - name: status\n        logicalType: string\n",
        "      - name: status\n        logicalType: string\n        partitioned: true\n",
    )
    contract = contract_for(tmp_path, duck_path, text=text)
    hostile = "new' OR '1'='1'; DROP TABLE events; --"
    duck = lockgate.validate(contract, "duck", as_of=AS_OF, partitions=[hostile])
    frame = lockgate.validate_frames(contract, frames, as_of=AS_OF, partitions=[hostile])
    assert duck.table_rows["events"] == frame.table_rows["events"] == 0
    assert [r for r in duck.results if r.error] == []
    assert (
        lockgate.validate(contract, "duck", as_of=AS_OF, partitions=["new"]).table_rows["events"]
        == 6
    )
    assert lockgate.validate(contract, "duck", as_of=AS_OF).table_rows["events"] == 13


def test_history_is_kept_per_partition(tmp_path):
    """Each partition's data state is a load of that partition: checking it again is a retry,
    another day is another table of the history, a whole-table check keeps its own, and the
    detectors compare a re-loaded day with that day's earlier load."""
    import sqlite3

    import duckdb

    from tests.partitions.data import customers, events
    from tests.support.files import duckdb_with

    db = duckdb_with(tmp_path / "own.duckdb", {"events": events(), "customers": customers()})
    anomaly = (
        "      - {type: custom, engine: lockgate, "
        "implementation: {check: anomaly, metric: rowCount, minHistory: 1}}\n"
    )
    text = CONTRACT.replace(
        "        mustBeGreaterThan: 4\n",
        "        mustBeGreaterThan: 4\n" + anomaly.replace("{", "{{").replace("}", "}}"),
    )
    contract = contract_for(tmp_path, db, text=text)
    store = tmp_path / "history.sqlite"

    def check(partitions):
        return lockgate.validate(
            contract, "duck", as_of=AS_OF, partitions=partitions, history=store
        )

    first, again, other, whole = (
        check(["2026-06-29"]),
        check(["2026-06-29"]),
        check(["2026-06-28"]),
        check(None),
    )
    assert first.retry_of == {} and other.retry_of == {} and whole.retry_of == {}
    assert set(again.retry_of) == {"events"}
    assert "not enough history" in str(other.result("events.anomaly.rowCount").observed)
    con = duckdb.connect(str(db))
    try:  # late rows land in day 3: a new load of that partition, judged against its first load
        con.execute(
            "INSERT INTO events SELECT * REPLACE (event_id + 100 AS event_id, seq + 100 AS seq) "
            "FROM events WHERE day = '2026-06-29'"
        )
    finally:
        con.close()
    reloaded = check(["2026-06-29"])
    assert reloaded.retry_of == {}
    assert "rowCount 10.00 is above the accepted band" in str(
        reloaded.result("events.anomaly.rowCount").observed
    )
    assert "median 5.00 over 1 run" in str(reloaded.result("events.anomaly.rowCount").observed)
    with sqlite3.connect(store) as con:
        rows = con.execute(
            "SELECT run_id, table_name, row_count, first_run FROM table_profiles "
            "WHERE table_name LIKE 'events%' ORDER BY run_id"
        ).fetchall()
        rule_tables = {t for (t,) in con.execute("SELECT DISTINCT table_name FROM rule_results")}
    day3, day2 = "events[day=2026-06-29]", "events[day=2026-06-28]"
    assert [(name, count) for _, name, count, _ in rows] == [
        (day3, 5),
        (day3, 5),
        (day2, 4),
        ("events", 13),
        (day3, 10),
    ]
    assert rows[1][3] == rows[0][0]  # the second check of day 3 is a retry of the first
    assert [r[3] for r in rows[2:]] == [None, None, None]
    assert rule_tables == {day3, day2, "events", "customers"}


def test_cli_checks_one_partition(tmp_path, warehouse):
    duck_path, _ = warehouse
    contract_for(tmp_path, duck_path)
    path, report_file = tmp_path / "contract.odcs.yaml", tmp_path / "report.json"
    out = run_cli(
        "check",
        path,
        "--partition",
        "2026-06-29",
        "--format",
        "json",
        "--output",
        report_file,
        "--no-history",
        "--as-of",
        "2026-06-30T02:00:00Z",
    )
    assert out.returncode == 1, out.stderr
    assert "(partitions events day=2026-06-29)" in out.stdout  # the verdict line
    report = json.loads(report_file.read_text())
    assert report["partitions"] == {"events": {"day": ["2026-06-29"]}}
    failed = {r["rule"]: r["failed_rows"] for r in report["results"] if not r["passed"]}
    assert failed == DAY3_FAILED
    bad = run_cli("check", path, "--partition", "2026-02-30", "--no-history")
    assert bad.returncode == 2
    assert (
        "--partition '2026-02-30' is not a value of partition column events.day (date)"
        in bad.stderr
    )
