"""The application's own copy of its tables, in PostgreSQL: the source `reconcile` compares with.

Optional. With `LOCKGATE_APP_SCHEMA` set (e.g. `lockgate_app`; `make demo` sets it when a
PostgreSQL server answers), the upstream ETL asset also lands the application's side: the same
days, seed and scale as the warehouse (so the same rows), but never with the injected failures,
which are the ETL's copy going wrong, not the application. Unset, nothing here runs and nothing
needs PostgreSQL. The server is the simulator's (`LOCKGATE_PG_HOST/PORT/USER/PASSWORD/DATABASE`).

`reconcile_professionals` then runs dagster_project/app_contracts/professionals.odcs.yaml: its
`reconcile` rule compares raw.professionals in the warehouse with the application's table key by
key, with no history. That contract lives outside contracts/ on purpose: the Dagster checks and
`lockgate check contracts` must not need the application's server.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from dagster_project.simulator import DuckDBTarget, PostgresTarget, land_days, status
from dagster_project.simulator.land import catch_up
from dagster_project.simulator.land import reset as reset_target
from dagster_project.simulator.writers.base import check_identifier

APP_SCHEMA_ENV = "LOCKGATE_APP_SCHEMA"
DEFAULT_APP_SCHEMA = "lockgate_app"
CONTRACT = Path(__file__).resolve().parent / "app_contracts" / "professionals.odcs.yaml"
WAREHOUSE_SERVER = "warehouse"


def app_target() -> PostgresTarget | None:
    """The application's database, or None when the application copy is not enabled."""
    schema = os.environ.get(APP_SCHEMA_ENV)
    if not schema:
        return None
    return PostgresTarget(raw_schema=check_identifier(schema, "schema name"))


def postgres_answers(target: PostgresTarget | None = None) -> bool:
    import psycopg

    target = target or PostgresTarget()
    try:
        with psycopg.connect(**(target.conninfo() | {"connect_timeout": 3})):
            return True
    except psycopg.OperationalError:
        return False


def mirror(warehouse: DuckDBTarget, app: PostgresTarget) -> int:
    """Land into the application the days the warehouse has and it lacks, with the warehouse's
    seed, scale and start date and no failures. Returns the number of days landed."""
    state = status(warehouse).state
    if state is None or state.last_day is None:
        return 0
    if status(app).state is None:
        days = (state.last_day - state.start_date).days + 1
        reports = land_days(app, days, seed=state.seed, scale=state.scale, start=state.start_date)
    else:
        reports = catch_up(app, today=state.last_day, seed=state.seed, scale=state.scale)
    return len(reports)


def reset_app(app: PostgresTarget) -> None:
    """Drop the simulator's tables from the application's schema (the demo starts from nothing)."""
    reset_target(app)


def reconcile_professionals(as_of: dt.datetime | None = None, contract: Path = CONTRACT) -> list:
    """The reconcile rule's results (the rule's own verdict first), the warehouse against the
    application; the servers come from the environment as the contract's variables say. No
    history store: reconcile needs none (the contract has no stateful rule)."""
    import lockgate

    loaded = lockgate.load_contract(contract)
    result = lockgate.validate(loaded, WAREHOUSE_SERVER, as_of=as_of, record=False)
    found = [r for r in result.results if r.rule.check == "reconcile"]
    return sorted(found, key=lambda r: (r.rule.id.count("."), r.rule.id))
