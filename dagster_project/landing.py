"""The upstream application's ETL (played by the simulator) as one Dagster asset per raw table.

A run lands the next day; into an empty warehouse it lands `days_if_empty` days ending with the
last day whose load has run on lockgate's clock (`LOCKGATE_TODAY`, see lockgate/clock.py). A day
whose load time is still ahead of that clock is refused: no landed row is "from the future".
`inject` plays an upstream failure, e.g. `frozen:professionals.rating` (see
`python -m dagster_project.simulator failures`). With `LOCKGATE_APP_SCHEMA` set, the
application's own copy is landed into PostgreSQL too (dagster_project/app_copy.py).
"""

# no `from __future__ import annotations`: Dagster reads the config annotations at definition time

import dagster as dg

from dagster_project.app_copy import app_target, mirror
from dagster_project.simulator import (
    TABLES,
    DuckDBTarget,
    Failure,
    land_days,
    land_next_day,
    status,
)
from lockgate.lineage import dbt_source_asset_key

RAW_TABLES = sorted(TABLES)


class LandingConfig(dg.Config):
    days_if_empty: int = 90
    inject: list[str] = []  # KIND:table[.column], as on the simulator's command line


@dg.multi_asset(
    name="upstream_etl",
    specs=[
        dg.AssetSpec(
            dbt_source_asset_key(t),
            group_name="upstream",
            description=f"raw.{t} as the marketplace application's ETL lands it",
            kinds={"duckdb"},
        )
        for t in RAW_TABLES
    ],
    description="The other application's daily ETL into the raw schema (the marketplace simulator).",
)
def upstream_etl(context: dg.AssetExecutionContext, config: LandingConfig):
    target = DuckDBTarget()
    failures = [Failure.parse(text) for text in config.inject]
    if status(target).state is None:
        reports = land_days(target, config.days_if_empty, failures=failures)
        context.log.info(
            f"landed {len(reports)} days into an empty warehouse ({target.describe()})"
        )
    else:
        reports = [land_next_day(target, failures)]
        context.log.info(f"landed {reports[-1].day} with failures {config.inject or 'none'}")
    app = app_target()
    if app is not None:  # optional: the application's own copy, never with the ETL's failures
        context.log.info(f"application copy: {mirror(target, app)} days into {app.describe()}")
    last = reports[-1]
    for table in RAW_TABLES:
        report = last.tables.get(table)
        yield dg.MaterializeResult(
            asset_key=dbt_source_asset_key(table),
            metadata={
                "load_day": str(last.day),
                "days_landed": len(reports),
                "rows_inserted": report.inserted if report else 0,
                "rows_updated": report.updated if report else 0,
                "injected": ", ".join(f for f in (report.failures if report else [])) or "none",
            },
        )
