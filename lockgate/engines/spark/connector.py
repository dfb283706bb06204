"""Spark as a connector of the SQL engine: ibis's PySpark compiler writes the SQL, `spark.sql`
runs it. Tables are views or catalog tables of one Spark session:

- `SparkConnector.for_server`: a `local` server's Parquet or CSV files (one temporary view per
  contract table), or a `databricks` server's `catalog`/`schema` in the session's catalog;
- `SparkConnector.for_frames`: DataFrames a PySpark job hands in (`lockgate.validate_spark`).

Temporary views get names of their own (`lg_<id>_<table>`): sessions are shared, and two checks
in one session must not see each other's tables.
"""

from __future__ import annotations

import glob
import os
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.datatypes as dt
from ibis.backends.sql.datatypes import PySparkType

from lockgate.connectors.base import Connector, check_data_path, expand_env
from lockgate.connectors.local import data_directory
from lockgate.connectors.servers import SERVER_TYPES, server_type, spoken_names
from lockgate.contract import rules as ir
from lockgate.contract.model import Server
from lockgate.engines.spark.compiler import to_spark_sql
from lockgate.engines.spark.regex import with_java_patterns
from lockgate.engines.spark.unsupported import unsupported_reason
from lockgate.errors import ConnectionFailed, UsageError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

READERS = ("parquet", "csv")


class SparkConnector(Connector):
    dialect = "pyspark"
    # files are read through temporary views named per check: a cached plan would name a view
    # that no longer exists
    plans_cacheable = False

    def __init__(self, session: SparkSession, tables: Mapping[str, str], namespace: str | None):
        """`tables`: contract table -> the name Spark knows it by (a view, or a table of
        `namespace`); a table missing from it is looked up in `namespace`."""
        self.session = session
        self.namespace = namespace
        self._names = dict(tables)
        self._views: list[str] = [v for t, v in tables.items() if v != t]
        self._conf = _pin_session(session)

    # -- construction ----------------------------------------------------------------------------

    @classmethod
    def for_server(cls, server: Server) -> SparkConnector:
        entry = server_type(server.type)
        reads = entry.spark_reads if entry is not None else None
        if reads is None:
            readable = spoken_names(t for t in SERVER_TYPES if t.spark_reads)
            raise UsageError(
                f"--engine spark checks servers of type {readable}; "
                f"server {server.name!r} is of type {server.type!r}"
            )
        from lockgate.engines.spark.session import spark_session

        if reads == "catalog":
            return _catalog_connector(spark_session(), server)
        return _files_connector(spark_session(), server)

    @classmethod
    def for_frames(cls, frames: Mapping[str, DataFrame]) -> SparkConnector:
        if not frames:
            raise UsageError("validate_spark needs at least one DataFrame ({'table': df})")
        session = next(iter(frames.values())).sparkSession
        tag = uuid.uuid4().hex[:8]
        names = {}
        for table, df in frames.items():
            names[table] = _view_name(tag, table)
            df.createOrReplaceTempView(names[table])
        return cls(session, names, None)

    # -- the Connector interface -----------------------------------------------------------------

    def _spark_name(self, table: str) -> str:
        return self._names.get(table, table)

    def _qualified(self, table: str) -> str:
        name = self._spark_name(table)
        if table in self._names and name != table:
            return _quote(name)
        return ".".join(_quote(p) for p in (*_parts(self.namespace), name))

    def unsupported(self, rule: ir.Rule) -> str | None:
        reason = unsupported_reason(rule)
        return None if reason is None else f"not supported on Spark: {reason}"

    def adapt(self, rule: ir.Rule) -> ir.Rule:
        return with_java_patterns(rule)

    def columns(self, table: str) -> list[tuple[str, str]] | None:
        if any(sep in table for sep in ("/", "\\", "`")):
            return None
        try:
            schema = self.session.table(self._qualified(table)).schema
        except Exception:  # AnalysisException: no such table or view
            return None
        return [(f.name, f.dataType.simpleString()) for f in schema.fields] or None

    def type_parser(self) -> Any:
        return PySparkType

    def table_expr(self, table: str) -> ibis.Table | None:
        cols = self.columns(table)
        if cols is None:
            return None
        schema = {}
        for name, native in cols:
            try:
                schema[name] = PySparkType.from_string(native)
            except Exception:  # a type ibis cannot name: still checkable for nulls/duplicates
                schema[name] = dt.unknown
        name = self._spark_name(table)
        if table in self._names and name != table:
            return ibis.table(ibis.schema(schema), name=name)
        catalog, database = _catalog_and_database(self.namespace)
        return ibis.table(ibis.schema(schema), name=name, catalog=catalog, database=database)

    def to_sql(self, expr: Any, star: Sequence[str] | None = None) -> str:
        return to_spark_sql(expr, star=star)

    def quote_table(self, table: str) -> str:
        return self._qualified(table)

    def quote_column(self, column: str) -> str:
        return _quote(column)

    def fetch(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Rows through Arrow: timestamps come back in the session's time zone (UTC), where
        `collect()` would turn them into the Python process's local time."""
        arrow = self.session.sql(sql).toArrow()
        columns = [c.to_pylist() for c in arrow.columns]
        return list(arrow.column_names), list(zip(*columns, strict=True)) if columns else []

    def close(self) -> None:
        for view in self._views:
            try:
                self.session.catalog.dropTempView(view)
            except Exception:  # noqa: BLE001 - a stopped session has no views left to drop
                pass
        _restore(self.session, self._conf)


def _files_connector(session: SparkSession, server: Server) -> SparkConnector:
    path = expand_env(server.options.get("path"))
    fmt = server.options.get("format")
    if fmt not in READERS:
        raise ConnectionFailed(
            f"server {server.name!r}: local format {fmt!r} is not supported; use parquet or csv"
        )
    if not path:
        raise ConnectionFailed(f"server {server.name!r}: local servers need `path`")
    given, path = path, os.path.abspath(path)
    check_data_path(data_directory(path), server.name)
    if not glob.glob(path.replace("{object}", "*").replace("{model}", "*")):
        where = "" if os.path.isabs(given) else f" (relative to {os.getcwd()})"
        raise ConnectionFailed(f"server {server.name!r}: no file matches path {given}{where}")
    tag = uuid.uuid4().hex[:8]
    return _LazyFiles(session, path, fmt, tag)


class _LazyFiles(SparkConnector):
    """A local server's files: a table's view is made the first time the table is named."""

    def __init__(self, session: SparkSession, path: str, fmt: str, tag: str):
        super().__init__(session, {}, None)
        self.path, self.format, self.tag = path, fmt, tag

    def _spark_name(self, table: str) -> str:
        if table not in self._names:
            self._names[table] = self._register(table)
        return self._names[table]

    def _qualified(self, table: str) -> str:
        return _quote(self._spark_name(table))

    def table_expr(self, table: str) -> ibis.Table | None:
        self._spark_name(table)
        return super().table_expr(table)

    def _register(self, table: str) -> str:
        view = _view_name(self.tag, table)
        path = self.path.replace("{object}", table).replace("{model}", table)
        if any(sep in table for sep in ("/", "\\")) or not glob.glob(path):
            return view  # no view: `columns` answers that the table does not exist
        files = sorted(glob.glob(path))
        reader = self.session.read
        if self.format == "csv":
            # CSV has no types: Spark infers them, as DuckDB's read_csv_auto does
            reader = reader.option("header", True).option("inferSchema", True)
            df = reader.csv(files)
        else:
            df = reader.parquet(*files)
        df.createOrReplaceTempView(view)
        self._views.append(view)
        return view


def _catalog_connector(session: SparkSession, server: Server) -> SparkConnector:
    opts = {k: expand_env(v) for k, v in server.options.items()}
    catalog, schema = opts.get("catalog"), opts.get("schema")
    if not schema:
        raise ConnectionFailed(f"server {server.name!r}: databricks servers need `schema`")
    namespace = f"{catalog}.{schema}" if catalog else str(schema)
    try:
        found = session.catalog.databaseExists(namespace)
    except Exception:  # noqa: BLE001 - an unknown catalog
        found = False
    if not found:
        raise ConnectionFailed(
            f"server {server.name!r}: the Spark catalog has no schema {namespace}"
        )
    return SparkConnector(session, {}, namespace)


def _view_name(tag: str, table: str) -> str:
    safe = "".join(c if c.isalnum() else "_" for c in table)[:60]
    return f"lg_{tag}_{safe}"


def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _parts(namespace: str | None) -> list[str]:
    return namespace.split(".") if namespace else []


def _catalog_and_database(namespace: str | None) -> tuple[str | None, str | None]:
    parts = _parts(namespace)
    if len(parts) == 2:
        return parts[0], parts[1]
    return None, (parts[0] if parts else None)


# Settings a check needs whatever session it runs in; the session's own values come back after.
_CHECK_CONF = {
    "spark.sql.session.timeZone": "UTC",  # naive timestamps are UTC, as on the other engines
    "spark.sql.runSQLOnFiles": "false",  # `parquet.`/path`` in SQL would read any file
}


def _pin_session(session: SparkSession) -> dict[str, Any]:
    before = {}
    for key, value in _CHECK_CONF.items():
        try:
            before[key] = session.conf.get(key, None)
            session.conf.set(key, value)
        except Exception:  # noqa: BLE001 - a managed session that refuses the setting
            continue
    return before


def _restore(session: SparkSession, before: dict[str, Any]) -> None:
    for key, value in before.items():
        try:
            if value is None:
                session.conf.unset(key)
            else:
                session.conf.set(key, value)
        except Exception:  # noqa: BLE001 - a stopped session
            continue
