"""Reconcile a table between PostgreSQL (the application) and DuckDB (the warehouse copy).

    .venv/bin/python -m benchmarks.reconcile_pg_duckdb --rows 5000000

Both copies are generated inside their engine from the row number (no rows travel to build
them). Measured: the time of `lockgate check` with the reconcile rule on identical copies and on
a copy whose `status` column froze for 1 % of the rows, the bytes the queries returned to
lockgate (summaries, drill-down, samples), and, for comparison, the time of checking each side
with an ordinary contract (not null, unique key, row count). Needs PostgreSQL at 127.0.0.1:5432,
database `test`; it creates and drops its own schema.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
import uuid
from pathlib import Path

import duckdb
import psycopg

import lockgate
from lockgate.reconcile import side as side_module

NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
COLUMNS = (
    "id, CASE id % 3 WHEN 0 THEN 'open' WHEN 1 THEN 'quoted' ELSE 'hired' END AS status, "
    "CAST((id % 100000) * 0.01 AS DECIMAL(12,2)) AS price, id % 2 = 0 AS paid, "
    "TIMESTAMPTZ '2026-01-01 00:00:00+00' + id * INTERVAL '1 second' AS updated_at"
)
FROZEN = "CASE WHEN id % 100 = 0 THEN 'open' ELSE status END AS status"


def contract_text(db: Path, schema: str, with_reconcile: bool, server_first: str) -> str:
    servers = {
        "warehouse": f"  - server: warehouse\n    type: duckdb\n    database: {db}\n",
        "app": (
            "  - server: app\n    type: postgres\n    host: 127.0.0.1\n    port: 5432\n"
            f"    database: test\n    schema: {schema}\n"
        ),
    }
    order = [server_first] + [s for s in servers if s != server_first]
    quality = (
        "    quality:\n      - type: custom\n        engine: lockgate\n        implementation:\n"
        "          check: reconcile\n          source: app\n"
        if with_reconcile
        else "    quality:\n      - metric: rowCount\n        mustBeGreaterThan: 0\n"
    )
    return (
        "apiVersion: v3.1.0\nkind: DataContract\nid: reconcile-bench\nversion: 1.0.0\n"
        "status: active\nservers:\n" + "".join(servers[s] for s in order) + "schema:\n"
        "  - name: requests\n    properties:\n"
        "      - name: id\n        logicalType: integer\n        primaryKey: true\n"
        "      - name: status\n        logicalType: string\n        required: true\n"
        "      - name: price\n        logicalType: number\n        required: true\n"
        "      - name: paid\n        logicalType: boolean\n"
        "      - name: updated_at\n        logicalType: timestamp\n        required: true\n"
        + quality
    )


def timed_check(path: Path, server: str) -> tuple[float, object, int]:
    """(seconds, result, bytes the reconcile queries returned)."""
    fetched = []
    original = side_module.Side._count

    def counting(self, rows):
        original(self, rows)
        fetched.append(sum(len(str(v)) for row in rows for v in row))

    side_module.Side._count = counting
    try:
        start = time.perf_counter()
        result = lockgate.validate(lockgate.load_contract(path), server, now=NOW)
        return time.perf_counter() - start, result, sum(fetched)
    finally:
        side_module.Side._count = original


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    args = parser.parse_args()
    schema = f"lg_bench_{uuid.uuid4().hex[:8]}"
    pg = psycopg.connect(host="127.0.0.1", user="postgres", dbname="test", autocommit=True)
    work = Path(tempfile.mkdtemp(prefix="lockgate-reconcile-bench-"))
    report: dict[str, object] = {"rows": args.rows}
    try:
        start = time.perf_counter()
        pg.execute(f'CREATE SCHEMA "{schema}"')
        pg_cols = COLUMNS.replace("DECIMAL(12,2)", "NUMERIC(12,2)")
        pg.execute(
            f'CREATE TABLE "{schema}".requests AS SELECT {pg_cols} '
            f"FROM generate_series(1, {args.rows}) AS g(id)"
        )
        pg.execute(f'ANALYZE "{schema}".requests')
        for name, select in (("same", COLUMNS), ("frozen", f"* REPLACE ({FROZEN})")):
            db = work / f"{name}.duckdb"
            con = duckdb.connect(str(db))
            generated = f"range(1, {args.rows + 1}) t(id)"
            con.execute(f"CREATE TABLE base AS SELECT {COLUMNS} FROM {generated}")
            con.execute(f"CREATE TABLE requests AS SELECT {select} FROM base")
            con.execute("DROP TABLE base")
            con.close()
        report["setup_seconds"] = round(time.perf_counter() - start, 1)
        for name in ("same", "frozen"):
            path = work / f"{name}.odcs.yaml"
            path.write_text(contract_text(work / f"{name}.duckdb", schema, True, "warehouse"))
            seconds, result, fetched = timed_check(path, "warehouse")
            status = result.result("requests.reconcile.status")
            report[f"reconcile_{name}"] = {
                "seconds": round(seconds, 2),
                "bytes_fetched": fetched,
                "passed": result.passed,
                "status_observed": status.observed,
            }
        plain = {}
        for server in ("warehouse", "app"):
            path = work / f"plain_{server}.odcs.yaml"
            path.write_text(contract_text(work / "same.duckdb", schema, False, server))
            seconds, result, _ = timed_check(path, server)
            plain[server] = round(seconds, 2)
        report["ordinary_checks_seconds"] = plain
    finally:
        pg.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        pg.close()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
