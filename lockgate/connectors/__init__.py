"""One small connector per server type: open read-only, introspect a table, run a query.

Expressions are built and compiled by ibis (see `lockgate.engines.sql.expressions`); connectors
only execute the compiled SQL through the native driver. This keeps `lockgate check` start-up
short (no ibis backend objects) and lets `lockgate export --to sql` show exactly what runs.
Which connector opens which server type is written once, in `servers.py`.
"""

from __future__ import annotations

from lockgate.connectors.base import Connector
from lockgate.connectors.servers import load, server_type, spoken_names
from lockgate.contract.model import Server
from lockgate.errors import UsageError


def connect(server: Server) -> Connector:
    """Open `server` read-only with the connector of its type."""
    found = server_type(server.type)
    if found is None:
        raise UsageError(
            f"server {server.name!r} is of type {server.type!r}; "
            f"lockgate checks {spoken_names()} servers"
        )
    if found.engine != "sql":
        raise UsageError(
            f"server {server.name!r} is a Spark catalog ({found.name}): "
            f"check it with --engine {found.engine}"
        )
    connector: Connector = load(found.connector)(server)
    return connector
