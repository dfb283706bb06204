"""PostgreSQL through psycopg 3, in read-only transactions. Credentials come from the
environment."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

import psycopg

from lockgate.connectors.base import Connector, expand_env, redact, statement_timeout
from lockgate.contract.model import Server
from lockgate.errors import ConnectionFailed

if TYPE_CHECKING:
    import pandas as pd

CONNECT_TIMEOUT_S = 10
_warned_superusers: set[str] = set()


class PostgresConnector(Connector):
    dialect = "postgres"

    def __init__(self, server: Server):
        opts = {k: expand_env(v) for k, v in server.options.items()}
        self.namespace = opts.get("schema") or "public"
        params: dict[str, Any] = {
            "host": opts.get("host") or os.environ.get("PGHOST", "127.0.0.1"),
            "port": _port(opts.get("port") or os.environ.get("PGPORT") or 5432, server),
            "dbname": opts.get("database") or os.environ.get("PGDATABASE", "postgres"),
            "user": os.environ.get("LOCKGATE_POSTGRES_USER")
            or os.environ.get("PGUSER")
            or "postgres",
            "connect_timeout": CONNECT_TIMEOUT_S,
            "application_name": "lockgate",
        }
        _check_host_allowed(params["host"], server)
        password = os.environ.get("LOCKGATE_POSTGRES_PASSWORD") or os.environ.get("PGPASSWORD")
        if password:
            params["password"] = password
        try:
            self.con = psycopg.connect(**params)
        except psycopg.Error as exc:
            where = f"{params['user']}@{params['host']}:{params['port']}/{params['dbname']}"
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            message = f"server {server.name!r}: cannot connect to PostgreSQL {where}: {reason}"
            raise ConnectionFailed(redact(message, server.options)) from None
        # Every transaction is READ ONLY: even a rule's own SQL cannot write.
        self.con.read_only = True
        self.superuser = self.con.info.parameter_status("is_superuser") == "on"

    def type_parser(self) -> Any:
        from ibis.backends.sql.datatypes import PostgresType

        return PostgresType

    def columns(self, table: str) -> list[tuple[str, str]] | None:
        _, rows = self._run(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
            "JOIN pg_class c ON a.attrelid = c.oid JOIN pg_namespace n ON c.relnamespace = n.oid "
            "WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped "
            "ORDER BY a.attnum",
            (self.namespace, table),
        )
        return [(r[0], r[1]) for r in rows] or None

    def fetch(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        return self._run(sql)

    def fetch_rule_value(self, sql: str) -> Any:
        if self.superuser:
            _warn_superuser(self.con.info.user)
        return self.fetch_value(sql)

    def _run(self, sql: str, params: Any = None) -> tuple[list[str], list[tuple[Any, ...]]]:
        """One statement in its own READ ONLY transaction, bounded by the statement timeout.
        `prepare=True` sends it with the extended query protocol, which refuses a string of
        several statements: a `COMMIT;` smuggled into a rule cannot end the read-only
        transaction (the simple protocol would run every statement)."""
        try:
            with self.con.cursor() as cur:
                timeout = "SELECT set_config('statement_timeout', %s, true)"  # SET LOCAL
                cur.execute(timeout, (statement_timeout(),))
                cur.execute(sql, params, prepare=True)
                names = [d.name for d in cur.description] if cur.description else []
                rows = cur.fetchall() if cur.description else []
        finally:
            self.con.rollback()  # end the read-only transaction; nothing to keep
        return names, rows

    def fetch_frame(self, table: str) -> pd.DataFrame:
        import pandas as pd

        names, rows = self._run(f"SELECT * FROM {self.quote_table(table)}")
        return pd.DataFrame.from_records(rows, columns=names)

    def close(self) -> None:
        self.con.close()


ALLOWED_HOSTS_ENV = "LOCKGATE_ALLOWED_HOSTS"


def _check_host_allowed(host: str, server: Server) -> None:
    """A contract names its host; with the credentials in the environment, a contract pointing
    at a server of its author's would receive them. LOCKGATE_ALLOWED_HOSTS (comma-separated)
    pins the hosts lockgate may send them to."""
    allowed = [h.strip() for h in (os.environ.get(ALLOWED_HOSTS_ENV) or "").split(",") if h.strip()]
    if allowed and host not in allowed:
        shown = redact(str(host), server.options)[:100]
        message = f"server {server.name!r}: host {shown!r} is not in {ALLOWED_HOSTS_ENV}"
        raise ConnectionFailed(message)


def _port(value: Any, server: Server) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raw = str(server.options.get("port"))[:40]
        raise ConnectionFailed(f"server {server.name!r}: port {raw!r} is not a number") from None


def _warn_superuser(user: str) -> None:
    """A superuser can read server files and run programs; lockgate refuses such SQL itself, but
    the deployer should know that the database does not (SECURITY.md: a read-only role). Said
    once per process, when a contract's own SQL is about to run."""
    if user in _warned_superusers:
        return
    _warned_superusers.add(user)
    print(
        f"lockgate: WARNING: a contract's SQL rule runs as PostgreSQL superuser {user!r}, a role "
        "that can read server files and run programs. Use a read-only role (see SECURITY.md).",
        file=sys.stderr,
    )
