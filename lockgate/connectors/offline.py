"""A connector that knows only the contract: column types come from `logicalType`.

Used to show the SQL a contract compiles to without reaching the warehouse (e.g. in a pull
request). It can plan but not execute.
"""

from __future__ import annotations

from typing import Any

from lockgate.connectors.base import Connector
from lockgate.connectors.servers import type_parser
from lockgate.contract.model import Contract
from lockgate.errors import LockgateError

# logicalType -> a type name the dialect's parser understands
_NATIVE = {
    "string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE PRECISION", "boolean": "BOOLEAN",
    "date": "DATE", "timestamp": "TIMESTAMP", "time": "TIME",
}  # fmt: skip


class OfflineConnector(Connector):
    def __init__(self, contract: Contract, dialect: str, namespace: str | None):
        self.contract = contract
        self.dialect = dialect
        self.namespace = namespace

    def type_parser(self) -> Any:
        return type_parser(self.dialect)

    def columns(self, table: str) -> list[tuple[str, str]] | None:
        found = next((t for t in self.contract.tables if t.physical_name == table), None)
        if found is None:
            return None
        return [
            (c.physical_name, _NATIVE.get(c.logical_type or "string", "VARCHAR"))
            for c in found.columns
        ]

    def fetch(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        raise LockgateError("the offline connector cannot run queries")
