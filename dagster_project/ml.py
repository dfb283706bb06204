"""The ML pipelines: one per spec under contracts/models/, upstream contracts from dbt lineage."""

from __future__ import annotations

import dagster as dg

from dagster_project.contracts import asset_key_for, contract_paths
from dagster_project.dbt_project import dbt_project
from dagster_project.paths import MODEL_SPECS
from lockgate.contract.loader import load_contract
from lockgate.dagster import LockgatePaths, ml_pipeline_assets
from lockgate.dagster.ml import Upstream
from lockgate.lineage import DbtLineage, dbt_model_asset_key
from lockgate.ml.spec import load_spec


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


def all_ml_assets(paths: LockgatePaths) -> list[dg.AssetsDefinition]:
    assets = []
    for spec_path in sorted(MODEL_SPECS.glob("*.yaml")):
        spec = load_spec(spec_path)
        source = dg.AssetKey(dbt_model_asset_key(spec.table))
        assets += ml_pipeline_assets(spec_path, source_key=source, upstream=upstream_contracts(spec.table), paths=paths)
    return assets
