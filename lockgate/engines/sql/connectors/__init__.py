"""One small connector per server type: open read-only, introspect a table, run a query.

Expressions are built and compiled by ibis (see `lockgate.engines.sql.expressions`); connectors
only execute the compiled SQL through the native driver. This keeps `lockgate check` start-up
short (no ibis backend objects) and lets `lockgate export --to sql` show exactly what runs.
"""

from __future__ import annotations

from lockgate.contract.model import Server
from lockgate.engines.sql.connectors.base import Connector
from lockgate.errors import UsageError


def connect(server: Server) -> Connector:
    if server.type == "duckdb":
        from lockgate.engines.sql.connectors.duckdb import DuckDBConnector

        return DuckDBConnector(server)
    if server.type == "postgres":
        from lockgate.engines.sql.connectors.postgres import PostgresConnector

        return PostgresConnector(server)
    if server.type == "local":
        from lockgate.engines.sql.connectors.local import LocalFilesConnector

        return LocalFilesConnector(server)
    raise UsageError(
        f"server {server.name!r} is of type {server.type!r}; lockgate checks duckdb, postgres and local servers"
    )
