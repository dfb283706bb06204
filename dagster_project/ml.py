"""The ML pipelines: one per spec under contracts/models/, upstream contracts from dbt lineage.

Adding an ML project is adding a spec file there (and the contract of its source table); no Python.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from dagster_project.contracts import asset_key_for, contract_paths
from dagster_project.dbt_project import dbt_project
from lockgate.contract.loader import load_contract
from lockgate.dagster import ml_pipeline_assets
from lockgate.dagster.ml import Upstream
from lockgate.lineage import DbtLineage, dbt_model_asset_key
from lockgate.ml.spec import discover_specs


def upstream_contracts(source_table: str) -> list[Upstream]:
    """The contracts of the source table and of every table dbt builds it from."""
    lineage = DbtLineage.load(dbt_project.manifest_path)
    start = [n.unique_id for n in lineage.find(source_table)[0]]
    tables = {source_table} | {n.relation for n in lineage.upstream(start) if n.relation}
    found = []
    for path in contract_paths():
        contract = load_contract(path)
        for table in contract.tables:
            if table.physical_name in tables:
                found.append(Upstream(path, asset_key_for(contract, table)))
    return found


def all_ml_assets(specs_dir: Path) -> list[dg.AssetsDefinition]:
    assets = []
    for spec in discover_specs(specs_dir):
        source = dg.AssetKey(dbt_model_asset_key(spec.table))
        assets += ml_pipeline_assets(
            spec.path, source_key=source, upstream=upstream_contracts(spec.table)
        )
    return assets
