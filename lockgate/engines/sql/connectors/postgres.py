"""PostgreSQL through psycopg 3, in read-only transactions. Credentials come from the environment."""

from __future__ import annotations

import os

import psycopg
from ibis.backends.sql.datatypes import PostgresType

from lockgate.contract.model import Server
from lockgate.engines.sql.connectors.base import Connector, expand_env
from lockgate.errors import ConnectionFailed

CONNECT_TIMEOUT_S = 10


class PostgresConnector(Connector):
    dialect = "postgres"

    def __init__(self, server: Server):
        opts = {k: expand_env(v) for k, v in server.options.items()}
        self.namespace = opts.get("schema") or "public"
        params = {
            "host": opts.get("host") or os.environ.get("PGHOST", "127.0.0.1"),
            "port": int(opts.get("port") or os.environ.get("PGPORT", 5432)),
            "dbname": opts.get("database") or os.environ.get("PGDATABASE", "postgres"),
            "user": os.environ.get("LOCKGATE_POSTGRES_USER") or os.environ.get("PGUSER") or "postgres",
            "connect_timeout": CONNECT_TIMEOUT_S,
            "application_name": "lockgate",
        }
        password = os.environ.get("LOCKGATE_POSTGRES_PASSWORD") or os.environ.get("PGPASSWORD")
        if password:
            params["password"] = password
        try:
            self.con = psycopg.connect(**params)
        except psycopg.Error as exc:
            where = f"{params['user']}@{params['host']}:{params['port']}/{params['dbname']}"
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ConnectionFailed(f"server {server.name!r}: cannot connect to PostgreSQL {where}: {reason}") from None
        # Every transaction is READ ONLY: even a rule's own SQL cannot write.
        self.con.read_only = True

    def type_parser(self):
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

    def fetch(self, sql: str) -> tuple[list[str], list[tuple]]:
        return self._run(sql)

    def _run(self, sql: str, params=None) -> tuple[list[str], list[tuple]]:
        try:
            with self.con.cursor() as cur:
                cur.execute(sql, params)
                names = [d.name for d in cur.description] if cur.description else []
                rows = cur.fetchall() if cur.description else []
        finally:
            self.con.rollback()  # end the read-only transaction; nothing to keep
        return names, rows

    def fetch_frame(self, table: str):
        import pandas as pd

        names, rows = self._run(f"SELECT * FROM {self.quote_table(table)}")
        return pd.DataFrame.from_records(rows, columns=names)

    def close(self) -> None:
        self.con.close()
