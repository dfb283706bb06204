"""Where the simulated upstream lands its data: the embedded DuckDB file or a Postgres server.

Environment (the same variables dbt's profiles.yml reads):
  LOCKGATE_WAREHOUSE      DuckDB file; absolute, or relative to the repo root
                          (default warehouse/marketplace.duckdb)
  LOCKGATE_RAW_SCHEMA     schema of the raw tables (default raw)
  LOCKGATE_PG_HOST/PORT/USER/PASSWORD/DATABASE   (127.0.0.1 / 5432 / postgres / "" / test)
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .writers.base import Writer, check_identifier

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_WAREHOUSE = Path("warehouse") / "marketplace.duckdb"
DEFAULT_RAW_SCHEMA = "raw"


def warehouse_path() -> Path:
    """The DuckDB file shared with dbt (whose profile resolves the same variable the same way)."""
    configured = os.environ.get("LOCKGATE_WAREHOUSE")
    path = Path(configured) if configured else DEFAULT_WAREHOUSE
    return path if path.is_absolute() else REPO_ROOT / path


def raw_schema_from_env() -> str:
    return check_identifier(
        os.environ.get("LOCKGATE_RAW_SCHEMA", DEFAULT_RAW_SCHEMA), "schema name"
    )


@dataclass(frozen=True)
class DuckDBTarget:
    path: Path = field(default_factory=warehouse_path)
    raw_schema: str = field(default_factory=raw_schema_from_env)
    name = "duckdb"

    def describe(self) -> str:
        return f"duckdb {self.path} (schema {self.raw_schema})"

    @contextmanager
    def connect(self) -> Iterator[Writer]:
        """Open, write, close: DuckDB admits one writing process per file."""
        import duckdb

        from .writers.duckdb import DuckDBWriter

        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(self.path))
        try:
            yield DuckDBWriter(con, self.raw_schema)
        finally:
            con.close()


@dataclass(frozen=True)
class PostgresTarget:
    host: str = field(default_factory=lambda: os.environ.get("LOCKGATE_PG_HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: int(os.environ.get("LOCKGATE_PG_PORT", "5432")))
    user: str = field(default_factory=lambda: os.environ.get("LOCKGATE_PG_USER", "postgres"))
    password: str = field(
        default_factory=lambda: os.environ.get("LOCKGATE_PG_PASSWORD", ""), repr=False
    )
    database: str = field(default_factory=lambda: os.environ.get("LOCKGATE_PG_DATABASE", "test"))
    raw_schema: str = field(default_factory=raw_schema_from_env)
    connect_timeout: int = 5
    name = "postgres"

    def describe(self) -> str:
        return (
            f"postgres {self.user}@{self.host}:{self.port}/{self.database} (schema "
            f"{self.raw_schema})"
        )

    def conninfo(self) -> dict[str, object]:
        info: dict[str, object] = {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "dbname": self.database,
            "connect_timeout": self.connect_timeout,
        }
        if self.password:
            info["password"] = self.password
        return info

    @contextmanager
    def connect(self) -> Iterator[Writer]:
        import psycopg

        from .writers.postgres import PostgresWriter

        with psycopg.connect(**self.conninfo(), autocommit=True) as conn:
            yield PostgresWriter(conn, self.raw_schema)


Target = DuckDBTarget | PostgresTarget
TARGETS = {"duckdb": DuckDBTarget, "postgres": PostgresTarget}


def target_from_name(name: str = "duckdb", **overrides) -> Target:
    try:
        cls = TARGETS[name]
    except KeyError:
        raise ValueError(f"unknown target {name!r}; valid targets: {', '.join(TARGETS)}") from None
    return cls(**{k: v for k, v in overrides.items() if v is not None})
