"""Dagster integration: contracts as blocking asset checks, ML pipelines from specs, alert sensors.

Importing this package imports Dagster; `import lockgate` never does. Every asset and check built
here needs the `lockgate` resource (LockgateResource); automation is the code location's own.
"""

from lockgate.dagster.checks import build_contract_checks, check_name
from lockgate.dagster.ml import ml_pipeline_assets
from lockgate.dagster.resources import RESOURCE_KEY, LockgateResource
from lockgate.dagster.sensors import lockgate_sensors

__all__ = [
    "RESOURCE_KEY",
    "LockgateResource",
    "build_contract_checks",
    "check_name",
    "lockgate_sensors",
    "ml_pipeline_assets",
]
