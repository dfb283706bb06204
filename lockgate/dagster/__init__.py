"""Dagster integration: contracts as blocking asset checks, ML pipelines from specs, sensors.

Importing this package imports Dagster; `import lockgate` never does.
"""

from lockgate.dagster.checks import check_name, contract_checks
from lockgate.dagster.ml import ml_pipeline_assets
from lockgate.dagster.resources import LockgatePaths
from lockgate.dagster.sensors import lockgate_sensors

__all__ = [
    "LockgatePaths",
    "check_name",
    "contract_checks",
    "lockgate_sensors",
    "ml_pipeline_assets",
]
