import os
import subprocess
import sys

import pytest

# Rich would otherwise draw tables for an imaginary 80-column terminal in CLI tests.
os.environ.setdefault("COLUMNS", "160")

# lockgate's one clock (lockgate/clock.py), pinned for the whole session and inherited by every
# subprocess and Dagster run the tests start: the simulator's data, freshness and history
# verdicts, the trained models and their metrics are then the same on every day. A test that
# needs another day sets LOCKGATE_TODAY with monkeypatch (tests/support/pipeline.py moves it
# one day per landing run, as the daily schedule would).
PINNED_TODAY = "2026-06-30"
os.environ["LOCKGATE_TODAY"] = PINNED_TODAY

from tests.support.postgres import pg_schema  # noqa: E402,F401  (fixture)

# dbt and dagster-dbt's manifest preparer look for `dbt` on PATH: the venv's bin comes first.
_VENV_BIN = os.path.dirname(sys.executable)
if _VENV_BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _VENV_BIN + os.pathsep + os.environ.get("PATH", "")


@pytest.fixture(scope="session", autouse=True)
def dbt_manifest():
    """The reference dbt project's manifest, which the code location reads when it loads (under
    `dg dev` dagster-dbt prepares it; tests and CI must do it themselves). Re-parsed when any file
    of the dbt project is newer than it."""
    from filelock import FileLock

    from tests.support.cli import REPO

    with FileLock(str(REPO / "dbt" / ".prepare.lock")):
        prepare_dbt_project(REPO / "dbt")
    return REPO / "dbt" / "target" / "manifest.json"


def prepare_dbt_project(project) -> None:
    manifest = project / "target" / "manifest.json"
    sources = [
        p
        for p in project.rglob("*")
        if p.suffix in (".sql", ".yml", ".yaml")
        and "target" not in p.parts
        and "dbt_packages" not in p.parts
        and "logs" not in p.parts
    ]
    fresh = manifest.exists() and manifest.stat().st_mtime >= max(
        p.stat().st_mtime for p in sources
    )
    if fresh and (project / "dbt_packages" / "lockgate").exists():
        return
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    for args in (["deps"], ["parse"]):
        subprocess.run(
            [os.path.join(_VENV_BIN, "dbt"), *args, "--quiet", "--profiles-dir", "."],
            cwd=project,
            env=env,
            check=True,
            capture_output=True,
        )


@pytest.fixture(autouse=True)
def isolated_state(tmp_path_factory, monkeypatch):
    """Every test (and every `lockgate` it runs) gets its own history store and model registry,
    so runs never read each other's history nor write into the repository."""
    root = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("LOCKGATE_TODAY", PINNED_TODAY)  # whatever an earlier test left behind
    monkeypatch.setenv("LOCKGATE_HISTORY", str(root / "history.sqlite"))
    monkeypatch.setenv("LOCKGATE_REGISTRY", str(root / "registry"))
    # Schema-check markers: shared by the tests of one worker, never the user's ~/.cache.
    monkeypatch.setenv("LOCKGATE_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "lockgate-cache"))


@pytest.fixture
def tmp_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path
