"""The schema-check cache: a clean contract is not checked twice, anything else always is."""

from pathlib import Path

import pytest

import lockgate
from lockgate.contract import odcs_schema, schema_cache
from lockgate.errors import ContractError

CONTRACT = Path(__file__).resolve().parents[2] / "contracts" / "sources" / "customers.odcs.yaml"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    root = tmp_path / "cache"
    monkeypatch.setenv("LOCKGATE_CACHE_DIR", str(root))
    return root


@pytest.fixture
def schema_checks(monkeypatch):
    """Counts the runs of the expensive part of the schema check."""
    calls = []
    walk = odcs_schema._unknown_key_findings

    def counting(doc, api):
        calls.append(doc.file)
        return walk(doc, api)

    monkeypatch.setattr(odcs_schema, "_unknown_key_findings", counting)
    return calls


def markers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_a_clean_contract_is_checked_once(tmp_path, cache, schema_checks):
    path = tmp_path / "c.odcs.yaml"
    path.write_text(CONTRACT.read_text())
    first = lockgate.load_contract(path)
    second = lockgate.load_contract(path)
    assert len(schema_checks) == 1
    assert len(markers(cache)) == 1
    assert [r.id for r in first.rules] == [r.id for r in second.rules]


def test_an_edited_contract_is_checked_again(tmp_path, cache, schema_checks):
    path = tmp_path / "c.odcs.yaml"
    path.write_text(CONTRACT.read_text())
    lockgate.load_contract(path)
    path.write_text(
        CONTRACT.read_text().replace("apiVersion: v3.1.0", "apiVersion: v3.1.0\ntenant: Sales", 1)
    )
    lockgate.load_contract(path)
    assert len(schema_checks) == 2
    assert len(markers(cache)) == 2


def test_a_contract_with_findings_is_never_remembered(tmp_path, cache, schema_checks):
    path = tmp_path / "c.odcs.yaml"
    path.write_text(
        CONTRACT.read_text().replace("apiVersion: v3.1.0", "apiVersion: v3.1.0\ntenantt: Sales", 1)
    )
    for _ in range(2):
        with pytest.raises(ContractError, match="tenantt"):
            lockgate.load_contract(path)
    assert len(schema_checks) == 2
    assert markers(cache) == []


def test_the_cache_can_be_turned_off(tmp_path, monkeypatch, schema_checks):
    monkeypatch.setenv("LOCKGATE_CACHE_DIR", "off")
    assert schema_cache.cache_dir() is None
    for _ in range(2):
        lockgate.load_contract(CONTRACT)
    assert len(schema_checks) == 2


def test_an_unwritable_cache_only_costs_speed(tmp_path, monkeypatch, schema_checks):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory would be")
    monkeypatch.setenv("LOCKGATE_CACHE_DIR", str(blocker))
    for _ in range(2):
        lockgate.load_contract(CONTRACT)
    assert len(schema_checks) == 2
