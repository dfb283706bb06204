"""Where quarantined rows are kept: a DuckDB file, a Parquet folder, or a PostgreSQL schema.

Each stored row carries its table, its key (the primary key's values, or a hash of the row when
the table has none), the ids of every rule it broke, the load it belongs to (data state and
as-of time), the contract id and version, and the row itself as JSON. A load is written whole:
writing the same load again replaces its rows, so a retry never duplicates them.

The store is opened by lockgate for itself, with its own connection: the warehouse connection
stays read-only. Its `location` names it without credentials.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import re
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qs, urlsplit, urlunsplit

import pandas as pd

from lockgate.contract.model import Contract, Table
from lockgate.errors import LockgateError
from lockgate.results.jsonable import json_safe

if TYPE_CHECKING:  # the drivers are imported by the store that uses them, when it is opened
    import duckdb
    import psycopg

COLUMNS = (
    "contract",
    "version",
    "table_name",
    "load_id",
    "as_of",
    "row_key",
    "rules",
    "row_json",
    "stored_at",
)
PG_SCHEMA = "lockgate_quarantine"


def open_quarantine_store(
    location: str | os.PathLike[str],
) -> DuckDBQuarantineStore | ParquetQuarantineStore | PostgresQuarantineStore:
    text = str(location)
    if text.startswith(("postgresql://", "postgres://")):
        return PostgresQuarantineStore(text)
    path = Path(text)
    if path.suffix in (".duckdb", ".db") or path.is_file():
        return DuckDBQuarantineStore(path)
    return ParquetQuarantineStore(path)


def records(
    contract: Contract,
    table: Table,
    rows: pd.DataFrame,
    rules: list[list[str]],
    load: str,
    as_of: dt.datetime,
) -> pd.DataFrame:
    """One store record per quarantined row."""
    stored_at = dt.datetime.now(dt.UTC)
    keys = [k for k in table.key_columns if k in rows.columns]
    out = []
    for row, ids in zip(rows.astype(object).to_dict("records"), rules):
        values = {str(k): json_safe(_none(v)) for k, v in row.items()}
        text = json.dumps(values, sort_keys=True)
        key = (
            json.dumps({k: values[k] for k in keys}, sort_keys=True)
            if keys
            else hashlib.sha256(text.encode()).hexdigest()[:16]
        )
        out.append(
            (
                contract.id,
                contract.version,
                table.name,
                load,
                _utc(as_of),
                key,
                json.dumps(ids),
                text,
                stored_at,
            )
        )
    return pd.DataFrame(out, columns=list(COLUMNS))


def _none(value: Any) -> Any:
    return None if value is pd.NA or (isinstance(value, float) and math.isnan(value)) else value


def _utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


class _Cursor(Protocol):
    """What the stores use of a DuckDB connection or a psycopg cursor."""

    def execute(self, query: str, params: Sequence[Any] = ..., /) -> Any: ...

    def executemany(self, query: str, params: Sequence[Sequence[Any]], /) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class _SqlStore:
    """The DuckDB and PostgreSQL stores: one table, a load replaced in one transaction."""

    param = "?"
    table: str  # the quoted name of the store's table, set by the subclass
    location: str

    def _transaction(self) -> AbstractContextManager[_Cursor]:
        """A context manager yielding a cursor inside a transaction (committed on success)."""
        raise NotImplementedError

    def _ddl(self) -> str:
        return (
            f"CREATE TABLE IF NOT EXISTS {self.table} (contract TEXT, version TEXT,"
            " table_name TEXT, load_id TEXT, as_of TIMESTAMPTZ, row_key TEXT, rules TEXT,"
            " row_json TEXT, stored_at TIMESTAMPTZ)"
        )

    def write(
        self,
        contract: Contract,
        table: Table,
        rows: pd.DataFrame,
        rules: list[list[str]],
        *,
        load: str,
        as_of: dt.datetime,
    ) -> int:
        frame = records(contract, table, rows, rules, load, as_of)
        p = self.param
        with self._transaction() as cur:
            cur.execute(
                f"DELETE FROM {self.table}"
                f" WHERE contract = {p} AND table_name = {p} AND load_id = {p}",
                (contract.id, table.name, load),
            )
            if len(frame):
                marks = ", ".join([p] * len(COLUMNS))
                cur.executemany(
                    f"INSERT INTO {self.table} ({', '.join(COLUMNS)}) VALUES ({marks})",
                    [tuple(r) for r in frame.itertuples(index=False)],
                )
        return len(frame)

    def read(self, table: str | None = None) -> pd.DataFrame:
        where, args = (f" WHERE table_name = {self.param}", (table,)) if table else ("", ())
        with self._transaction() as cur:
            cur.execute(
                f"SELECT {', '.join(COLUMNS)} FROM {self.table}{where}"
                " ORDER BY table_name, as_of, row_key",
                args,
            )
            rows = cur.fetchall()
        return pd.DataFrame(rows, columns=list(COLUMNS))


class DuckDBQuarantineStore(_SqlStore):
    def __init__(self, path: Path):
        import duckdb

        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(path))
        except duckdb.Error as exc:
            raise LockgateError(
                f"cannot open the quarantine store {path}: {str(exc).splitlines()[0]}"
            ) from None
        self.table = "lockgate_quarantine"
        self.location = str(path)
        self.con.execute(self._ddl())

    def _transaction(self) -> _DuckTransaction:
        return _DuckTransaction(self.con)

    def close(self) -> None:
        self.con.close()


class _DuckTransaction:
    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def __enter__(self) -> duckdb.DuckDBPyConnection:
        self.con.execute("BEGIN TRANSACTION")
        return self.con

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self.con.execute("ROLLBACK" if kind else "COMMIT")


class PostgresQuarantineStore(_SqlStore):
    """`postgresql://user@host:port/db?schema=NAME` (default schema lockgate_quarantine): a schema
    the store may write; the password comes from the URL or libpq's environment (PGPASSWORD)."""

    param = "%s"

    def __init__(self, url: str):
        import psycopg

        parts = urlsplit(url)
        query = parse_qs(parts.query)
        schema = (query.pop("schema", [PG_SCHEMA]) or [PG_SCHEMA])[0]
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", schema):
            raise LockgateError(
                f"quarantine store schema must be a plain identifier, got {schema!r}"
            )
        rest = "&".join(f"{k}={v[0]}" for k, v in query.items())
        conninfo = urlunsplit((parts.scheme, parts.netloc, parts.path, rest, ""))
        try:
            self.con = psycopg.connect(
                conninfo,
                application_name="lockgate-quarantine",
                connect_timeout=10,
                autocommit=True,
            )
            self.table = f'"{schema}".quarantined_rows'
            with self._transaction() as cur:
                cur.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
                cur.execute(self._ddl())
        except psycopg.Error as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise LockgateError(
                f"cannot open the quarantine store in PostgreSQL (schema {schema}): {reason}"
            ) from None
        info = self.con.info
        self.location = (
            f"postgresql://{info.host}:{info.port}/{info.dbname}?schema={schema}"  # no credentials
        )

    def _transaction(self) -> _PgTransaction:
        return _PgTransaction(self.con)

    def close(self) -> None:
        self.con.close()


class _PgTransaction:
    def __init__(self, con: psycopg.Connection[Any]):
        self.con = con

    def __enter__(self) -> psycopg.Cursor[Any]:
        self._tx = self.con.transaction()
        self._tx.__enter__()
        self._cur = self.con.cursor()
        return self._cur

    def __exit__(self, *exc: Any) -> bool | None:
        self._cur.close()
        return self._tx.__exit__(*exc)


class ParquetQuarantineStore:
    """One Parquet file per (contract, table, load) in the folder; rewriting a load replaces it."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.location = str(folder)

    def _file(self, contract: str, table: str, load: str) -> Path:
        return self.folder / _slug(contract) / _slug(table) / f"load-{_slug(load)}.parquet"

    def write(
        self,
        contract: Contract,
        table: Table,
        rows: pd.DataFrame,
        rules: list[list[str]],
        *,
        load: str,
        as_of: dt.datetime,
    ) -> int:
        frame = records(contract, table, rows, rules, load, as_of)
        path = self._file(contract.id, table.name, load)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        frame.to_parquet(tmp, index=False)
        tmp.replace(path)  # atomic: a reader sees the old load or the new one
        return len(frame)

    def read(self, table: str | None = None) -> pd.DataFrame:
        files = sorted(self.folder.glob("*/*/load-*.parquet"))
        frames = [pd.read_parquet(f) for f in files]
        if not frames:
            return pd.DataFrame(columns=list(COLUMNS))
        out = pd.concat(frames, ignore_index=True)
        if table:
            out = out[out["table_name"] == table]
        return out.sort_values(["table_name", "as_of", "row_key"]).reset_index(drop=True)

    def close(self) -> None:
        pass


def _slug(text: str) -> str:
    """A file name from contract text: readable where safe, with a hash so names never collide."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", text)[:40].lstrip(".")
    return f"{safe}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"
