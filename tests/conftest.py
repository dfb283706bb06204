import os

import pytest

# Rich would otherwise draw tables for an imaginary 80-column terminal in CLI tests.
os.environ.setdefault("COLUMNS", "160")

from tests.support.postgres import pg_schema  # noqa: E402,F401  (fixture)


@pytest.fixture(autouse=True)
def isolated_state(tmp_path_factory, monkeypatch):
    """Every test (and every `lockgate` it runs) gets its own history store and model registry,
    so runs never read each other's history nor write into the repository."""
    root = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("LOCKGATE_HISTORY", str(root / "history.sqlite"))
    monkeypatch.setenv("LOCKGATE_REGISTRY", str(root / "registry"))


@pytest.fixture
def tmp_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path
