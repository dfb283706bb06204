"""What the HTML report shows, read from the history store: per contract and table its runs
(the loads timeline), the latest verdict, and per rule its results over time.

The store's own API answers the questions the engines and the guard ask (one table's history,
the latest validation); the report needs every run of every table at once, so it reads the
store's tables directly, read-only, through the store's connection and naming."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

MAX_RUNS = 200  # per contract and server: enough for a season of daily loads, bounded page size


@dataclass(frozen=True)
class RulePoint:
    run_id: int
    started_at: dt.datetime
    passed: bool
    observed: Any
    failed_rows: int | None


@dataclass
class RuleHistory:
    rule_id: str
    column: str | None
    check: str
    severity: str
    expected: str  # of the latest run
    points: list[RulePoint] = field(default_factory=list)
    samples: list[dict[str, Any]] = field(default_factory=list)  # of the latest run

    @property
    def latest(self) -> RulePoint:
        return self.points[-1]

    @property
    def failing_now(self) -> bool:
        return not self.latest.passed


@dataclass(frozen=True)
class Load:
    run_id: int
    started_at: dt.datetime
    passed: bool  # no error rule of this table failed in that run
    row_count: int | None


@dataclass
class TableReport:
    contract_id: str
    server: str
    table: str
    version: str  # of the latest run
    loads: list[Load] = field(default_factory=list)
    rules: dict[str, RuleHistory] = field(default_factory=dict)
    latest_columns: dict[str, dict[str, Any]] = field(
        default_factory=dict
    )  # profile of the latest run

    @property
    def latest(self) -> Load:
        return self.loads[-1]

    @property
    def anchor(self) -> str:
        return "t-" + "-".join(_slug(p) for p in (self.contract_id, self.server, self.table))

    def failing(self) -> list[RuleHistory]:
        return [
            r
            for r in self.rules.values()
            if r.points and r.points[-1].run_id == self.latest.run_id and r.failing_now
        ]


def read_tables(store) -> list[TableReport]:
    """Every (contract, server, table) in the store, with its last MAX_RUNS runs, oldest first."""
    tables: dict[tuple[str, str, str], TableReport] = {}
    with store._read() as cur:
        cur.execute(
            store._sql(
                "SELECT run_id, contract_id, contract_version, server, started_at FROM "
                "{runs} ORDER BY run_id"
            )
        )
        runs = {row[0]: row[1:] for row in cur.fetchall()}
        keep = _latest_runs(runs)
        cur.execute(
            store._sql("SELECT run_id, table_name, row_count FROM {table_profiles} ORDER BY run_id")
        )
        for run_id, table, row_count in cur.fetchall():
            if run_id not in keep:
                continue
            contract_id, version, server, started = runs[run_id]
            report = tables.setdefault(
                (contract_id, server, table), TableReport(contract_id, server, table, version)
            )
            report.version = version
            report.loads.append(Load(run_id, _time(started), True, row_count))
        cur.execute(
            store._sql(
                "SELECT run_id, rule_id, table_name, column_name, check_name, severity, "
                "passed, observed, expected, "
                "failed_rows, samples FROM {rule_results} ORDER BY run_id, rule_id"
            )
        )
        failed_runs: set[tuple[int, str]] = set()
        for (
            run_id,
            rule_id,
            table,
            column,
            check,
            severity,
            passed,
            observed,
            expected,
            failed_rows,
            samples,
        ) in cur.fetchall():
            if run_id not in keep:
                continue
            contract_id, _, server, started = runs[run_id]
            found = tables.get((contract_id, server, table))
            if found is None:
                continue
            history = found.rules.setdefault(
                rule_id,
                RuleHistory(rule_id, column, check or "", severity or "error", expected or ""),
            )
            history.expected = expected or history.expected
            history.points.append(
                RulePoint(run_id, _time(started), bool(passed), _json(observed), failed_rows)
            )
            history.samples = _json(samples) or []
            if not passed and severity == "error":
                failed_runs.add((run_id, table))
        for report in tables.values():
            report.loads = [
                Load(
                    x.run_id, x.started_at, (x.run_id, report.table) not in failed_runs, x.row_count
                )
                for x in report.loads
            ]
            latest = report.latest.run_id
            cur.execute(
                store._sql(
                    "SELECT column_name, null_count, min_value, max_value, mean_value, "
                    "top_share FROM {column_profiles} WHERE run_id = ? AND table_name = ?"
                ),
                (latest, report.table),
            )
            for column, nulls, low, high, mean, top in cur.fetchall():
                report.latest_columns[column] = {
                    "null_count": nulls,
                    "min": low,
                    "max": high,
                    "mean": mean,
                    "top_share": top,
                }
    return sorted(tables.values(), key=lambda t: (t.contract_id, t.table, t.server))


def _latest_runs(runs: dict[int, tuple]) -> set[int]:
    by_contract: dict[tuple[str, str], list[int]] = {}
    for run_id, (contract_id, _, server, _) in runs.items():
        by_contract.setdefault((contract_id, server), []).append(run_id)
    return {run_id for ids in by_contract.values() for run_id in sorted(ids)[-MAX_RUNS:]}


def _json(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


def _time(text: str | None) -> dt.datetime:
    return dt.datetime.fromisoformat(text) if text else dt.datetime.min


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text)
