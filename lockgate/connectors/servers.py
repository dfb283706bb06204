"""The server types lockgate checks: one entry each, and nothing else branches on a server's type.

A contract's `servers[].type` picks an entry here. The entry says how to open it (the connector
class), which SQL dialect ibis compiles for it, which database parser classifies a contract's
own SQL before it runs there, the schema a table is in when the contract names none, whether the
database's `hash()` takes any type, and whether the default history store lives in it. Adding a
server type (e.g. Spark) is one `ServerType(...)` in SERVER_TYPES plus its connector module.

Connector classes and ibis type parsers are named as "module:attribute" and imported only when a
server of that type is opened: a driver (psycopg, pyspark) costs start-up time and may not be
installed at all for users who never use that server type.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ServerType:
    name: str  # the contract's `servers[].type`
    connector: str  # "module:Class", a lockgate.connectors.base.Connector taking the Server
    dialect: str  # the ibis/sqlglot dialect the fused query is compiled for
    type_parser: str  # "module:Class", ibis's parser of the dialect's column type names
    statement_parser: str  # whose parser classifies contract SQL: lockgate.connectors.safety
    default_schema: str | None  # where a table is when the server names no schema
    # the dialect's 64-bit hash of any type (NULL hashes to a constant), e.g. DuckDB's `hash`;
    # None: fingerprints hash the value's text (slower, but needs no per-type code)
    native_hash: str | None
    holds_history: bool = False  # the default history store is a schema of this server
    aliases: tuple[str, ...] = ()  # other spellings accepted in a contract
    formats: tuple[str, ...] = ()  # file formats, for servers that read files
    label: str = "{type} server"  # how `lockgate infer` names a source, from its options
    # the fingerprint family its hashes belong to (fingerprints compare only within one);
    # None: the dialect's name
    fingerprint_family: str | None = None
    # the engine that opens it: `connect()` (the SQL engine) refuses a server of another engine
    engine: str = "sql"
    # how `--engine spark` reads it: "files" (its Parquet/CSV files) or "catalog" (a catalog's
    # tables); None: Spark does not check it
    spark_reads: str | None = None

    @property
    def family(self) -> str:
        return self.fingerprint_family or self.dialect


SERVER_TYPES: tuple[ServerType, ...] = (
    ServerType(
        name="duckdb",
        connector="lockgate.connectors.duckdb:DuckDBConnector",
        dialect="duckdb",
        type_parser="ibis.backends.sql.datatypes:DuckDBType",
        statement_parser="duckdb",
        default_schema="main",
        native_hash="hash",
        label="DuckDB {database} (schema {schema})",
    ),
    ServerType(
        name="postgres",
        connector="lockgate.connectors.postgres:PostgresConnector",
        dialect="postgres",
        type_parser="ibis.backends.sql.datatypes:PostgresType",
        statement_parser="postgres",
        default_schema="public",
        native_hash=None,
        holds_history=True,
        aliases=("postgresql",),
        label="PostgreSQL {host}:{port}/{database} (schema {schema})",
    ),
    ServerType(
        name="local",
        connector="lockgate.connectors.local:LocalFilesConnector",
        dialect="duckdb",  # local Parquet/CSV files are read by an in-process DuckDB
        type_parser="ibis.backends.sql.datatypes:DuckDBType",
        statement_parser="duckdb",
        default_schema=None,
        native_hash="hash",
        formats=("parquet", "csv"),
        label="{format} files {path}",
        spark_reads="files",
    ),
    ServerType(
        name="databricks",  # a Spark catalog's `catalog`.`schema`, checked with --engine spark
        connector="lockgate.engines.spark.connector:SparkConnector",
        dialect="pyspark",
        type_parser="ibis.backends.sql.datatypes:PySparkType",
        # the fused queries ibis compiles for Spark pass the DuckDB read-only guard; a contract's
        # own SQL does not run on Spark at all (lockgate.engines.spark.unsupported)
        statement_parser="duckdb",
        default_schema=None,  # a databricks server must name its schema
        native_hash="xxhash64",  # Spark's own `hash` is a 32-bit Murmur3
        fingerprint_family="spark",
        engine="spark",
        label="Databricks {catalog}.{schema}",
        spark_reads="catalog",
    ),
)

#: what runs contract SQL where no server is known (frames, contracts without servers)
FALLBACK = SERVER_TYPES[0]

_BY_NAME: Mapping[str, ServerType] = {
    spelling: t for t in SERVER_TYPES for spelling in (t.name, *t.aliases)
}


def server_type(kind: str) -> ServerType | None:
    """The entry for a contract's `type` (any accepted spelling), or None if lockgate has none."""
    return _BY_NAME.get(kind)


def supported_names() -> tuple[str, ...]:
    """Every `type` a contract may name, aliases included."""
    return tuple(_BY_NAME)


def spoken_names(types: Iterable[ServerType] = SERVER_TYPES) -> str:
    """Server types for a message: "duckdb, postgres and local"."""
    names = [t.name for t in types]
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]


def for_dialect(dialect: str) -> ServerType:
    """The first entry compiled for `dialect` (what the dialect implies does not depend on
    which of its server types asks); the fallback for a dialect no entry has."""
    return next((t for t in SERVER_TYPES if t.dialect == dialect), FALLBACK)


def load(reference: str) -> Any:
    """The object a "module:attribute" entry names, imported now."""
    module, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module), attribute)


def type_parser(dialect: str) -> Any:
    """ibis's parser of `dialect`'s type names (`.from_string`)."""
    return load(for_dialect(dialect).type_parser)
