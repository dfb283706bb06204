"""Run every generated dataset through both engines: the SQL engine on a temporary DuckDB file
(one schema per dataset) and the frame engine on the pandas frames."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from lockgate.contract import rules as ir
from lockgate.contract.model import Contract, Server
from lockgate.selftest.dataset import Dataset

ENGINES = ("sql", "frame")


@dataclass(frozen=True)
class RuleVerdict:
    passed: bool
    observed: object = None
    error: str | None = None

    def describe(self) -> str:
        return self.error or f"observed {self.observed}"


# DuckDB column types per generated kind: explicit, so that a table emptied by a row-count breaker
# keeps its types (DuckDB cannot infer a type from an empty pandas column)
DUCKDB_TYPES = {"integer": "BIGINT", "number": "DOUBLE", "string": "VARCHAR", "boolean": "BOOLEAN",
                "date": "DATE", "timestamp": "TIMESTAMP", "time": "TIME"}  # fmt: skip
VALID = "valid"


def run_datasets(
    contract: Contract, datasets: dict[str, Dataset], changed: dict[str, set[str]], now: dt.datetime
) -> dict[str, dict[str, dict[str, RuleVerdict]]]:
    """dataset name -> engine -> rule id -> verdict. `datasets` holds the valid dataset under
    "valid"; `changed` names, per other dataset, the tables it changed: only those (and the tables
    whose relationships point at them) are measured again, the others keep the valid verdicts."""
    out: dict[str, dict[str, dict[str, RuleVerdict]]] = {}
    with tempfile.TemporaryDirectory(prefix="lockgate-selftest-") as tmp:
        path = Path(tmp) / "selftest.duckdb"
        schemas = _write(path, datasets)
        for name, dataset in datasets.items():
            scope = contract if name == VALID else _scope(contract, changed[name])
            out[name] = {
                "sql": _sql(scope, path, schemas[name], now),
                "frame": _frame(scope, dataset, now),
            }
            if name != VALID:
                for engine, verdicts in out[name].items():
                    out[name][engine] = {**out[VALID][engine], **verdicts}
    return out


def _scope(contract: Contract, tables: set[str]) -> Contract:
    physical = {t.physical_name for t in contract.tables if t.name in tables}
    readers = {
        r.table
        for r in contract.rules
        if isinstance(r.measure, ir.Orphans) and r.measure.ref_table in physical
    }
    keep = tables | readers
    return dataclasses.replace(
        contract,
        tables=tuple(t for t in contract.tables if t.name in keep),
        rules=tuple(r for r in contract.rules if r.table in keep),
    )


def _write(path: Path, datasets: dict[str, Dataset]) -> dict[str, str]:
    """All datasets into one file, a schema each; the writer is closed before the engines read."""
    schemas = {}
    con = duckdb.connect(str(path))
    try:
        for i, (name, dataset) in enumerate(datasets.items()):
            schema = schemas[name] = f"case_{i}"
            con.execute(f'CREATE SCHEMA "{schema}"')
            for data in dataset.tables.values():
                table = f'"{schema}".{_quote(data.table.physical_name)}'
                columns = ", ".join(f"{_quote(c)} {_duckdb_type(data, c)}" for c in data.columns)
                con.execute(f"CREATE TABLE {table} ({columns})")
                con.register("selftest_frame", data.frame())
                con.execute(f"INSERT INTO {table} SELECT * FROM selftest_frame")
                con.unregister("selftest_frame")
    finally:
        con.close()
    return schemas


def _duckdb_type(data, column: str) -> str:
    kind = data.kinds[column]
    if kind == "timestamp" and data.timezones.get(column):
        return "TIMESTAMPTZ"
    return DUCKDB_TYPES[kind]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql(contract: Contract, path: Path, schema: str, now: dt.datetime) -> dict[str, RuleVerdict]:
    from lockgate.connectors.duckdb import DuckDBConnector
    from lockgate.engines.sql.engine import SqlEngine
    from lockgate.validation import run_engine

    try:
        with DuckDBConnector(
            Server("selftest", "duckdb", {"database": str(path), "schema": schema})
        ) as connector:
            result = run_engine(contract, SqlEngine(connector), server="selftest", as_of=now)
    except Exception as exc:  # an engine crash is a finding about every rule, not a selftest crash
        return _crashed(contract, "sql", exc)
    return {r.rule.id: RuleVerdict(r.passed, r.observed, r.error) for r in result.results}


def _frame(contract: Contract, dataset: Dataset, now: dt.datetime) -> dict[str, RuleVerdict]:
    from lockgate.engines.frame.engine import FrameEngine
    from lockgate.validation import run_engine

    try:
        result = run_engine(
            contract, FrameEngine(dataset.frames(), contract), server=None, as_of=now
        )
    except Exception as exc:
        return _crashed(contract, "frame", exc)
    return {r.rule.id: RuleVerdict(r.passed, r.observed, r.error) for r in result.results}


def _crashed(contract: Contract, engine: str, exc: Exception) -> dict[str, RuleVerdict]:
    message = (
        f"the {engine} engine crashed: {type(exc).__name__}: "
        f"{str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
    )
    return {r.id: RuleVerdict(False, None, message) for r in contract.rules}
