"""Contract names and values are text in every export: nothing a contract says can run.

Attacks from issue 12: Jinja in a `pattern`/`validValues`/description reaching `dbt build`, and
line breaks in names breaking out of the comment lines of `export --to sql|dbt|pandera|gx`.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

import lockgate
from lockgate.export import ExportOptions, export
from tests.support.cli import REPO
from tests.support.dbt import dbt, dbt_test_statuses
from tests.support.files import duckdb_with, write_contract

PAYLOAD = "{% if execute %}{% do run_query('create table main.pwned as select 1') %}{% endif %}"
# a value that tries to close an escape of the `{% raw %}` kind before its payload
CLOSING = "{% endraw %}" + PAYLOAD
HOSTILE_COLUMN = "ok\nDROP TABLE victim;\n--"
LINE_BREAKS = ["\n", "\r", "\u2028", "\u2029", "\x85", "\x0b", "\x0c"]


def _contract(tmp_path: Path, db: Path, column: str = "code", description: str = PAYLOAD) -> Path:
    body = {
        "apiVersion": "v3.1.0", "kind": "DataContract", "id": "shop", "version": "1.0.0",
        "status": "active",
        "servers": [{"server": "duck", "type": "duckdb", "database": str(db), "schema": "raw"}],
        "schema": [{
            "name": "orders", "physicalName": "orders", "description": description,
            "properties": [
                {"name": "id", "logicalType": "integer", "required": True},
                {"name": column, "logicalType": "string", "description": PAYLOAD,
                 "logicalTypeOptions": {"pattern": "^[a-z]$|" + PAYLOAD.replace("'", "")},
                 "quality": [{"metric": "invalidValues", "mustBe": 0,
                              "arguments": {"validValues": ["a", PAYLOAD, CLOSING]}}]},
            ],
        }],
    }  # fmt: skip
    return write_contract(tmp_path, yaml.safe_dump(body, sort_keys=False))


def _project(tmp_path: Path, db: Path) -> Path:
    project = tmp_path / "dbtproj"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        "name: shop\nversion: '1.0'\nconfig-version: 2\nprofile: shop\nflags:\n  "
        "send_anonymous_usage_stats: false\n"
    )
    (project / "packages.yml").write_text(
        f"packages:\n  - local: {REPO / 'lockgate' / 'dbt_package'}\n"
    )
    (project / "profiles.yml").write_text(
        f"shop:\n  target: duckdb\n  outputs:\n    duckdb: {{type: duckdb, path: '{db}', "
        f"schema: analytics, threads: 1}}\n"
    )
    (project / "models" / "orders_copy.sql").write_text(
        "select * from {{ source('raw', 'orders') }}\n"
    )
    return project


@pytest.mark.slow
def test_jinja_in_contract_values_is_text_to_dbt_build(tmp_path):
    """The payload would create main.pwned if dbt rendered it; dbt builds, the table never appears,
    and the generic tests still judge the data (the accepted values include the payload text)."""
    db = duckdb_with(
        tmp_path / "w.duckdb",
        {"orders": pd.DataFrame({"id": [1, 2], "code": ["a", "zz"]})},
        schema="raw",
    )
    contract = lockgate.load_contract(_contract(tmp_path, db))
    generated = export(contract, "dbt", ExportOptions(dbt_source="raw", dbt_schema="raw"))
    assert "run_query" in generated  # the value is kept, as text
    project = _project(tmp_path, db)
    (project / "models" / "_contract.yml").write_text(generated)
    dbt(project, "deps", check=True)
    build = dbt(project, "build")
    statuses = dbt_test_statuses(project)
    assert statuses, build.stdout[-3000:]
    # "zz" is neither an accepted value nor a match of the pattern: both tests fail, as in lockgate
    verdicts = {r.rule.id: r.passed for r in lockgate.validate(contract).results}
    assert verdicts == {
        "orders.id.required": True,
        "orders.code.invalidValues": False,
        "orders.code.pattern": False,
        "orders.id.logicalType": True,
        "orders.code.logicalType": True,
    }
    assert sorted(statuses.values()) == ["fail", "fail", "pass"], build.stdout[-3000:]
    with duckdb.connect(str(db), read_only=True) as con:
        tables = {
            r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()
        }
    assert "pwned" not in tables


@pytest.mark.slow
def test_a_hostile_column_name_cannot_reach_dbt_sql(tmp_path):
    db = duckdb_with(
        tmp_path / "w.duckdb",
        {"orders": pd.DataFrame({"id": [1], HOSTILE_COLUMN: ["a"]})},
        schema="raw",
    )
    with duckdb.connect(str(db)) as con:
        con.execute("create table raw.victim as select 1 as x")
    contract = lockgate.load_contract(_contract(tmp_path, db, column=HOSTILE_COLUMN))
    generated = export(contract, "dbt", ExportOptions(dbt_source="raw", dbt_schema="raw"))
    project = _project(tmp_path, db)
    (project / "models" / "_contract.yml").write_text(generated)
    dbt(project, "deps", check=True)
    dbt(project, "build")
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from raw.victim").fetchone() == (1,)
        tables = {
            r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()
        }
    assert "pwned" not in tables


def _after_comments(text: str) -> str:
    """The first line that is not a comment: what a line break in a comment would have become."""
    return next(line for line in text.splitlines() if not line.startswith("#"))


@pytest.mark.parametrize("brk", LINE_BREAKS, ids=[f"U+{ord(b):04X}" for b in LINE_BREAKS])
def test_line_breaks_in_names_stay_inside_comments_of_every_export(tmp_path, brk):
    name = f"ok{brk}DROP TABLE victim;{brk}--"
    db = duckdb_with(
        tmp_path / "w.duckdb", {"orders": pd.DataFrame({"id": [1], name: ["a"]})}, schema="raw"
    )
    with duckdb.connect(str(db)) as con:
        con.execute("create table raw.victim as select 1 as x")
    body = _contract(tmp_path, db, column=name, description="plain").read_text()
    path = write_contract(
        tmp_path, body.replace("id: shop", f"id: {json.dumps('shop' + brk + 'DROP TABLE victim;')}")
    )
    contract = lockgate.load_contract(path)
    sql = export(contract, "sql", ExportOptions())
    assert sql.splitlines()[0].startswith("-- lockgate shop\\")  # the break is shown, escaped
    statements = duckdb.extract_statements(sql)
    assert {s.type for s in statements} == {duckdb.StatementType.SELECT}
    with duckdb.connect(str(db)) as con:
        for statement in statements:
            con.execute(statement.query)  # running the exported file: every statement reads
        assert con.execute("select count(*) from raw.victim").fetchone() == (1,)
    dbt_text = export(contract, "dbt", ExportOptions(dbt_source="raw"))
    assert _after_comments(dbt_text) == "version: 2"
    loaded = yaml.safe_load(dbt_text)
    assert list(loaded) == ["version", "sources"]  # no key smuggled in by a line break
    pandera_text = export(contract, "pandera", ExportOptions())
    intro, *tables = pandera_text.split("\n---\n")
    assert all(line.startswith("# ") for line in intro.splitlines())
    for document in tables:
        assert _after_comments(document) in ("schema_type: dataframe", "{}")
    assert all(isinstance(d, dict) or d is None for d in yaml.safe_load_all(pandera_text))
    gx = json.loads(export(contract, "gx", ExportOptions()))
    assert list(gx) == ["orders"]
