"""The reference code location: upstream ETL -> dbt warehouse -> contracts as blocking checks ->
one ML pipeline per spec, with sensors, automation and a daily schedule.

Automation is this project's choice, declared here: one automation-condition sensor over every
asset, running by default (lockgate's library installs none).

    dg dev                                  # the UI, on 127.0.0.1:3000
    dg check defs                           # loads these definitions
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from dagster_project.paths import (
    MODEL_SPECS,
    alerts_file,
    history_location,
    pin_environment,
    registry_root,
)

pin_environment()

from dagster_project.contracts import all_contract_checks  # noqa: E402  (after the environment)
from dagster_project.landing import upstream_etl  # noqa: E402
from dagster_project.ml import all_ml_assets  # noqa: E402
from dagster_project.warehouse import dbt_resource, warehouse_models  # noqa: E402
from lockgate.alerts.dagster import contract_alert_sensors  # noqa: E402
from lockgate.dagster import RESOURCE_KEY, LockgateResource, lockgate_sensors  # noqa: E402
from lockgate.ml.spec import discover_specs  # noqa: E402
from lockgate.monitor.dagster import MonitoringPaths, all_monitoring_jobs  # noqa: E402


def build_definitions(history: str, registry, model_specs: Path = MODEL_SPECS) -> dg.Definitions:
    """The code location, with lockgate's state in the given places (tests use their own) and one
    ML pipeline per spec in `model_specs`."""
    lockgate = LockgateResource(history=str(history), registry=str(registry))
    daily = dg.define_asset_job(
        "daily_pipeline",
        selection=dg.AssetSelection.all(),
        description=(
            "Land a day, build the warehouse, validate every contract, retrain and release."
        ),
    )
    land_and_build = dg.define_asset_job(
        "land_and_build",
        selection=dg.AssetSelection.groups("upstream", "warehouse"),
        description="Land a day and build the warehouse with its contract checks; no training.",
    )
    ml_jobs = [
        dg.define_asset_job(
            f"{group}_pipeline",
            selection=dg.AssetSelection.groups(group),
            description=f"Train, evaluate and release {group} (guarded)",
        )
        for group in (spec.name for spec in discover_specs(model_specs))
    ]
    # production monitoring: one `<model>_monitoring` job and hourly schedule per spec
    production = monitoring_paths(history, registry)
    monitoring_jobs, monitoring_schedules = all_monitoring_jobs(model_specs, production)
    return dg.Definitions(
        assets=[upstream_etl, warehouse_models, *all_ml_assets(model_specs)],
        asset_checks=all_contract_checks(),
        jobs=[daily, land_and_build, *ml_jobs, *monitoring_jobs],
        schedules=[
            dg.ScheduleDefinition(job=daily, cron_schedule="30 2 * * *", execution_timezone="UTC"),
            *monitoring_schedules,
        ],
        sensors=[
            *lockgate_sensors(alerts_file()),
            automation_sensor(),
            *contract_alert_sensors(production.alerts, production.alert_state),
        ],
        resources={"dbt": dbt_resource, RESOURCE_KEY: lockgate},
    )


def automation_sensor() -> dg.AutomationConditionSensorDefinition:
    """Evaluates the assets' automation conditions (the guarded training set's among them);
    running from the start, unlike Dagster's default sensor, so `dg dev` shows it working."""
    return dg.AutomationConditionSensorDefinition(
        "lockgate_automation",
        target=dg.AssetSelection.all(),
        default_status=dg.DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=30,
    )


def monitoring_paths(history: str, registry) -> MonitoringPaths:
    """What `lockgate serve` and `lockgate monitor` use from the repository root; alerts.yaml
    sits at the root, reviewed like the contracts."""
    state = Path(history).parent if not str(history).startswith("postgres") else Path(".lockgate")
    return MonitoringPaths(
        log=state / "predictions.sqlite",
        history=history,
        registry=Path(registry),
        monitoring_root=state / "monitoring",
        alerts=Path(__file__).resolve().parents[1] / "alerts.yaml",
        alert_state=state / "alerts.sqlite",
    )


defs = build_definitions(history_location(), registry_root())
