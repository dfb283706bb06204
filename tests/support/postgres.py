"""Access to the PostgreSQL server on 127.0.0.1:5432 for tests.

Tests that need it skip with a clear reason when no server answers, except under CI=true, where
a missing server is a failure: CI must exercise the Postgres paths.
"""

from __future__ import annotations

import os
import uuid

import pytest

PG = {
    "host": os.environ.get("LOCKGATE_PG_HOST", "127.0.0.1"),
    "port": int(os.environ.get("LOCKGATE_PG_PORT", "5432")),
    "user": os.environ.get("LOCKGATE_PG_USER", "postgres"),
    "dbname": os.environ.get("LOCKGATE_PG_DATABASE", "test"),
}


def pg_connect(autocommit: bool = True):
    import psycopg

    return psycopg.connect(**PG, connect_timeout=3, autocommit=autocommit)


def require_postgres():
    """A live connection, or skip (fail under CI=true) with the reason."""
    import psycopg

    try:
        return pg_connect()
    except psycopg.Error as exc:
        reason = f"PostgreSQL at {PG['host']}:{PG['port']} (database {PG['dbname']}) is not reachable: {str(exc).strip()}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true requires PostgreSQL: {reason}")
        pytest.skip(reason)


@pytest.fixture
def pg_schema():
    """A fresh schema, dropped afterwards; yields (connection, schema name)."""
    con = require_postgres()
    name = f"lg_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    con.execute(f'CREATE SCHEMA "{name}"')
    try:
        yield con, name
    finally:
        con.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        con.close()


PG_TYPES = {
    "int64": "BIGINT",
    "Int64": "BIGINT",
    "float64": "DOUBLE PRECISION",
    "bool": "BOOLEAN",
    "boolean": "BOOLEAN",
}


def pg_load_frame(con, schema: str, table: str, df, types: dict[str, str] | None = None) -> None:
    """Create `schema.table` and COPY the frame in (explicit types where pandas' are ambiguous)."""
    import pandas as pd

    types = dict(types or {})
    cols = []
    for name, dtype in df.dtypes.items():
        if name not in types:
            if pd.api.types.is_datetime64_any_dtype(dtype):
                types[name] = "TIMESTAMP"
            else:
                types[name] = PG_TYPES.get(str(dtype), "TEXT")
        cols.append(f'"{name.replace(chr(34), chr(34) * 2)}" {types[name]}')
    qualified = f'"{schema}"."{table}"'
    con.execute(f"CREATE TABLE {qualified} ({', '.join(cols)})")
    names = ", ".join('"' + c.replace('"', '""') + '"' for c in df.columns)
    with con.cursor().copy(f"COPY {qualified} ({names}) FROM STDIN") as copy:
        for row in df.astype(object).where(df.notna(), None).itertuples(index=False):
            copy.write_row([v.to_pydatetime() if hasattr(v, "to_pydatetime") else v for v in row])
