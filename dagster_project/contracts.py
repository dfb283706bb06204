"""Every contract under contracts/ as blocking asset checks on the asset that holds its table."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import dagster as dg

from dagster_project.paths import CONTRACTS
from dagster_project.spark_checks import contract_validator
from lockgate.contract.model import Contract, Table
from lockgate.dagster import build_contract_checks
from lockgate.lineage import dbt_model_asset_key, dbt_source_asset_key

CONTRACT_GLOB = "*.odcs.yaml"


def asset_key_for(contract: Contract, table: Table) -> dg.AssetKey:
    """Contracts under contracts/sources/ describe raw tables landed by the upstream ETL; the
    others describe dbt models."""
    raw = "sources" in Path(contract.file).parts
    key = (
        dbt_source_asset_key(table.physical_name)
        if raw
        else dbt_model_asset_key(table.physical_name)
    )
    return dg.AssetKey(key)


def contract_paths():
    return sorted(p for p in CONTRACTS.rglob(CONTRACT_GLOB) if "models" not in p.parts)


def all_contract_checks() -> Sequence[dg.AssetChecksDefinition]:
    return build_contract_checks(
        contracts=contract_paths(),
        asset_key_for=asset_key_for,
        validate_with=contract_validator(),  # LOCKGATE_CHECK_ENGINE=spark: Spark over Parquet
    )
