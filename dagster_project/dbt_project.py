"""The dbt project, alone in its module: `dagster-dbt project prepare-and-package --file` imports
this file, which must not need the manifest it is about to build."""

from dagster_dbt import DbtProject

from dagster_project.paths import DBT_DIR

dbt_project = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)
dbt_project.prepare_if_dev()
