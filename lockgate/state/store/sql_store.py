"""The history store's tables and queries, shared by the SQLite and PostgreSQL stores.

Schema (one row per run, per table of a run, per profiled column, per rule result):

    runs                (run_id, contract_id, contract_version, contract_hash, server, engine,
                         family, started_at, finished_at, passed, rules, failed_rules)
    table_profiles      (run_id, table_name, row_count)
    column_profiles     (run_id, table_name, column_name, null_count, distinct_count, min_value,
                         max_value, mean_value, top_share, max_timestamp, fingerprint)
    rule_results        (run_id, rule_id, table_name, column_name, check_name, severity, passed,
                         observed, expected, failed_rows, metric, samples)
    bucket_fingerprints (run_id, table_name, family, buckets, columns, data)

A run is written in one transaction, so a reader sees all of it or none of it. `rule_results.metric`
names the profile metric a failed anomaly/constant result marks as failed: later baselines skip
that point. Timestamps are ISO text in UTC. Bucket fingerprints (a few KB per table) are only
needed from the latest run, so each write keeps the last `KEEP_BUCKET_RUNS` per table.
"""

from __future__ import annotations

import datetime as dt
import json
from abc import ABC, abstractmethod
from typing import Any

from lockgate.engines.results import ValidationResult, json_safe
from lockgate.state.history import PastRun, TableHistory, failed_point
from lockgate.state.profile import BucketFingerprints, ColumnStats, TableProfile

SCHEMA_VERSION = 2  # 2: rule_results.samples (the guard quotes failing rows)
KEEP_BUCKET_RUNS = 3
HISTORY_RUNS = 400  # runs read per table: a window of 30 with many failed points still fills

TABLES = ("runs", "table_profiles", "column_profiles", "rule_results", "bucket_fingerprints", "meta")


def ddl(types: dict[str, str]) -> list[str]:
    """CREATE statements; `types` maps the abstract types (id, int, real, text, blob) per dialect."""
    t = types
    return [
        f"""CREATE TABLE IF NOT EXISTS {{meta}} (key {t['text']} PRIMARY KEY, value {t['text']})""",
        f"""CREATE TABLE IF NOT EXISTS {{runs}} (
            run_id {t['id']}, contract_id {t['text']} NOT NULL, contract_version {t['text']},
            contract_hash {t['text']}, server {t['text']} NOT NULL, engine {t['text']}, family {t['text']},
            started_at {t['text']} NOT NULL, finished_at {t['text']}, passed {t['int']} NOT NULL,
            rules {t['int']}, failed_rules {t['int']})""",
        """CREATE INDEX IF NOT EXISTS {runs_by_contract} ON {runs} (contract_id, server, run_id)""",
        f"""CREATE TABLE IF NOT EXISTS {{table_profiles}} (
            run_id {t['int']} NOT NULL, table_name {t['text']} NOT NULL, row_count {t['int']},
            PRIMARY KEY (run_id, table_name))""",
        """CREATE INDEX IF NOT EXISTS {table_profiles_by_table} ON {table_profiles} (table_name, run_id)""",
        f"""CREATE TABLE IF NOT EXISTS {{column_profiles}} (
            run_id {t['int']} NOT NULL, table_name {t['text']} NOT NULL, column_name {t['text']} NOT NULL,
            null_count {t['int']}, distinct_count {t['int']}, min_value {t['real']}, max_value {t['real']},
            mean_value {t['real']}, top_share {t['real']}, max_timestamp {t['text']}, fingerprint {t['int']},
            PRIMARY KEY (run_id, table_name, column_name))""",
        f"""CREATE TABLE IF NOT EXISTS {{rule_results}} (
            run_id {t['int']} NOT NULL, rule_id {t['text']} NOT NULL, table_name {t['text']} NOT NULL,
            column_name {t['text']}, check_name {t['text']}, severity {t['text']}, passed {t['int']} NOT NULL,
            observed {t['text']}, expected {t['text']}, failed_rows {t['int']}, metric {t['text']},
            samples {t['text']}, PRIMARY KEY (run_id, rule_id))""",
        """CREATE INDEX IF NOT EXISTS {rule_results_failed} ON {rule_results} (table_name, passed, run_id)""",
        f"""CREATE TABLE IF NOT EXISTS {{bucket_fingerprints}} (
            run_id {t['int']} NOT NULL, table_name {t['text']} NOT NULL, family {t['text']} NOT NULL,
            buckets {t['int']} NOT NULL, columns {t['text']} NOT NULL, data {t['blob']} NOT NULL,
            PRIMARY KEY (run_id, table_name))""",
    ]


class SqlHistoryStore(ABC):
    """A history store on a DB-API connection. Subclasses open it and provide transactions."""

    location: str  # shown to users: a file path or a database and schema
    param = "?"  # the driver's placeholder

    # -- what a backend provides -------------------------------------------------------------------

    @abstractmethod
    def _write(self) -> Any:
        """A context manager yielding a cursor inside a write transaction (serialised with other
        writers, committed on success, rolled back on error)."""

    @abstractmethod
    def _read(self) -> Any:
        """A context manager yielding a cursor that sees one consistent snapshot."""

    @abstractmethod
    def _name(self, table: str) -> str:
        """The qualified, quoted name of one of TABLES (or of an index)."""

    def close(self) -> None:
        self.con.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- shared ------------------------------------------------------------------------------------

    def _sql(self, text: str) -> str:
        names = {n: self._name(n) for n in (*TABLES, "runs_by_contract", "table_profiles_by_table", "rule_results_failed")}
        return text.format(**names).replace("?", self.param)

    def _create_schema(self, cur, types: dict[str, str]) -> None:
        for statement in ddl(types):
            cur.execute(self._sql(statement))
        cur.execute(self._sql("SELECT value FROM {meta} WHERE key = 'schema_version'"))
        row = cur.fetchone()
        if row is None:
            cur.execute(self._sql("INSERT INTO {meta} (key, value) VALUES ('schema_version', ?)"), (str(SCHEMA_VERSION),))
        elif int(row[0]) != SCHEMA_VERSION:
            from lockgate.errors import LockgateError

            raise LockgateError(f"history store {self.location} has schema version {row[0]}; this lockgate reads version {SCHEMA_VERSION}")

    def record(self, result: ValidationResult, profiles: dict[str, TableProfile], *, family: str | None = None) -> int:
        """Write one run atomically; returns its run_id."""
        server = result.server or ""
        failed = sum(1 for r in result.results if not r.passed)
        with self._write() as cur:
            cur.execute(
                self._sql(
                    "INSERT INTO {runs} (contract_id, contract_version, contract_hash, server, engine, family, "
                    "started_at, finished_at, passed, rules, failed_rules) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING run_id"
                ),
                (result.contract_id, result.contract_version, result.contract_hash, server, result.engine, family,
                 _iso(result.started_at), _iso(result.finished_at), int(result.passed), len(result.results), failed),
            )  # fmt: skip
            run_id = int(cur.fetchone()[0])
            for table, rows in result.table_rows.items():
                profile = profiles.get(table)
                row_count = profile.row_count if profile is not None and profile.row_count is not None else rows
                cur.execute(self._sql("INSERT INTO {table_profiles} (run_id, table_name, row_count) VALUES (?, ?, ?)"), (run_id, table, row_count))
            for table, profile in profiles.items():
                self._write_profile(cur, run_id, table, profile, server, result.contract_id)
            for r in result.results:
                point = failed_point(r.rule)
                cur.execute(
                    self._sql(
                        "INSERT INTO {rule_results} (run_id, rule_id, table_name, column_name, check_name, severity, passed, "
                        "observed, expected, failed_rows, metric, samples) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    ),
                    (run_id, r.rule.id, r.rule.table, r.rule.column, r.rule.check, r.rule.severity, int(r.passed),
                     json.dumps(json_safe(r.observed)), r.expected, r.failed_rows, point[1] if point else None,
                     json.dumps(json_safe(list(r.samples))) if r.samples else None),
                )  # fmt: skip
        return run_id

    def _write_profile(self, cur, run_id: int, table: str, profile: TableProfile, server: str, contract_id: str) -> None:
        for column, s in profile.columns.items():
            nulls = None if s.non_null is None or profile.row_count is None else profile.row_count - s.non_null
            cur.execute(
                self._sql(
                    "INSERT INTO {column_profiles} (run_id, table_name, column_name, null_count, distinct_count, min_value, "
                    "max_value, mean_value, top_share, max_timestamp, fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                ),
                (run_id, table, column, nulls, s.distinct, s.minimum, s.maximum, s.mean, s.top_share,
                 _iso(s.max_time), s.fingerprint),
            )  # fmt: skip
        if profile.buckets is not None:
            columns, data = profile.buckets.to_bytes()
            cur.execute(
                self._sql("INSERT INTO {bucket_fingerprints} (run_id, table_name, family, buckets, columns, data) VALUES (?, ?, ?, ?, ?, ?)"),
                (run_id, table, profile.family, profile.buckets.buckets, json.dumps(columns), data),
            )
            cur.execute(
                self._sql(
                    "DELETE FROM {bucket_fingerprints} WHERE table_name = ? AND family = ? AND run_id IN "
                    "(SELECT run_id FROM {runs} WHERE contract_id = ? AND server = ?) AND run_id NOT IN "
                    "(SELECT b.run_id FROM {bucket_fingerprints} b JOIN {runs} r ON r.run_id = b.run_id "
                    "WHERE b.table_name = ? AND b.family = ? AND r.contract_id = ? AND r.server = ? ORDER BY b.run_id DESC LIMIT ?)"
                ),
                (table, profile.family, contract_id, server, table, profile.family, contract_id, server, KEEP_BUCKET_RUNS),
            )

    def table_history(self, contract_id: str, server: str | None, table: str, family: str | None, *, limit: int = HISTORY_RUNS) -> TableHistory:
        """The table's earlier runs for this contract and server, oldest first."""
        server = server or ""
        with self._read() as cur:
            cur.execute(
                self._sql(
                    "SELECT r.run_id, r.started_at, p.row_count FROM {runs} r JOIN {table_profiles} p ON p.run_id = r.run_id "
                    "WHERE r.contract_id = ? AND r.server = ? AND p.table_name = ? ORDER BY r.run_id DESC LIMIT ?"
                ),
                (contract_id, server, table, limit),
            )
            runs = {row[0]: PastRun(row[0], _parse_time(row[1]), row[2]) for row in cur.fetchall()}
            if runs:
                first = min(runs)
                cur.execute(
                    self._sql(
                        "SELECT c.run_id, c.column_name, c.null_count, c.distinct_count, c.min_value, c.max_value, c.mean_value, "
                        "c.top_share, c.max_timestamp, c.fingerprint FROM {column_profiles} c JOIN {runs} r ON r.run_id = c.run_id "
                        "WHERE r.contract_id = ? AND r.server = ? AND c.table_name = ? AND c.run_id >= ?"
                    ),
                    (contract_id, server, table, first),
                )
                for run_id, column, nulls, distinct, low, high, mean, top, latest, fp in cur.fetchall():
                    run = runs.get(run_id)
                    if run is not None:
                        non_null = None if nulls is None or run.row_count is None else run.row_count - nulls
                        run.columns[column] = ColumnStats(non_null, distinct, low, high, mean, _parse_time(latest), top, fp)
                cur.execute(
                    self._sql(
                        "SELECT x.run_id, x.column_name, x.metric FROM {rule_results} x JOIN {runs} r ON r.run_id = x.run_id "
                        "WHERE r.contract_id = ? AND r.server = ? AND x.table_name = ? AND x.passed = 0 AND x.metric IS NOT NULL AND x.run_id >= ?"
                    ),
                    (contract_id, server, table, first),
                )
                failed: dict[int, set] = {}
                for run_id, column, metric in cur.fetchall():
                    failed.setdefault(run_id, set()).add((column, metric))
                for run_id, points in failed.items():
                    if run_id in runs:
                        runs[run_id].failed = frozenset(points)
            buckets = self._latest_buckets(cur, contract_id, server, table, family) if family else None
        return TableHistory(sorted(runs.values(), key=lambda r: r.run_id), buckets)

    def _latest_buckets(self, cur, contract_id: str, server: str, table: str, family: str) -> BucketFingerprints | None:
        cur.execute(
            self._sql(
                "SELECT b.buckets, b.columns, b.data FROM {bucket_fingerprints} b JOIN {runs} r ON r.run_id = b.run_id "
                "WHERE r.contract_id = ? AND r.server = ? AND b.table_name = ? AND b.family = ? ORDER BY b.run_id DESC LIMIT 1"
            ),
            (contract_id, server, table, family),
        )
        row = cur.fetchone()
        if row is None:
            return None
        return BucketFingerprints.from_bytes(int(row[0]), json.loads(row[1]), bytes(row[2]))

    def recent_runs(self, table: str, *, contract_id: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        """The latest runs that validated `table`, newest first, with their failed rules."""
        where, params = "p.table_name = ?", [table]
        if contract_id:
            where += " AND r.contract_id = ?"
            params.append(contract_id)
        with self._read() as cur:
            cur.execute(
                self._sql(
                    "SELECT r.run_id, r.contract_id, r.contract_version, r.contract_hash, r.server, r.engine, r.started_at, "
                    f"r.finished_at, r.passed, p.row_count FROM {{runs}} r JOIN {{table_profiles}} p ON p.run_id = r.run_id WHERE {where} "
                    "ORDER BY r.run_id DESC LIMIT ?"
                ),
                (*params, limit),
            )
            keys = ("run_id", "contract", "version", "contract_hash", "server", "engine", "started_at", "finished_at", "passed", "row_count")
            runs = [dict(zip(keys, row)) for row in cur.fetchall()]
            for run in runs:
                run["passed"] = bool(run["passed"])
                cur.execute(
                    self._sql("SELECT rule_id, column_name, check_name, severity, passed, observed FROM {rule_results} WHERE run_id = ? AND table_name = ? ORDER BY rule_id"),
                    (run["run_id"], table),
                )
                results = cur.fetchall()
                run["rules"] = len(results)
                run["failed"] = [
                    {"rule": rid, "column": col, "check": check, "severity": sev, "observed": json.loads(obs) if obs else None}
                    for rid, col, check, sev, ok, obs in results
                    if not ok
                ]
        return runs

    def latest_validation(self, contract_id: str, server: str | None, table: str) -> dict[str, Any] | None:
        """The newest run of `contract_id` on `server` that validated `table`, with every rule
        result of that table (what the pipeline guard reads); None when it never ran."""
        with self._read() as cur:
            cur.execute(
                self._sql(
                    "SELECT r.run_id, r.contract_version, r.contract_hash, r.started_at, r.finished_at, p.row_count "
                    "FROM {runs} r JOIN {table_profiles} p ON p.run_id = r.run_id "
                    "WHERE r.contract_id = ? AND r.server = ? AND p.table_name = ? ORDER BY r.run_id DESC LIMIT 1"
                ),
                (contract_id, server or "", table),
            )
            row = cur.fetchone()
            if row is None:
                return None
            run_id, version, content_hash, started, finished, row_count = row
            cur.execute(
                self._sql(
                    "SELECT rule_id, column_name, check_name, severity, passed, observed, expected, failed_rows, samples "
                    "FROM {rule_results} WHERE run_id = ? AND table_name = ? ORDER BY rule_id"
                ),
                (run_id, table),
            )
            results = [
                {"rule": rid, "column": col, "check": check, "severity": sev, "passed": bool(ok),
                 "observed": json.loads(obs) if obs else None, "expected": exp, "failed_rows": rows,
                 "samples": json.loads(samples) if samples else []}
                for rid, col, check, sev, ok, obs, exp, rows, samples in cur.fetchall()
            ]  # fmt: skip
        return {
            "run_id": int(run_id),
            "contract_id": contract_id,
            "contract_version": version,
            "contract_hash": content_hash,
            "server": server or "",
            "table": table,
            "started_at": _parse_time(started),
            "finished_at": _parse_time(finished),
            "row_count": row_count,
            "results": results,
        }

    def run_count(self) -> int:
        with self._read() as cur:
            cur.execute(self._sql("SELECT count(*) FROM {runs}"))
            return int(cur.fetchone()[0])


def _iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value.isoformat(sep=" ")


def _parse_time(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)
