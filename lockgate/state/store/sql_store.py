"""The history store's tables and queries, shared by the SQLite and PostgreSQL stores.

Schema (one row per run, per table of a run, per profiled column, per rule result):

    runs                (run_id, contract_id, contract_version, contract_hash, server, engine,
                         family, started_at, finished_at, passed, rules, failed_rules, as_of)
    table_profiles      (run_id, table_name, row_count, state, first_run)
    column_profiles     (run_id, table_name, column_name, null_count, distinct_count, min_value,
                         max_value, mean_value, top_share, max_timestamp, fingerprint)
    rule_results        (run_id, rule_id, table_name, column_name, check_name, severity, passed,
                         observed, expected, failed_rows, metric, samples, error)
    bucket_fingerprints (run_id, table_name, family, buckets, columns, data)

A run is one check; a load is a state of a table's data (`table_profiles.state`, the data-state
fingerprint). The first check of a state is the load; later checks of the same state (retries,
manual looks) point at it with `first_run` and are never read as baselines. `runs.as_of` is the
logical time of the check (`--as-of`, a schedule tick), `started_at`/`finished_at` wall-clock
times: history is ordered by logical time, so a backfill in time order reads what a nightly
schedule would have read.

A run is written in one transaction, so a reader sees all of it or none of it. `rule_results.metric`
names the profile metric a failed anomaly/constant result marks as failed: later baselines skip
that point. Timestamps are ISO text in UTC. Bucket fingerprints (a few KB per table) are only
needed from the latest run, so each write keeps the last `KEEP_BUCKET_RUNS` per table.
"""

from __future__ import annotations

import datetime as dt
import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, Protocol, Self, overload

from lockgate.profile.model import BucketFingerprints, ColumnStats, TableProfile
from lockgate.results.jsonable import json_safe
from lockgate.results.model import ValidationResult
from lockgate.state.history import Load, PastRun, StoredVerdict, TableHistory, failed_point

# 2: rule_results.samples (the guard quotes failing rows)
# 3: loads: runs.as_of, table_profiles.state and first_run, rule_results.error
SCHEMA_VERSION = 3
KEEP_BUCKET_RUNS = 3
HISTORY_RUNS = 400  # runs read per table: a window of 30 with many failed points still fills

TABLES = (
    "runs",
    "table_profiles",
    "column_profiles",
    "rule_results",
    "bucket_fingerprints",
    "meta",
    "quarantine_outcomes",
)
INDEXES = (
    "runs_by_contract",
    "runs_by_time",
    "table_profiles_by_table",
    "table_profiles_by_state",
    "rule_results_failed",
)


def ddl(types: dict[str, str]) -> list[str]:
    """CREATE statements; `types` maps the abstract types (id, int, real, text, blob) per
    dialect."""
    t = types
    return [
        f"""CREATE TABLE IF NOT EXISTS {{meta}} (key {t["text"]} PRIMARY KEY, value {t["text"]})""",
        f"""CREATE TABLE IF NOT EXISTS {{runs}} (
            run_id {t["id"]}, contract_id {t["text"]} NOT NULL, contract_version {t["text"]},
            contract_hash {t["text"]}, server {t["text"]} NOT NULL, engine {t["text"]},
            family {t["text"]},
            started_at {t["text"]} NOT NULL, finished_at {t["text"]}, passed {t["int"]} NOT NULL,
            rules {t["int"]}, failed_rules {t["int"]}, as_of {t["text"]})""",
        """CREATE INDEX IF NOT EXISTS {runs_by_contract} ON {runs} (contract_id, server, run_id)""",
        """CREATE INDEX IF NOT EXISTS {runs_by_time} ON {runs} (contract_id, server, as_of)""",
        f"""CREATE TABLE IF NOT EXISTS {{table_profiles}} (
            run_id {t["int"]} NOT NULL, table_name {t["text"]} NOT NULL, row_count {t["int"]},
            state {t["text"]}, first_run {t["int"]}, PRIMARY KEY (run_id, table_name))""",
        """CREATE INDEX IF NOT EXISTS {table_profiles_by_table}
            ON {table_profiles} (table_name, run_id)""",
        """CREATE INDEX IF NOT EXISTS {table_profiles_by_state}
            ON {table_profiles} (table_name, state)""",
        f"""CREATE TABLE IF NOT EXISTS {{column_profiles}} (
            run_id {t["int"]} NOT NULL, table_name {t["text"]} NOT NULL,
            column_name {t["text"]} NOT NULL, null_count {t["int"]}, distinct_count {t["int"]},
            min_value {t["real"]}, max_value {t["real"]}, mean_value {t["real"]},
            top_share {t["real"]}, max_timestamp {t["text"]}, fingerprint {t["int"]},
            PRIMARY KEY (run_id, table_name, column_name))""",
        f"""CREATE TABLE IF NOT EXISTS {{rule_results}} (
            run_id {t["int"]} NOT NULL, rule_id {t["text"]} NOT NULL,
            table_name {t["text"]} NOT NULL, column_name {t["text"]}, check_name {t["text"]},
            severity {t["text"]}, passed {t["int"]} NOT NULL,
            observed {t["text"]}, expected {t["text"]}, failed_rows {t["int"]}, metric {t["text"]},
            samples {t["text"]}, error {t["int"]}, PRIMARY KEY (run_id, rule_id))""",
        """CREATE INDEX IF NOT EXISTS {rule_results_failed}
            ON {rule_results} (table_name, passed, run_id)""",
        f"""CREATE TABLE IF NOT EXISTS {{bucket_fingerprints}} (
            run_id {t["int"]} NOT NULL, table_name {t["text"]} NOT NULL,
            family {t["text"]} NOT NULL,
            buckets {t["int"]} NOT NULL, columns {t["text"]} NOT NULL, data {t["blob"]} NOT NULL,
            PRIMARY KEY (run_id, table_name))""",
        # what a quarantine policy did to a table in a run (created IF NOT EXISTS in older stores)
        f"""CREATE TABLE IF NOT EXISTS {{quarantine_outcomes}} (
            run_id {t["int"]} NOT NULL, table_name {t["text"]} NOT NULL,
            quarantined_rows {t["int"]}, total_rows {t["int"]}, max_rate {t["real"]},
            max_rows {t["int"]}, passed {t["int"]}, by_rule {t["text"]},
            PRIMARY KEY (run_id, table_name))""",
    ]


def migrations(types: dict[str, str]) -> dict[int, list[str]]:
    """Statements that take a store from version N to N + 1 (run in the opening transaction)."""
    t = types
    return {
        2: [
            f"ALTER TABLE {{runs}} ADD COLUMN as_of {t['text']}",
            "UPDATE {runs} SET as_of = started_at",  # before logical times, the wall clock was one
            f"ALTER TABLE {{table_profiles}} ADD COLUMN state {t['text']}",
            f"ALTER TABLE {{table_profiles}} ADD COLUMN first_run {t['int']}",
            f"ALTER TABLE {{rule_results}} ADD COLUMN error {t['int']}",
        ],
    }


class _Connection(Protocol):
    """What the shared code uses of a subclass's DB-API connection (sqlite3, psycopg)."""

    def close(self) -> None: ...


class SqlHistoryStore(ABC):
    """A history store on a DB-API connection. Subclasses open it and provide transactions."""

    con: _Connection  # opened by the subclass, which declares its driver's connection type
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

    # an optional hook: a no-op where the database serializes writers itself (SQLite)
    def _serialize_loads(self, cur, contract_id: str, server: str) -> None:  # noqa: B027
        """Make writers of the same contract and server wait for each other inside their write
        transactions, so that the second sees the first's load (SQLite's write lock does
        already)."""

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- shared ------------------------------------------------------------------------------------

    def _sql(self, text: str) -> str:
        names = {n: self._name(n) for n in (*TABLES, *INDEXES)}
        return text.format(**names).replace("?", self.param)

    def _create_schema(self, cur, types: dict[str, str]) -> None:
        """Create the tables, or migrate an older store in place. The caller holds one write
        transaction (and, in PostgreSQL, a lock), so a migration is all or nothing and two
        processes opening an old store at once migrate it once."""
        statements = ddl(types)
        cur.execute(self._sql(statements[0]))  # meta
        cur.execute(self._sql("SELECT value FROM {meta} WHERE key = 'schema_version'"))
        row = cur.fetchone()
        version = SCHEMA_VERSION if row is None else int(row[0])
        steps = migrations(types)
        if version > SCHEMA_VERSION or (version < SCHEMA_VERSION and version not in steps):
            from lockgate.errors import LockgateError

            raise LockgateError(
                f"history store {self.location} has schema version {version}; this "
                f"lockgate reads versions 2 to {SCHEMA_VERSION}"
            )
        while version < SCHEMA_VERSION:
            for statement in steps[version]:
                cur.execute(self._sql(statement))
            version += 1
        for statement in statements[1:]:  # IF NOT EXISTS: tables and indexes the store lacks
            cur.execute(self._sql(statement))
        if row is None:
            cur.execute(
                self._sql("INSERT INTO {meta} (key, value) VALUES ('schema_version', ?)"),
                (str(SCHEMA_VERSION),),
            )
        elif int(row[0]) != SCHEMA_VERSION:
            cur.execute(
                self._sql("UPDATE {meta} SET value = ? WHERE key = 'schema_version'"),
                (str(SCHEMA_VERSION),),
            )

    def record(
        self,
        result: ValidationResult,
        profiles: Mapping[str, TableProfile],
        *,
        family: str | None = None,
    ) -> int:
        """Write one run atomically; returns its run_id. A table whose data state was recorded
        before is written as a retry of that load (`first_run`), without bucket fingerprints."""
        server = result.server or ""
        failed = sum(1 for r in result.results if not r.passed)
        as_of = result.as_of or result.started_at
        with self._write() as cur:
            self._serialize_loads(cur, result.contract_id, server)
            cur.execute(
                self._sql(
                    "INSERT INTO {runs} (contract_id, contract_version, contract_hash, "
                    "server, engine, family, "
                    "started_at, finished_at, passed, rules, failed_rules, as_of) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING run_id"
                ),
                (
                    result.contract_id,
                    result.contract_version,
                    result.contract_hash,
                    server,
                    result.engine,
                    family,
                    _iso(result.started_at),
                    _iso(result.finished_at),
                    int(result.passed),
                    len(result.results),
                    failed,
                    _iso(as_of),
                ),
            )
            run_id = int(cur.fetchone()[0])
            for table, rows in result.table_rows.items():
                profile = profiles.get(table)
                row_count = (
                    profile.row_count
                    if profile is not None and profile.row_count is not None
                    else rows
                )
                state = profile.state if profile is not None else None
                # looked up inside the write transaction: of two processes checking the same new
                # data at once, the second to commit records a retry of the first
                first = (
                    self._first_check(cur, result.contract_id, server, table, state)
                    if state
                    else None
                )
                cur.execute(
                    self._sql(
                        "INSERT INTO {table_profiles} (run_id, table_name, row_count, "
                        "state, first_run) VALUES (?, ?, ?, ?, ?)"
                    ),
                    (run_id, table, row_count, state, first),
                )
                if profile is not None:
                    self._write_profile(
                        cur,
                        run_id,
                        table,
                        profile,
                        server,
                        result.contract_id,
                        new_load=first is None,
                    )
            for r in result.results:
                point = failed_point(r.rule)
                cur.execute(
                    self._sql(
                        "INSERT INTO {rule_results} (run_id, rule_id, table_name, "
                        "column_name, check_name, severity, passed, "
                        "observed, expected, failed_rows, metric, samples, error) VALUES "
                        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    ),
                    (
                        run_id,
                        r.rule.id,
                        r.rule.table,
                        r.rule.column,
                        r.rule.check,
                        r.rule.severity,
                        int(r.passed),
                        json.dumps(json_safe(r.observed)),
                        r.expected,
                        r.failed_rows,
                        point[1] if point else None,
                        json.dumps(json_safe(list(r.samples))) if r.samples else None,
                        int(r.error is not None),
                    ),
                )
            for q in result.quarantine or ():
                cur.execute(
                    self._sql(
                        "INSERT INTO {quarantine_outcomes} (run_id, table_name, quarantined_rows, "
                        "total_rows, max_rate, max_rows, passed, by_rule) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                    ),
                    (
                        run_id,
                        q.table,
                        q.rows,
                        q.total,
                        q.policy.max_rate,
                        q.policy.max_rows,
                        int(q.passed),
                        json.dumps(q.by_rule),
                    ),
                )
        return run_id

    def _first_check(
        self,
        cur,
        contract_id: str,
        server: str,
        table: str,
        state: str,
        contract_hash: str | None = None,
    ) -> int | None:
        """The run that first checked the table's current load, when that load has this data
        state (and was checked under `contract_hash`, when given), or None.

        Only runs after the last one that saw a different state count: data that goes A -> B -> A
        is a new load the third time (the table changed twice), not a retry of the first."""
        where = (
            "r.contract_id = ? AND r.server = ? AND p.table_name = ? AND p.state = ? "
            "AND p.run_id > COALESCE((SELECT max(q.run_id) FROM {table_profiles} q "
            "JOIN {runs} s ON s.run_id = q.run_id WHERE s.contract_id = ? AND s.server = ? "
            "AND q.table_name = ? AND q.state <> ?), 0)"
        )
        params: list[Any] = [contract_id, server, table, state, contract_id, server, table, state]
        if contract_hash is not None:
            where += " AND r.contract_hash = ?"
            params.append(contract_hash)
        cur.execute(
            self._sql(
                f"SELECT min(p.run_id) FROM {{table_profiles}} p JOIN {{runs}} r ON "
                f"r.run_id = p.run_id WHERE {where}"
            ),
            params,
        )
        row = cur.fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def load_verdicts(
        self, contract_id: str, server: str | None, table: str, state: str, contract_hash: str
    ) -> Load | None:
        """The first check of this data state of the table under the same contract content, with
        its rule results (the ones that were judged, not errors): what a retry repeats."""
        with self._read() as cur:
            run_id = self._first_check(cur, contract_id, server or "", table, state, contract_hash)
            if run_id is None:
                return None
            cur.execute(self._sql("SELECT as_of FROM {runs} WHERE run_id = ?"), (run_id,))
            as_of = _parse_time(cur.fetchone()[0])
            cur.execute(
                self._sql(
                    "SELECT rule_id, passed, observed, expected, failed_rows, samples, "
                    "severity FROM {rule_results} "
                    "WHERE run_id = ? AND table_name = ? AND (error IS NULL OR error = 0)"
                ),
                (run_id, table),
            )
            verdicts = {
                rid: StoredVerdict(
                    bool(ok),
                    json.loads(obs) if obs else None,
                    exp,
                    rows,
                    tuple(json.loads(samples)) if samples else (),
                    sev,
                )
                for rid, ok, obs, exp, rows, samples, sev in cur.fetchall()
            }
        return Load(run_id, as_of, verdicts)

    def _write_profile(
        self,
        cur,
        run_id: int,
        table: str,
        profile: TableProfile,
        server: str,
        contract_id: str,
        *,
        new_load: bool,
    ) -> None:
        for column, s in profile.columns.items():
            nulls = (
                None
                if s.non_null is None or profile.row_count is None
                else profile.row_count - s.non_null
            )
            cur.execute(
                self._sql(
                    "INSERT INTO {column_profiles} (run_id, table_name, column_name, "
                    "null_count, distinct_count, min_value, "
                    "max_value, mean_value, top_share, max_timestamp, fingerprint) VALUES "
                    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                ),
                (
                    run_id,
                    table,
                    column,
                    nulls,
                    s.distinct,
                    s.minimum,
                    s.maximum,
                    s.mean,
                    s.top_share,
                    _iso(s.max_time),
                    s.fingerprint,
                ),
            )
        if profile.buckets is not None and new_load:  # a retry's buckets are its load's
            columns, data = profile.buckets.to_bytes()
            cur.execute(
                self._sql(
                    "INSERT INTO {bucket_fingerprints} (run_id, table_name, family, "
                    "buckets, columns, data) VALUES (?, ?, ?, ?, ?, ?)"
                ),
                (run_id, table, profile.family, profile.buckets.buckets, json.dumps(columns), data),
            )
            cur.execute(
                self._sql(
                    "DELETE FROM {bucket_fingerprints} WHERE table_name = ? AND family = ? "
                    "AND run_id IN "
                    "(SELECT run_id FROM {runs} WHERE contract_id = ? AND server = ?) AND "
                    "run_id NOT IN "
                    "(SELECT b.run_id FROM {bucket_fingerprints} b JOIN {runs} r ON "
                    "r.run_id = b.run_id "
                    "WHERE b.table_name = ? AND b.family = ? AND r.contract_id = ? AND "
                    "r.server = ? "
                    "ORDER BY r.as_of DESC, b.run_id DESC LIMIT ?)"
                ),
                (
                    table,
                    profile.family,
                    contract_id,
                    server,
                    table,
                    profile.family,
                    contract_id,
                    server,
                    KEEP_BUCKET_RUNS,
                ),
            )

    def table_history(
        self,
        contract_id: str,
        server: str | None,
        table: str,
        family: str | None,
        *,
        as_of: dt.datetime | None = None,
        state: str | None = None,
        limit: int = HISTORY_RUNS,
    ) -> TableHistory:
        """The table's earlier loads for this contract and server, oldest first by logical time.

        Loads, not checks: retries are left out, and so is every check of the current data
        `state` (a state is never its own baseline). Only loads at or before `as_of` count, so a
        backfill reads what the schedule would have read. `state_since` is the logical time at
        which the current state was first checked (what the idle time of `advancement` runs from).
        """
        server = server or ""
        until = _iso(as_of) if as_of is not None else "9999-12-31"
        with self._read() as cur:
            cur.execute(
                self._sql(
                    "SELECT r.run_id, r.as_of, p.row_count, p.state FROM {runs} r JOIN "
                    "{table_profiles} p ON p.run_id = r.run_id "
                    "WHERE r.contract_id = ? AND r.server = ? AND p.table_name = ? AND "
                    "p.first_run IS NULL AND r.as_of <= ? "
                    "AND (p.state IS NULL OR p.state <> ?) ORDER BY r.as_of DESC, r.run_id "
                    "DESC LIMIT ?"
                ),
                (contract_id, server, table, until, state or "", limit),
            )
            runs: dict[int, PastRun] = {}
            seen: set[str] = set()
            for run_id, when, rows, run_state in reversed(cur.fetchall()):
                if run_state is not None and run_state in seen:
                    continue  # two processes checked the same new data at once: one load
                seen.add(run_state)
                # `r.as_of <= ?` leaves out runs without a logical time: `when` is text
                runs[run_id] = PastRun(
                    run_id, dt.datetime.fromisoformat(when), rows, state=run_state
                )
            if runs:
                self._read_columns(cur, runs, contract_id, server, table)
            since = (
                self._state_since(cur, contract_id, server, table, state, until) if state else None
            )
            buckets = (
                self._latest_buckets(cur, contract_id, server, table, family, until, state)
                if family
                else None
            )
        return TableHistory(list(runs.values()), buckets, state_since=since, as_of=as_of)

    def _read_columns(
        self, cur, runs: dict[int, PastRun], contract_id: str, server: str, table: str
    ) -> None:
        first = min(runs)
        cur.execute(
            self._sql(
                "SELECT c.run_id, c.column_name, c.null_count, c.distinct_count, "
                "c.min_value, c.max_value, c.mean_value, "
                "c.top_share, c.max_timestamp, c.fingerprint FROM {column_profiles} c JOIN "
                "{runs} r ON r.run_id = c.run_id "
                "WHERE r.contract_id = ? AND r.server = ? AND c.table_name = ? AND c.run_id >= ?"
            ),
            (contract_id, server, table, first),
        )
        for run_id, column, nulls, distinct, low, high, mean, top, latest, fp in cur.fetchall():
            run = runs.get(run_id)
            if run is not None:
                non_null = None if nulls is None or run.row_count is None else run.row_count - nulls
                run.columns[column] = ColumnStats(
                    non_null, distinct, low, high, mean, _parse_time(latest), top, fp
                )
        cur.execute(
            self._sql(
                "SELECT x.run_id, x.column_name, x.metric FROM {rule_results} x JOIN "
                "{runs} r ON r.run_id = x.run_id "
                "WHERE r.contract_id = ? AND r.server = ? AND x.table_name = ? AND "
                "x.passed = 0 AND x.metric IS NOT NULL AND x.run_id >= ?"
            ),
            (contract_id, server, table, first),
        )
        failed: dict[int, set] = {}
        for run_id, column, metric in cur.fetchall():
            failed.setdefault(run_id, set()).add((column, metric))
        for run_id, points in failed.items():
            if run_id in runs:
                runs[run_id].failed = frozenset(points)

    def _state_since(
        self, cur, contract_id: str, server: str, table: str, state: str, until: str
    ) -> dt.datetime | None:
        cur.execute(
            self._sql(
                "SELECT min(r.as_of) FROM {runs} r JOIN {table_profiles} p ON p.run_id = r.run_id "
                "WHERE r.contract_id = ? AND r.server = ? AND p.table_name = ? AND p.state "
                "= ? AND r.as_of <= ?"
            ),
            (contract_id, server, table, state, until),
        )
        row = cur.fetchone()
        return None if row is None else _parse_time(row[0])

    def _latest_buckets(
        self,
        cur,
        contract_id: str,
        server: str,
        table: str,
        family: str,
        until: str,
        state: str | None,
    ) -> BucketFingerprints | None:
        """The bucket fingerprints of the latest earlier load of another data state."""
        cur.execute(
            self._sql(
                "SELECT b.buckets, b.columns, b.data FROM {bucket_fingerprints} b JOIN "
                "{runs} r ON r.run_id = b.run_id "
                "JOIN {table_profiles} p ON p.run_id = b.run_id AND p.table_name = b.table_name "
                "WHERE r.contract_id = ? AND r.server = ? AND b.table_name = ? AND "
                "b.family = ? AND r.as_of <= ? "
                "AND (p.state IS NULL OR p.state <> ?) ORDER BY r.as_of DESC, b.run_id DESC LIMIT 1"
            ),
            (contract_id, server, table, family, until, state or ""),
        )
        row = cur.fetchone()
        if row is None:
            return None
        return BucketFingerprints.from_bytes(int(row[0]), json.loads(row[1]), bytes(row[2]))

    def recent_runs(
        self, table: str, *, contract_id: str | None = None, limit: int = 20
    ) -> list[dict[str, Any]]:
        """The latest runs that validated `table`, newest logical time first, with their failed
        rules; `retry_of` is the run that first checked the same data (None for a new load)."""
        where, params = "p.table_name = ?", [table]
        if contract_id:
            where += " AND r.contract_id = ?"
            params.append(contract_id)
        with self._read() as cur:
            cur.execute(
                self._sql(
                    "SELECT r.run_id, r.contract_id, r.contract_version, r.contract_hash, "
                    "r.server, r.engine, r.started_at, "
                    "r.finished_at, r.passed, p.row_count, r.as_of, p.first_run, p.state "
                    f"FROM {{runs}} r JOIN {{table_profiles}} p ON p.run_id = r.run_id "
                    f"WHERE {where} "
                    "ORDER BY r.as_of DESC, r.run_id DESC LIMIT ?"
                ),
                (*params, limit),
            )
            keys = (
                "run_id",
                "contract",
                "version",
                "contract_hash",
                "server",
                "engine",
                "started_at",
                "finished_at",
                "passed",
                "row_count",
                "as_of",
                "retry_of",
                "state",
            )
            runs = [dict(zip(keys, row)) for row in cur.fetchall()]
            for run in runs:
                run["passed"] = bool(run["passed"])
                cur.execute(
                    self._sql(
                        "SELECT rule_id, column_name, check_name, severity, passed, "
                        "observed FROM {rule_results} WHERE run_id = ? AND table_name = ? "
                        "ORDER BY rule_id"
                    ),
                    (run["run_id"], table),
                )
                results = cur.fetchall()
                run["rules"] = len(results)
                run["failed"] = [
                    {
                        "rule": rid,
                        "column": col,
                        "check": check,
                        "severity": sev,
                        "observed": json.loads(obs) if obs else None,
                    }
                    for rid, col, check, sev, ok, obs in results
                    if not ok
                ]
        return runs

    def latest_validation(
        self, contract_id: str, server: str | None, table: str
    ) -> dict[str, Any] | None:
        """The run of `contract_id` on `server` with the latest logical time (the newest of those
        when several share it, e.g. a retry) that validated `table`, with every rule result of
        that table (what the pipeline guard reads); None when it never ran. A backfill of past
        dates therefore does not replace the validation of the latest scheduled load."""
        with self._read() as cur:
            cur.execute(
                self._sql(
                    "SELECT r.run_id, r.contract_version, r.contract_hash, r.started_at, "
                    "r.finished_at, p.row_count, r.as_of "
                    "FROM {runs} r JOIN {table_profiles} p ON p.run_id = r.run_id "
                    "WHERE r.contract_id = ? AND r.server = ? AND p.table_name = ? ORDER "
                    "BY r.as_of DESC, r.run_id DESC LIMIT 1"
                ),
                (contract_id, server or "", table),
            )
            row = cur.fetchone()
            if row is None:
                return None
            run_id, version, content_hash, started, finished, row_count, as_of = row
            cur.execute(
                self._sql(
                    "SELECT rule_id, column_name, check_name, severity, passed, observed, "
                    "expected, failed_rows, samples "
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
            quarantine = self._quarantine_outcome(cur, run_id, table)
        return {
            "quarantine": quarantine,  # None: the table has no quarantine policy
            "run_id": int(run_id),
            "contract_id": contract_id,
            "contract_version": version,
            "contract_hash": content_hash,
            "server": server or "",
            "table": table,
            "started_at": _parse_time(started),  # wall clock: the guard compares it with writes
            "finished_at": _parse_time(finished),
            "as_of": _parse_time(as_of),
            "row_count": row_count,
            "results": results,
        }

    def _quarantine_outcome(self, cur, run_id: int, table: str) -> dict[str, Any] | None:
        """The receipt's view of a table's quarantine in a run: rows, rate, budget, rows per
        rule."""
        cur.execute(
            self._sql(
                "SELECT quarantined_rows, total_rows, max_rate, max_rows, passed, by_rule "
                "FROM {quarantine_outcomes} WHERE run_id = ? AND table_name = ?"
            ),
            (run_id, table),
        )
        row = cur.fetchone()
        if row is None:
            return None
        rows, total, max_rate, max_rows, passed, by_rule = row
        return {
            "rows": int(rows),
            "rate": rows / total if total else 0.0,
            "maxRate": max_rate,
            "maxRows": max_rows,
            "passed": bool(passed),
            "by_rule": json.loads(by_rule) if by_rule else {},
        }

    def run_count(self) -> int:
        with self._read() as cur:
            cur.execute(self._sql("SELECT count(*) FROM {runs}"))
            return int(cur.fetchone()[0])


@overload
def _iso(value: dt.datetime) -> str: ...
@overload
def _iso(value: None) -> None: ...
def _iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat(sep=" ")


def _parse_time(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)
