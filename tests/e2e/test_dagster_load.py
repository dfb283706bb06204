"""The reference code location loads the way a user loads it: `dagster definitions validate -m`
(with the manifest prepared, as the session fixture does) and `dg check defs` from the
repository root (which re-parses the dbt project itself)."""

from __future__ import annotations

import os
import subprocess

import pytest
from filelock import FileLock

from tests.support.cli import REPO
from tests.support.webserver import VENV_BIN, dagster_home

pytestmark = pytest.mark.slow


@pytest.fixture
def user_env(tmp_path) -> dict[str, str]:
    """A user's shell: the venv's bin first on PATH, state and warehouse in a scratch place."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DAGSTER_", "LOCKGATE_", "PYTEST_"))
    }
    env.update(
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        DAGSTER_HOME=str(dagster_home(tmp_path / "dagster_home")),
        # the same file name as the default: dbt-duckdb names the database after it, and
        # `dg check defs` rewrites the manifest every other test reads
        LOCKGATE_WAREHOUSE=str(tmp_path / "warehouse" / "marketplace.duckdb"),
        LOCKGATE_STATE_DIR=str(tmp_path / "state"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    return env


def run(args: list[str], env: dict[str, str], timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, check=False, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_dagster_definitions_validate(user_env, dbt_manifest):
    proc = run(
        [str(VENV_BIN / "dagster"), "definitions", "validate", "-m", "dagster_project.definitions"],
        user_env,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-6000:]
    assert "Validation successful for code location dagster_project.definitions" in output, output[
        -3000:
    ]


def test_dg_check_defs(user_env, tmp_path):
    # dg re-parses the dbt project into dbt/target (prepare_if_dev): not while another test does
    with FileLock(str(REPO / "dbt" / ".prepare.lock")):
        proc = run([str(VENV_BIN / "dg"), "check", "defs"], user_env)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-6000:]
    assert "All definitions loaded successfully" in output, output[-3000:]
    assert not (tmp_path / "warehouse" / "marketplace.duckdb").exists(), (
        "loading the definitions must not create the warehouse"
    )
