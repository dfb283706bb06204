"""`lockgate docs`: validate a DuckDB-backed contract through Great Expectations and build Data Docs."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from tests.support.cli import lockgate
from tests.support.files import duckdb_with, write_contract
from tests.support.orders import CONTRACT, customers, orders


@pytest.fixture(scope="module")
def contracts(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("docs")
    out = {}
    for state in ("clean", "corrupted"):
        corrupted = state == "corrupted"
        db = duckdb_with(
            tmp / f"{state}.duckdb",
            {"orders": orders(corrupted), "customers": customers(corrupted)},
        )
        out[state] = write_contract(
            tmp, CONTRACT.format(duck_path=db, pg_schema="unused"), f"{state}.odcs.yaml"
        )
    return out


def _text(page: Path) -> str:
    """The visible text of a Data Docs page (scripts and styles dropped)."""
    raw = re.sub(
        r"<(script|style)\b.*?</\1>", " ", page.read_text(encoding="utf-8"), flags=re.DOTALL
    )
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", raw)))


@pytest.mark.slow
def test_docs_on_corrupted_data_exit_1_with_a_failing_validation_page(contracts, tmp_path):
    proc = lockgate("docs", contracts["corrupted"], "--output", tmp_path / "site", cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    index = Path(proc.stdout.strip())
    assert index == (tmp_path / "site" / "index.html").resolve() and index.is_file()
    # the index lists the runs in a script-filled table: check the links it holds
    assert "validations/parity-orders/orders/" in index.read_text(encoding="utf-8")

    pages = {p.name: p for p in (tmp_path / "site" / "validations").rglob("*.html")}
    assert set(pages) == {"lockgate-orders.html", "lockgate-customers.html"}
    orders_page = _text(pages["lockgate-orders.html"])
    assert "Status: Failed" in orders_page
    # the failing status rule: its expectation, and the offending value GX found
    assert "values must belong to this set: new paid shipped" in orders_page
    assert "lost" in orders_page
    suite_page = _text(tmp_path / "site" / "expectations" / "parity-orders" / "orders.html")
    assert "lockgate rule orders.status.invalidValues (severity error)" in suite_page

    notes = [line for line in proc.stderr.splitlines() if "not exported to GX" in line]
    assert len(notes) == 1 and "orders.created_at.freshness" in notes[0]
    assert "error rules failing:" in proc.stderr and "orders.status.invalidValues" in proc.stderr
    assert (
        "orders.country.nullValues" not in proc.stderr.split("error rules failing:")[1]
    )  # a warning
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_docs_on_clean_data_exit_0_into_the_default_folder(contracts, tmp_path):
    proc = lockgate("docs", contracts["clean"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    index = tmp_path / "lockgate-docs" / "parity-orders" / "index.html"
    assert Path(proc.stdout.strip()) == index.resolve() and index.is_file()
    page = _text(next((index.parent / "validations").rglob("lockgate-orders.html")))
    assert "Status: Succeeded" in page
    assert "GX: 24 expectations, 0 failed" in proc.stderr
    assert not list(tmp_path.glob("gx")) and not list(
        tmp_path.glob("great_expectations*")
    )  # no GX project left behind


def test_docs_usage_and_connection_errors_exit_2_with_one_line(contracts, tmp_path):
    nodb = write_contract(
        tmp_path,
        "apiVersion: v3.1.0\nkind: DataContract\nid: x\nversion: '1'\nstatus: active\n"
        "servers: [{server: s, type: duckdb, database: /nowhere/w.duckdb}]\nschema: [{name: t}]\n",
        "nodb.odcs.yaml",
    )
    cases = {
        ("docs", contracts["clean"], "--server", "nope"): "no server named 'nope'",
        ("docs", contracts["clean"], "--engine", "sql"): "GX's SQL engine fails on DuckDB",
        ("docs", nodb): "DuckDB file /nowhere/w.duckdb does not exist",
        ("docs", tmp_path / "missing.odcs.yaml"): "missing.odcs.yaml",
    }
    for args, message in cases.items():
        proc = lockgate(*args, cwd=tmp_path)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert (
            len(lines) == 1 and lines[0].startswith("lockgate: error:") and message in lines[0]
        ), proc.stderr
    assert not (tmp_path / "lockgate-docs").exists()


@pytest.mark.slow
def test_a_missing_table_fails_its_expectations_and_is_named(tmp_path):
    import lockgate
    from lockgate.docs import build_docs

    db = duckdb_with(tmp_path / "only-orders.duckdb", {"orders": orders()})
    contract = lockgate.load_contract(
        write_contract(tmp_path, CONTRACT.format(duck_path=db, pg_schema="unused"))
    )
    result = build_docs(contract, output=tmp_path / "site")
    assert not result.passed
    assert result.run.missing_tables == ["customers"]
    failed = {o.rule for o in result.run.outcomes if not o.success}
    assert failed == {
        "customers.customer_id.required",
        "customers.customer_id.primaryKey",
        "customers.segment.nullValues",
        "customers.rowCount",
        "customers_not_empty",
    }
    assert "table customers does not exist: its expectations count as failed" in result.notes()
    assert result.index.is_file()
