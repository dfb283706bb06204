"""The dbt project, alone in its module: `dagster-dbt project prepare-and-package --file` imports
this file, which must not need the manifest it is about to build."""

import os
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from dagster_project.paths import DBT_DIR


def dbt_executable() -> str:
    """The dbt next to this interpreter (the project's venv), so no one needs it on PATH."""
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else "dbt"


# `prepare_if_dev` (under `dg dev`/`dg check defs`) runs `dbt parse` through a resource of its
# own that looks for `dbt` on PATH; `.venv/bin/dg` started without an activated venv has no
# such PATH, so the venv's bin goes first.
_bin = str(Path(sys.executable).parent)
if _bin not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _bin + os.pathsep + os.environ.get("PATH", "")

dbt_project = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)
dbt_project.prepare_if_dev()
