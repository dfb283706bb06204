"""`lockgate export --to dbt`: real dbt builds the generated tests on DuckDB and PostgreSQL and
reaches the same verdict as lockgate for every exported rule."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import lockgate
from lockgate import clock
from lockgate.export import ExportOptions, export
from lockgate.export.dbt import dbt_test_name
from tests.support.cli import REPO
from tests.support.cli import lockgate as lockgate_cli
from tests.support.dbt import dbt, dbt_test_statuses
from tests.support.files import duckdb_with, write_contract
from tests.support.orders import CONTRACT, customers, orders
from tests.support.postgres import pg_load_frame

pytestmark = pytest.mark.slow

EXPECTED_SKIPPED = {
    # rule id -> why dbt cannot say it exactly
    "orders.shipped_at.latency", "country_iso", "big_orders", "orders.extraColumns",
    "orders.code.duplicateValues", "orders.shipped_at.nullValues",
}  # fmt: skip


def _now_data(corrupted: bool) -> dict[str, pd.DataFrame]:
    df = orders(corrupted)
    shift = pd.Timestamp(clock.now_naive()) - pd.Timestamp(
        "2026-01-15 12:00:00"
    )  # the pinned clock
    recent = df["created_at"] >= pd.Timestamp("2025-01-01")
    df.loc[recent, "created_at"] += shift
    df.loc[recent, "shipped_at"] += shift
    return {"orders": df, "customers": customers(corrupted)}


def _project(tmp_path: Path, target: str, pg_schema: str | None) -> Path:
    project = tmp_path / "dbtproj"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        "name: shop\nversion: '1.0'\nconfig-version: 2\nprofile: shop\nflags:\n  "
        "send_anonymous_usage_stats: false\n"
    )
    (project / "packages.yml").write_text(
        f"packages:\n  - local: {REPO / 'lockgate' / 'dbt_package'}\n"
    )
    outputs = {
        "duckdb": (
            f"    duckdb: {{type: duckdb, path: "
            f"'{tmp_path / 'w.duckdb'}', schema: analytics, "
            f"threads: 1}}\n"
        ),
        "postgres": (
            f"    postgres: {{type: postgres, host: 127.0.0.1, port: 5432, user: postgres, "
            f"password: '', dbname: test, schema: {pg_schema}_analytics, threads: 1}}\n"
        ),
    }
    (project / "profiles.yml").write_text(
        f"shop:\n  target: {target}\n  outputs:\n{outputs[target]}"
    )
    # a model on top of each source so the build has something to build
    (project / "models" / "orders_copy.sql").write_text(
        "select * from {{ source('raw', 'orders') }}\n"
    )
    return project


@pytest.mark.parametrize("target", ["duckdb", "postgres"])
@pytest.mark.parametrize("corrupted", [False, True], ids=["clean", "corrupted"])
def test_dbt_build_enforces_the_contract_like_lockgate(tmp_path, request, target, corrupted):
    frames = _now_data(corrupted)
    if target == "postgres":
        con, schema = request.getfixturevalue("pg_schema")
        for name, df in frames.items():
            pg_load_frame(con, schema, name, df)
        server, raw_schema = "pg", schema
    else:
        duckdb_with(tmp_path / "w.duckdb", frames, schema="raw")
        server, raw_schema, schema = "duck", "raw", "raw"
    text = CONTRACT.format(duck_path=tmp_path / "w.duckdb", pg_schema=schema).replace(
        '    database: "' + str(tmp_path / "w.duckdb") + '"',
        '    database: "' + str(tmp_path / "w.duckdb") + '"\n    schema: raw',
    )
    contract = lockgate.load_contract(write_contract(tmp_path, text))
    project = _project(tmp_path, target, schema if target == "postgres" else None)
    generated = export(contract, "dbt", ExportOptions(dbt_source="raw", dbt_schema=raw_schema))
    (project / "models" / "_contract.yml").write_text(generated)

    dbt(project, "deps", check=True)
    build = dbt(project, "build")
    statuses = dbt_test_statuses(project)
    expected = lockgate.validate(contract, server)
    if target == "postgres":
        shutil.rmtree(project / "dbt_packages", ignore_errors=True)

    exported = {
        r.rule.id: r
        for r in expected.results
        if r.rule.id not in EXPECTED_SKIPPED and r.rule.check != "logicalType"
    }
    assert set(statuses) == {dbt_test_name(r.rule) for r in exported.values()}, build.stdout[-3000:]
    for rule_id, result in exported.items():
        status = statuses[dbt_test_name(result.rule)]
        dbt_passed = status == "pass" or (
            status == "warn" and result.rule.severity != "error" and result.passed
        )
        assert status != "error", f"{rule_id}: dbt could not run the test\n{build.stdout[-3000:]}"
        assert dbt_passed == result.passed, (
            f"{rule_id}: dbt says {status}, lockgate says passed={result.passed}"
        )
    assert (build.returncode == 0) == (not corrupted)


def test_export_is_deterministic_and_lists_what_dbt_cannot_express(tmp_path):
    contract = lockgate.load_contract(
        write_contract(tmp_path, CONTRACT.format(duck_path="w.duckdb", pg_schema="x"))
    )
    first = export(contract, "dbt", ExportOptions(dbt_source="raw"))
    assert first == export(contract, "dbt", ExportOptions(dbt_source="raw"))
    header = [line for line in first.splitlines() if line.startswith("#")]
    assert header[0].startswith("# Generated by lockgate from ")
    skipped = {line.split(":")[0].strip("# ").strip() for line in header[4:]}
    assert skipped == EXPECTED_SKIPPED | {r.id for r in contract.rules if r.check == "logicalType"}


def test_export_check_finds_stale_files(tmp_path):
    contract_path = write_contract(tmp_path, CONTRACT.format(duck_path="w.duckdb", pg_schema="x"))
    out = tmp_path / "models" / "_orders.yml"
    made = lockgate_cli(
        "export", contract_path, "--to", "dbt", "--dbt-source", "raw", "--output", out, cwd=tmp_path
    )
    assert made.returncode == 0, made.stderr
    ok = lockgate_cli("export", "--check", tmp_path / "models", cwd=tmp_path)
    assert ok.returncode == 0 and "1 generated file(s) checked, 0 out of date" in ok.stderr
    contract_path.write_text(contract_path.read_text().replace("maximum: 1000", "maximum: 900"))
    stale = lockgate_cli("export", "--check", tmp_path / "models", cwd=tmp_path)
    assert stale.returncode == 1
    assert "out of date; regenerate with: lockgate export" in stale.stdout
    hand_edited = tmp_path / "models" / "_orders.yml"
    lockgate_cli(
        "export", contract_path, "--to", "dbt", "--dbt-source", "raw", "--output", out, cwd=tmp_path
    )
    hand_edited.write_text(hand_edited.read_text() + "# a hand edit\n")
    assert lockgate_cli("export", "--check", out, cwd=tmp_path).returncode == 1


def test_the_reference_project_tests_are_generated_from_its_contracts():
    """`make dbt-contracts` output is committed; CI fails when a contract changed without it."""
    proc = lockgate_cli("export", "--check", "dbt/models", cwd=REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "14 generated file(s) checked, 0 out of date" in proc.stderr  # 12 test files, 2 models


@pytest.mark.parametrize("target", ["duckdb", "postgres"])
def test_dbt_counts_nan_and_infinity_like_lockgate(tmp_path, request, target):
    """NaN counts as NULL and ±inf as out of range in the exported dbt tests too (real dbt)."""
    import duckdb

    from tests.integration.test_parity import NAN_CONTRACT, NAN_EXPECTED, NAN_ROWS

    create = (
        "CREATE TABLE {t} (id BIGINT, value DOUBLE PRECISION, level DOUBLE PRECISION, score "
        "DOUBLE PRECISION)"
    )
    if target == "postgres":
        con, schema = request.getfixturevalue("pg_schema")
        con.execute(create.format(t=f'"{schema}".readings'))
        with con.cursor() as cur:
            cur.executemany(f'INSERT INTO "{schema}".readings VALUES (%s, %s, %s, %s)', NAN_ROWS)
        server, raw_schema = "pg", schema
    else:
        schema = raw_schema = "raw"
        con = duckdb.connect(str(tmp_path / "w.duckdb"))
        con.execute("CREATE SCHEMA raw")
        con.execute(create.format(t="raw.readings"))
        con.executemany("INSERT INTO raw.readings VALUES (?, ?, ?, ?)", NAN_ROWS)
        con.close()
        server = "duck"
    duck = tmp_path / "w.duckdb"
    text = NAN_CONTRACT.format(duck_path=duck, pg_schema=schema).replace(
        f'    database: "{duck}"', f'    database: "{duck}"\n    schema: raw'
    )
    contract = lockgate.load_contract(write_contract(tmp_path, text))
    project = _project(tmp_path, target, schema if target == "postgres" else None)
    (project / "models" / "orders_copy.sql").unlink()
    (project / "models" / "_contract.yml").write_text(
        export(contract, "dbt", ExportOptions(dbt_source="raw", dbt_schema=raw_schema))
    )
    dbt(project, "deps", check=True)
    build = dbt(project, "build")
    statuses = dbt_test_statuses(project)
    if target == "postgres":
        shutil.rmtree(project / "dbt_packages", ignore_errors=True)
    lockgate_failing = {
        r.rule.id for r in lockgate.validate(contract, server).results if not r.passed
    }
    assert lockgate_failing == set(NAN_EXPECTED)
    rules = {dbt_test_name(r): r.id for r in contract.rules if r.check != "logicalType"}
    assert set(statuses) == set(rules), build.stdout[-3000:]
    dbt_failing = {rules[name] for name, status in statuses.items() if status != "pass"}
    assert "error" not in statuses.values(), build.stdout[-3000:]
    assert dbt_failing == set(NAN_EXPECTED)


def test_dbt_freshness_fails_on_the_future_like_lockgate(tmp_path):
    """A newest value two days ahead of the clock fails the exported freshness test (real dbt)."""
    import datetime as dt

    import duckdb

    ahead = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0) + dt.timedelta(days=2)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("CREATE SCHEMA raw")
    con.execute(
        "CREATE TABLE raw.events AS SELECT 1 AS event_id, ?::TIMESTAMP AS loaded_at", [ahead]
    )
    con.close()
    text = f"""
    apiVersion: v3.1.0
    kind: DataContract
    id: future
    version: 1.0.0
    status: active
    servers:
      - server: duck
        type: duckdb
        database: "{tmp_path / "w.duckdb"}"
        schema: raw
    schema:
      - name: events
        properties:
          - name: event_id
            logicalType: integer
          - name: loaded_at
            logicalType: timestamp
    slaProperties:
      - property: freshness
        value: 1
        unit: d
        element: events.loaded_at
    """
    contract = lockgate.load_contract(write_contract(tmp_path, text))
    project = _project(tmp_path, "duckdb", None)
    (project / "models" / "orders_copy.sql").unlink()
    (project / "models" / "_contract.yml").write_text(
        export(contract, "dbt", ExportOptions(dbt_source="raw", dbt_schema="raw"))
    )
    dbt(project, "deps", check=True)
    build = dbt(project, "build")
    statuses = dbt_test_statuses(project)
    rule = contract.rules_for("events")[-1]
    assert rule.check == "freshness"
    assert statuses[dbt_test_name(rule)] == "fail", build.stdout[-3000:]
    assert not lockgate.validate(contract, "duck").result(rule.id).passed
