"""Upstream simulator of the reference warehouse: another application's ETL, played by us.

It lands a deterministic, seeded home-services marketplace (customers, professionals, their
daily stats, service requests, quotes, hires) day by day into the raw schema of DuckDB or
Postgres, and can inject the silent failures lockgate exists to catch (see `failures`).
"Today" is lockgate's clock (`LOCKGATE_TODAY`, lockgate/clock.py); no load is later than it.

    from dagster_project.simulator import DuckDBTarget, Failure, land_days, land_next_day
    land_days(DuckDBTarget(), days=90)      # the 90 days up to the last one whose load has run
    land_next_day(DuckDBTarget(), [Failure("frozen", "professionals", "rating")])
"""

from .failures import KINDS, Failure
from .land import (
    LoadReport,
    SimulatorError,
    Status,
    TableReport,
    catch_up,
    land_day,
    land_days,
    land_next_day,
    reset,
    status,
)
from .schema import TABLES, TableSpec
from .targets import DuckDBTarget, PostgresTarget, target_from_name, warehouse_path

__all__ = [
    "KINDS",
    "TABLES",
    "DuckDBTarget",
    "Failure",
    "LoadReport",
    "PostgresTarget",
    "SimulatorError",
    "Status",
    "TableReport",
    "TableSpec",
    "catch_up",
    "land_day",
    "land_days",
    "land_next_day",
    "reset",
    "status",
    "target_from_name",
    "warehouse_path",
]
