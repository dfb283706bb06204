import os

import pytest

# Rich would otherwise draw tables for an imaginary 80-column terminal in CLI tests.
os.environ.setdefault("COLUMNS", "160")

from tests.support.postgres import pg_schema  # noqa: E402,F401  (fixture)


@pytest.fixture
def tmp_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path
