"""Where `lockgate infer` reads a table: a DuckDB file, PostgreSQL, or local Parquet/CSV files.

Each source is the `Server` the connectors open plus the `servers:` entry written into the
inferred contract, so that `lockgate check` reads the same place the contract was inferred from.
Credentials never enter a contract: PostgreSQL users and passwords come from the environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from lockgate.connectors.servers import server_type
from lockgate.contract.model import Server
from lockgate.errors import UsageError

LOCAL_FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv"}


@dataclass(frozen=True)
class Source:
    server: Server
    entry: dict[str, Any]  # the `servers:` entry of the inferred contract

    @property
    def where(self) -> str:
        known = server_type(self.server.type)
        return known.label.format(**self.entry) if known else f"{self.server.type} server"


def _default(kind: str) -> str | None:
    known = server_type(kind)
    return known.default_schema if known else None


def _source(kind: str, name: str, **options: Any) -> Source:
    entry = {"server": name, "type": kind, **options}
    return Source(Server(name=name, type=kind, options=options), entry)


def duckdb_source(database: Path | str, schema: str | None = None) -> Source:
    return _source("duckdb", "duckdb", database=str(database), schema=schema or _default("duckdb"))


def postgres_source(
    host: str | None = None,
    port: int | None = None,
    database: str | None = None,
    schema: str | None = None,
) -> Source:
    return _source(
        "postgres",
        "postgres",
        host=host or os.environ.get("PGHOST") or "127.0.0.1",
        port=int(port or os.environ.get("PGPORT") or 5432),
        database=database or os.environ.get("PGDATABASE") or "postgres",
        schema=schema or _default("postgres"),
    )


def postgres_url_source(url: str) -> Source:
    """`postgresql://host[:port]/database[?schema=name]`; credentials are refused (they would end
    up in the contract's history) and come from LOCKGATE_POSTGRES_USER/_PASSWORD or
    PGUSER/PGPASSWORD."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise UsageError(
            f"--server-url must be postgresql://host:port/database[?schema=name], got {url!r}"
        )
    if parts.username or parts.password:
        raise UsageError(
            "put no user or password in --server-url: set LOCKGATE_POSTGRES_USER and "
            "LOCKGATE_POSTGRES_PASSWORD (or PGUSER/PGPASSWORD)"
        )
    query = parse_qs(parts.query)
    unknown = sorted(set(query) - {"schema"})
    if unknown:
        raise UsageError(
            f"--server-url: unknown parameter(s) {', '.join(unknown)}; only ?schema=name is read"
        )
    try:
        port = parts.port
    except ValueError:
        raise UsageError(f"--server-url: invalid port in {url!r}") from None
    database = unquote(parts.path.lstrip("/")) or None
    schemas = query.get("schema")
    return postgres_source(parts.hostname, port, database, schemas[0] if schemas else None)


def file_source(path: str) -> Source:
    suffix = Path(path.replace("*", "x")).suffix.lower()
    fmt = LOCAL_FORMATS.get(suffix)
    if fmt is None:
        raise UsageError(
            f"--file {path}: cannot tell the format from {suffix or 'no extension'}; "
            "expected .parquet or .csv"
        )
    return _source("local", "local", path=path, format=fmt)


def choose_source(
    *,
    duckdb: Path | None = None,
    schema: str | None = None,
    postgres_host: str | None = None,
    postgres_port: int | None = None,
    postgres_database: str | None = None,
    postgres_schema: str | None = None,
    server_url: str | None = None,
    file: str | None = None,
) -> Source:
    """Exactly one kind of source from the command-line options."""
    postgres = any(
        v is not None for v in (postgres_host, postgres_port, postgres_database, postgres_schema)
    )
    given = [
        name
        for name, used in (
            ("--duckdb", duckdb is not None),
            ("--postgres-*", postgres),
            ("--server-url", server_url is not None),
            ("--file", file is not None),
        )
        if used
    ]
    if len(given) != 1:
        what = f"got {' and '.join(given)}" if given else "got none"
        raise UsageError(
            "name one source: --duckdb PATH, --postgres-host/--postgres-database..., "
            f"--server-url postgresql://..., or --file PATH ({what})"
        )
    if schema is not None and duckdb is None:
        raise UsageError(
            "--schema is the DuckDB schema; for PostgreSQL use --postgres-schema (or "
            "?schema= in --server-url)"
        )
    if duckdb is not None:
        if not duckdb.is_file():
            raise UsageError(f"DuckDB file {duckdb} does not exist")
        return duckdb_source(duckdb, schema)
    if postgres:
        return postgres_source(postgres_host, postgres_port, postgres_database, postgres_schema)
    if server_url is not None:
        return postgres_url_source(server_url)
    assert file is not None  # exactly one source was named
    return file_source(file)
