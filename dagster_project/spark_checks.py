"""The reference project's contract checks on Apache Spark: `LOCKGATE_CHECK_ENGINE=spark`.

Spark cannot read the DuckDB warehouse file, so each check first exports the tables its contract
reads (its own and the ones its relationships name) from DuckDB to Parquet, into a folder of its
own under the project's state directory, and runs the contract with the Spark engine on a
`local` Parquet server built here in code (the YAML files are not touched). The folder is removed
when the check ends, so a check never reads another run's export.

A contract's own SQL (`type: sql`) is the exception: Spark has no read-only guard for it yet
(lockgate.engines.spark.unsupported), so those rules run on the contract's DuckDB server, behind
DuckDB's guard, in the same validation; every other rule, and the history's profiles and
change-rate fingerprints (Spark's family), is measured by Spark. The verdicts are recorded in the
history as the Spark engine's, and the training and release guards read them as any other.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lockgate.connectors.base import Connector, expand_env
from lockgate.contract import rules as ir
from lockgate.contract.model import Contract, Server
from lockgate.errors import UsageError

if TYPE_CHECKING:
    import ibis

    from lockgate.results.model import ValidationResult

ENGINE_ENV = "LOCKGATE_CHECK_ENGINE"
ENGINES = ("sql", "spark")
EXPORTS = "spark-exports"  # under the state directory (next to the history file)
SERVER_NAME = "spark-parquet"
_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

Validator = Callable[..., "ValidationResult"]


def check_engine() -> str:
    """`sql` (default: the contracts' own servers) or `spark`, from LOCKGATE_CHECK_ENGINE."""
    engine = os.environ.get(ENGINE_ENV, "").strip().lower() or "sql"
    if engine not in ENGINES:
        raise UsageError(f"{ENGINE_ENV}={engine!r}; expected one of {', '.join(ENGINES)}")
    return engine


def contract_validator() -> Validator | None:
    """What the contract checks validate with: None is lockgate's own `validate`."""
    return validate_on_spark if check_engine() == "spark" else None


def validate_on_spark(
    contract: Contract,
    server: str | None = None,
    *,
    as_of: dt.datetime | None = None,
    history: Any = None,
    partitions: Sequence[Any] | None = None,
) -> ValidationResult:
    """`contract` (whose `server`, default its first, is the DuckDB warehouse) checked by Spark
    over a Parquet export of its tables, recorded in `history` as the Spark engine's run."""
    from lockgate.connectors import connect
    from lockgate.engines.spark.connector import SparkConnector
    from lockgate.engines.sql.engine import SqlEngine
    from lockgate.state.store import open_store
    from lockgate.validation import logical_time, run_engine

    if partitions is not None:
        raise UsageError("the Spark switch checks whole tables; partitioned checks run on DuckDB")
    warehouse = contract.server(server)
    if warehouse is None or warehouse.type != "duckdb":
        raise UsageError(f"{ENGINE_ENV}=spark exports from a duckdb server; {contract.id} has none")
    folder = _state_dir(history) / EXPORTS / f"{_safe(contract.id)}-{uuid.uuid4().hex[:8]}"
    try:
        export_tables(warehouse, tables_read(contract), folder)
        parquet = Server(
            name=SERVER_NAME,
            type="local",
            options={"format": "parquet", "path": str(folder / "{object}.parquet")},
        )
        spark = SparkConnector.for_server(parquet)
        store = open_store(history) if history is not None else contextlib.nullcontext(None)
        with store as opened, OwnSqlOnDuckDB(spark, connect(warehouse)) as conn:
            # no plan cache (as lockgate.validate on Spark): the views are named per check
            engine = SqlEngine(conn, None, contract_hash=None)
            engine.name = "spark"  # the history records the engine and its fingerprint family
            return run_engine(
                contract, engine, server=warehouse.name, as_of=logical_time(as_of), history=opened
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def tables_read(contract: Contract) -> list[str]:
    """The contract's tables and the tables its relationships compare with (physical names)."""
    names = [t.physical_name for t in contract.tables]
    for table in contract.tables:
        for rule in contract.rules_for(table.name):
            if isinstance(rule.measure, ir.Orphans):
                names.append(rule.measure.ref_table)
    return list(dict.fromkeys(names))


def export_tables(warehouse: Server, tables: Sequence[str], folder: Path) -> Path:
    """Each table of the warehouse's schema as `<folder>/<table>.parquet`, written by DuckDB on a
    read-only connection that may write below `folder` only. A table the warehouse lacks, or
    whose name is not a plain identifier, is not exported: the check then reports it missing."""
    import duckdb

    from lockgate.connectors.duckdb import safe_connect

    folder.mkdir(parents=True, exist_ok=True)
    database = str(expand_env(warehouse.options.get("database")))
    schema = expand_env(warehouse.options.get("schema"))
    con = safe_connect(database, read_only=True, directories=(str(folder),))
    try:
        for table in tables:
            if not _PLAIN_NAME.match(table):
                continue
            source = _ident(table) if not schema else f"{_ident(str(schema))}.{_ident(table)}"
            target = str(folder / f"{table}.parquet").replace("'", "''")
            try:
                con.execute(f"COPY (SELECT * FROM {source}) TO '{target}' (FORMAT parquet)")
            except duckdb.CatalogException:
                continue
    finally:
        con.close()
    return folder


class OwnSqlOnDuckDB(Connector):
    """Spark for every rule, except a contract's own SQL, which runs on the DuckDB warehouse (its
    placeholders quoted for DuckDB, `{schema}` its schema) behind DuckDB's read-only guard."""

    def __init__(self, spark: Connector, duckdb: Connector):
        self.spark, self.duckdb = spark, duckdb
        self.dialect = spark.dialect
        self.namespace = duckdb.namespace  # only the contract's own SQL reads it

    def columns(self, table: str) -> list[tuple[str, str]] | None:
        return self.spark.columns(table)

    def fetch(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        return self.spark.fetch(sql)

    def type_parser(self) -> Any:
        return self.spark.type_parser()

    def table_expr(self, table: str) -> ibis.Table | None:
        return self.spark.table_expr(table)

    def to_sql(self, expr: ibis.Expr, star: Sequence[str] | None = None) -> str:
        if star is None:
            return self.spark.to_sql(expr)
        return self.spark.to_sql(expr, star=star)

    def unsupported(self, rule: ir.Rule) -> str | None:
        return None if isinstance(rule.measure, ir.SqlValue) else self.spark.unsupported(rule)

    def adapt(self, rule: ir.Rule) -> ir.Rule:
        return self.spark.adapt(rule)

    def quote_table(self, table: str) -> str:
        return self.duckdb.quote_table(table)

    def quote_column(self, column: str) -> str:
        return self.duckdb.quote_column(column)

    def fetch_rule_value(self, sql: str) -> Any:
        return self.duckdb.fetch_rule_value(sql)

    def close(self) -> None:
        try:
            self.spark.close()
        finally:
            self.duckdb.close()


def _state_dir(history: Any) -> Path:
    """Next to a history file; the project's state directory for a PostgreSQL history."""
    if history is not None and not str(history).startswith("postgres"):
        return Path(str(history)).parent
    from dagster_project.paths import STATE_DIR

    return STATE_DIR


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", name)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
