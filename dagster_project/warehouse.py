"""The dbt models as Dagster assets. Keys follow lockgate's convention (lockgate.lineage): dbt
sources are `raw/<table>` (the landing assets), models are `<model>`."""

# no `from __future__ import annotations`: Dagster reads the context annotations at definition time

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from dagster_project.dbt_project import dbt_executable, dbt_project
from lockgate.lineage import dbt_asset_key


class LockgateTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props):
        key = dbt_asset_key(dbt_resource_props)
        return dg.AssetKey(key) if key else super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props):
        return "warehouse"


# dbt's tests (generated from the contracts) run inside `dbt build` and fail the step; the same
# rules come back as lockgate's asset checks with full results, so dbt's are not listed twice.
translator = LockgateTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=False))


@dbt_assets(
    manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=translator
)
def warehouse_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    yield from dbt.cli(["build"], context=context).stream()


dbt_resource = DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())
