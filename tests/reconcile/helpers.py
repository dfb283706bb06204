"""Two copies of a small `requests` table: the application's (source) and the warehouse's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

import lockgate
from tests.support.files import write_contract
from tests.support.postgres import PG

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)  # pinned clock of every check
ROWS = 400

COLUMNS_PG = (
    "id BIGINT, status TEXT, price NUMERIC(10,2), paid BOOLEAN, updated_at TIMESTAMPTZ, due DATE"
)
COLUMNS_DUCK = (
    "id INTEGER, status VARCHAR, price DECIMAL(12,2), paid BOOLEAN, "
    "updated_at TIMESTAMPTZ, due DATE"
)


def rows(n: int = ROWS) -> list[tuple]:
    """Deterministic rows; every row changed at least a day before NOW."""
    out = []
    for i in range(1, n + 1):
        updated = dt.datetime(2026, 2, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=37 * i)
        out.append(
            (
                i,
                ["open", "quoted", "hired"][i % 3],
                f"{i * 1.25:.2f}",
                i % 2 == 0,
                updated,
                dt.date(2026, 2, 1) + dt.timedelta(days=i % 20),
            )
        )
    return out


def load_postgres(
    con, schema: str, data: list[tuple], table: str = "requests", columns: str = COLUMNS_PG
) -> None:
    con.execute(f'CREATE TABLE "{schema}"."{table}" ({columns})')
    with con.cursor() as cur:
        placeholders = ", ".join(["%s"] * len(data[0]))
        cur.executemany(f'INSERT INTO "{schema}"."{table}" VALUES ({placeholders})', data)


def load_duckdb(
    path: Path, data: list[tuple], table: str = "requests", columns: str = COLUMNS_DUCK
) -> Path:
    con = duckdb.connect(str(path))
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute(f'CREATE OR REPLACE TABLE "{table}" ({columns})')
        placeholders = ", ".join(["?"] * len(data[0]))
        con.executemany(f'INSERT INTO "{table}" VALUES ({placeholders})', data)
    finally:
        con.close()
    return path


def pg_server(schema: str, name: str = "app") -> str:
    return (
        f"  - server: {name}\n    type: postgres\n    host: {PG['host']}\n    port: {PG['port']}\n"
        f"    database: {PG['dbname']}\n    schema: {schema}\n"
    )


UNREACHABLE_APP = (
    "  - server: app\n    type: postgres\n    host: 127.0.0.1\n    port: 1\n"
    "    database: test\n    schema: public\n"
)


def duck_server(path: Path, name: str = "warehouse") -> str:
    return f"  - server: {name}\n    type: duckdb\n    database: {path}\n"


def parquet_server(path: Path, name: str) -> str:
    return f"  - server: {name}\n    type: local\n    path: {path}\n    format: parquet\n"


def contract_text(servers: str, implementation: str = "source: app") -> str:
    impl = "\n".join(f"          {line}" for line in implementation.splitlines())
    return (
        "apiVersion: v3.1.0\nkind: DataContract\nid: reconcile-test\nversion: 1.0.0\n"
        "status: active\n"
        f"servers:\n{servers}"
        "schema:\n  - name: requests\n    properties:\n"
        "      - name: id\n        logicalType: integer\n        primaryKey: true\n"
        "      - name: status\n        logicalType: string\n"
        "      - name: price\n        logicalType: number\n"
        "      - name: paid\n        logicalType: boolean\n"
        "      - name: updated_at\n        logicalType: timestamp\n"
        "      - name: due\n        logicalType: date\n"
        "    quality:\n      - type: custom\n        engine: lockgate\n        implementation:\n"
        f"          check: reconcile\n{impl}\n"
    )


def check(
    tmp_path: Path, servers: str, implementation: str = "source: app", server: str = "warehouse"
):
    contract = lockgate.load_contract(
        write_contract(tmp_path, contract_text(servers, implementation))
    )
    return lockgate.validate(contract, server, as_of=NOW)


def by_id(result) -> dict:
    """The reconcile results by rule id (the contract's other rules are not under test)."""
    return {r.rule.id: r for r in result.results if r.rule.check == "reconcile"}
