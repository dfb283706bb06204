"""The server-type registry is the one place a server type is described; its entries agree with
the connectors and type parsers they name."""

from __future__ import annotations

import pytest

from lockgate.connectors.safety import DIALECTS as STATEMENT_PARSERS
from lockgate.connectors.servers import SERVER_TYPES, load, server_type, supported_names


@pytest.mark.parametrize("entry", SERVER_TYPES, ids=lambda t: t.name)
def test_entry_names_what_exists(entry):
    connector = load(entry.connector)
    assert connector.dialect == entry.dialect, f"{entry.connector} compiles for another dialect"
    assert hasattr(load(entry.type_parser), "from_string")
    assert entry.statement_parser in STATEMENT_PARSERS


def test_aliases_resolve_to_their_entry():
    assert server_type("postgresql") is server_type("postgres")
    assert server_type("snowflake") is None
    assert supported_names() == ("duckdb", "postgres", "postgresql", "local", "databricks")


def test_a_contract_names_the_canonical_type(tmp_path):
    from lockgate.contract.loader import load_contract

    path = tmp_path / "c.odcs.yaml"
    path.write_text(
        "apiVersion: v3.1.0\nkind: DataContract\nid: c\nversion: 1.0.0\nstatus: active\n"
        "servers:\n  - server: pg\n    type: postgresql\n    host: h\n    port: 5432\n"
        "    database: d\n    schema: s\n"
        "schema:\n  - name: t\n    properties:\n      - name: a\n        logicalType: integer\n"
    )
    assert load_contract(path).servers[0].type == "postgres"
