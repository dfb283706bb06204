"""`export --to sql --valid` views and `export --to dbt --valid` models hold the same rows as the
check's quarantine; the dbt models build with a real `dbt build` on DuckDB."""

from __future__ import annotations

import duckdb

import lockgate
from lockgate.export import ExportOptions, export
from tests.quarantine.data import EXPECTED, contract_text, pros, quotes
from tests.support.cli import lockgate as run_cli
from tests.support.dbt import dbt
from tests.support.files import duckdb_with, write_contract


def _held(con, relation: str) -> dict:
    rows = con.execute(f"select quote_id, created_at, lockgate_rules from {relation}").fetchall()
    return {(q, c): rules.split(", ") for q, c, rules in rows}


def test_sql_views_hold_the_valid_and_quarantined_rows(tmp_path):
    db = duckdb_with(tmp_path / "w.duckdb", {"quotes": quotes(), "pros": pros()})
    contract = lockgate.load_contract(write_contract(tmp_path, contract_text(database=str(db))))
    sql = export(contract, "sql", ExportOptions(valid=True))
    assert sql.count("CREATE OR REPLACE VIEW") == 2
    con = duckdb.connect(str(db))
    try:
        for statement in duckdb.extract_statements(sql):
            con.execute(statement)
        assert _held(con, "quotes__quarantine") == EXPECTED
        valid = [r[0] for r in con.execute("select quote_id from quotes__valid").fetchall()]
    finally:
        con.close()
    # one copy of each duplicated quote stays: 7 at 1007 and 9 at 10
    assert sorted(valid) == sorted(set(range(1, 16)) - {2, 3, 4, 5, 6})
    assert len(valid) == 17 - len(EXPECTED)


def test_sql_views_offline_use_the_contract_types(tmp_path):
    path = write_contract(tmp_path, contract_text(database=str(tmp_path / "none.duckdb")))
    proc = run_cli("export", str(path), "--to", "sql", "--valid", "--offline")
    assert proc.returncode == 0, proc.stderr
    assert 'CREATE OR REPLACE VIEW "main"."quotes__valid"' in proc.stdout
    assert "'sent', 'accepted', 'declined'" in proc.stdout


def test_dbt_models_build_with_dbt(tmp_path):
    db = duckdb_with(tmp_path / "w.duckdb", {"quotes": quotes(), "pros": pros()}, schema="raw")
    text = contract_text(database=str(db), schema="raw")
    # a contract value that dbt would render as Jinja if it were not kept literal
    text = text.replace("[sent, accepted, declined]", '[sent, accepted, declined, "{{ 1/0 }}"]')
    contract_path = write_contract(tmp_path, text)
    project = tmp_path / "dbtproj"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        "name: shop\nversion: '1.0'\nconfig-version: 2\nprofile: shop\n"
    )
    (project / "profiles.yml").write_text(
        f"shop:\n  target: duckdb\n  outputs:\n    duckdb: {{type: duckdb, path: '{db}', "
        f"schema: analytics, threads: 1}}\n"
    )
    (project / "models" / "sources.yml").write_text(
        "version: 2\nsources:\n  - name: raw\n    schema: raw\n    tables:\n      - name: "
        "quotes\n      - name: pros\n"
    )
    proc = run_cli(
        "export",
        str(contract_path),
        "--to",
        "dbt",
        "--valid",
        "--dbt-source",
        "raw",
        "--output",
        str(project / "models" / "quarantine"),
    )
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (project / "models" / "quarantine").iterdir()) == [
        "quotes__quarantine.sql",
        "quotes__valid.sql",
    ]
    dbt(project, "build", check=True, workdir=tmp_path)
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert _held(con, "analytics.quotes__quarantine") == EXPECTED
        assert con.execute("select count(*) from analytics.quotes__valid").fetchone()[
            0
        ] == 17 - len(EXPECTED)
    finally:
        con.close()


def test_reference_project_quarantining_dbt_tests_warn_and_models_are_current():
    """The quotes source's policy rules are dbt warnings (their rows are expected within the
    budget; lockgate's blocking check judges it), every other test stays an error, and the
    generated quotes__valid/__quarantine models match their contract (`export --check`)."""
    import yaml

    from tests.support.cli import REPO

    contract = lockgate.load_contract(REPO / "contracts" / "sources" / "quotes.odcs.yaml")
    policy = contract.quarantine_policy("quotes")
    text = (REPO / "dbt" / "models" / "staging" / "_raw_quotes.contract.yml").read_text()
    table = yaml.safe_load(text)["sources"][0]["tables"][0]
    tests = [*table["data_tests"], *(t for c in table["columns"] for t in c.get("data_tests", []))]
    severity = {t["config"]["meta"]["lockgate_rule"]: t["config"].get("severity") for t in tests}
    assert {r for r, s in severity.items() if s == "warn"} == set(policy.rule_ids)
    assert "quotes.price_eur.required" in severity and "quotes.quote_id.primaryKey" in severity

    models = REPO / "dbt" / "models" / "staging" / "quarantine"
    assert sorted(p.name for p in models.iterdir()) == [
        "quotes__quarantine.sql",
        "quotes__valid.sql",
    ]
    assert (
        "ref('quotes__valid')"
        in (REPO / "dbt" / "models" / "staging" / "stg_quotes.sql").read_text()
    )
    proc = run_cli("export", "--check", str(models), str(REPO / "dbt" / "models" / "staging"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 out of date" in proc.stderr and "quarantine" not in proc.stdout


def test_export_check_finds_a_stale_valid_model(tmp_path):
    from tests.support.cli import REPO

    source = REPO / "dbt" / "models" / "staging" / "quarantine" / "quotes__valid.sql"
    stale = tmp_path / "quotes__valid.sql"
    stale.write_text(source.read_text().replace("5000", "50000"))
    proc = run_cli("export", "--check", str(stale))
    assert proc.returncode == 1 and "out of date" in proc.stdout, proc.stdout + proc.stderr
