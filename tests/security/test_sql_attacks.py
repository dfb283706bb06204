"""SQL a contract may run: exactly one read-only SELECT, on DuckDB and on the real PostgreSQL.

Every attack of the corpus (`sql_attacks.py`) is a lint error at the query's `file:line:col`
and, at check time, a contract error (exit 2): never a passing or failing rule. Behind the
parser, the databases enforce the same: DuckDB connections have no file access (a local server
reads only its own directory) and PostgreSQL statements run one at a time, read-only, bounded
by a statement timeout.
"""

from __future__ import annotations

import time

import duckdb
import pandas as pd
import pytest
import yaml

import lockgate
from lockgate.connectors.safety import UnsafeSql
from lockgate.contract import rules as ir
from lockgate.contract.loader import analyze_text
from lockgate.contract.model import Server
from lockgate.errors import ContractError, LockgateError
from tests.security.sql_attacks import DUCKDB, POSTGRES
from tests.support.cli import lockgate as lockgate_cli
from tests.support.files import duckdb_with, write_contract
from tests.support.postgres import PG, pg_load_frame


def contract_text(server: dict, query: str) -> str:
    body = {
        "apiVersion": "v3.1.0", "kind": "DataContract", "id": "attack", "version": "1.0.0",
        "status": "active", "servers": [server],
        "schema": [{"name": "t", "properties": [{"name": "a", "logicalType": "integer"}],
                    "quality": [{"type": "sql", "query": query, "mustBe": 0}]}],
    }  # fmt: skip
    return yaml.safe_dump(body, sort_keys=False)


def _fill(query: str, tmp_path) -> str:
    return query.replace("{out}", str(tmp_path / "out.csv")).replace(
        "{marker}", str(tmp_path / "marker")
    )


def _query_position(text: str) -> tuple[int, int]:
    lines = text.splitlines()
    line = next(i for i, line in enumerate(lines) if line.lstrip().startswith("query:"))
    return line + 1, lines[line].index("query:") + len("query: ") + 1


DUCK_SERVER = {"server": "duck", "type": "duckdb", "database": "w.duckdb"}
PG_SERVER = {
    "server": "pg",
    "type": "postgres",
    "host": PG["host"],
    "port": PG["port"],
    "database": PG["dbname"],
    "schema": "public",
}


@pytest.mark.parametrize(
    "server, corpus", [(DUCK_SERVER, DUCKDB), (PG_SERVER, POSTGRES)], ids=["duckdb", "postgres"]
)
def test_every_attack_is_a_lint_error_at_the_query(tmp_path, server, corpus):
    for attack, query in corpus:
        text = contract_text(server, _fill(query, tmp_path))
        _, findings = analyze_text(text, "attack.odcs.yaml")
        errors = [f for f in findings if f.severity == "error"]
        assert [f.code for f in errors] == ["unsafe-sql"], (attack, errors)
        assert (errors[0].location.line, errors[0].location.col) == _query_position(text), attack
        assert errors[0].message.startswith("SQL rule refused: "), attack
        assert "root:" not in errors[0].message  # nothing read from a file, ever


def test_ordinary_rules_still_lint_clean_on_both_dialects():
    ordinary = [
        "SELECT count(*) FROM {object} WHERE a < 0",
        "SELECT count(*) FROM {object} WHERE CAST(a AS VARCHAR) LIKE 'x%' AND lower(cast(a "
        "as varchar)) ~ '^[0-9]{2}$'",
        "WITH s AS (SELECT a, row_number() OVER (ORDER BY a) AS n FROM {object}) SELECT "
        "count(*) FROM s WHERE n > 1",
        "SELECT coalesce(max(a), 0) - min(a) FROM {object} WHERE a IN (SELECT a FROM "
        "{schema}.other)",
        "SELECT count(*) FROM {object} WHERE extract(year FROM now()) > 2000 AND "
        "date_trunc('day', now()) IS NOT NULL",
    ]
    for server in (DUCK_SERVER, PG_SERVER):
        for query in ordinary:
            _, findings = analyze_text(contract_text(server, query), "ok.odcs.yaml")
            assert [f for f in findings if f.severity == "error"] == [], (
                server["type"],
                query,
                findings,
            )


def test_duckdb_check_of_the_headline_attack_is_a_contract_error_and_writes_nothing(tmp_path):
    db = duckdb_with(tmp_path / "w.duckdb", {"t": pd.DataFrame({"a": [1, 2]})})
    query = _fill(dict(DUCKDB)["u2028-dollar-copy"], tmp_path)
    path = write_contract(tmp_path, contract_text({**DUCK_SERVER, "database": str(db)}, query))
    lint = lockgate_cli("lint", path, timeout=60)
    assert lint.returncode == 1 and "[unsafe-sql]" in lint.stdout
    check = lockgate_cli("check", path, "--no-history", timeout=60)
    assert (
        check.returncode == 2
        and "SQL rule refused: it must be exactly one SELECT statement" in check.stderr
    )
    assert "Traceback" not in check.stderr and check.stdout == ""
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("attack", [a for a, _ in DUCKDB])
def test_the_duckdb_engine_refuses_each_attack_even_without_lint(tmp_path, attack):
    """Defence in depth: a Contract built around lint (e.g. by code) still cannot run them."""
    from lockgate.connectors.duckdb import DuckDBConnector
    from lockgate.engines.sql.engine import SqlEngine

    db = duckdb_with(tmp_path / "w.duckdb", {"t": pd.DataFrame({"a": [1, 2]})})
    query = _fill(dict(DUCKDB)[attack], tmp_path)
    engine = SqlEngine(DuckDBConnector(Server("duck", "duckdb", {"database": str(db)})))
    rule = ir.Rule(
        "t.sql",
        "t",
        None,
        "sql",
        ir.SqlValue(query),
        ir.Threshold("mustBe", 0, "value"),
        "error",
        None,
        None,
    )
    table = lockgate.load_contract(
        write_contract(tmp_path, contract_text({**DUCK_SERVER, "database": str(db)}, "SELECT 1"))
    ).tables[0]
    with pytest.raises(UnsafeSql):
        engine.measure(table, [rule])
    engine.connector.close()
    assert not (tmp_path / "out.csv").exists()
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from t").fetchone() == (2,)


@pytest.mark.parametrize("sql", [
    "SELECT count(*) FROM read_csv('/etc/passwd')",
    "SELECT content FROM read_text('/etc/passwd')",
    "SELECT count(*) FROM glob('/root/*')",
    "SELECT count(*) FROM read_blob('/etc/hostname')",
    "SELECT count(*) FROM '/etc/passwd'",
    "COPY (SELECT 1) TO '{out}'",
    "ATTACH '{out}' AS x",
    "INSTALL httpfs",
])  # fmt: skip
def test_duckdb_connections_have_no_file_access(tmp_path, sql):
    """What the database enforces by itself when the parser is bypassed (connector.fetch)."""
    from lockgate.connectors.duckdb import DuckDBConnector

    db = duckdb_with(tmp_path / "w.duckdb", {"t": pd.DataFrame({"a": [1, 2]})})
    connector = DuckDBConnector(Server("duck", "duckdb", {"database": str(db)}))
    try:
        with pytest.raises(duckdb.Error) as raised:
            connector.fetch(_fill(sql, tmp_path))
        assert "root:" not in str(raised.value)
        assert connector.fetch("SELECT count(*) FROM t")[1] == [
            (2,)
        ]  # the warehouse file still reads
    finally:
        connector.close()
    assert not (tmp_path / "out.csv").exists()


def test_a_local_server_reads_its_own_directory_only(tmp_path):
    from lockgate.connectors.local import LocalFilesConnector

    data = tmp_path / "data"
    data.mkdir()
    duckdb.connect().execute(
        f"COPY (SELECT 1 AS a UNION ALL SELECT 2) TO '{data / 't.parquet'}' (FORMAT parquet)"
    )
    (tmp_path / "secret.csv").write_text("password\nhunter2\n")
    connector = LocalFilesConnector(
        Server("files", "local", {"path": str(data / "{object}.parquet"), "format": "parquet"})
    )
    try:
        assert connector.columns("t") == [("a", "INTEGER")]
        assert connector.fetch('SELECT count(*) FROM "t"')[1] == [(2,)]
        assert connector.columns("../secret") is None  # no such parquet; and outside anyway
        for sql in (
            f"SELECT * FROM read_csv('{tmp_path / 'secret.csv'}')",
            f"SELECT * FROM read_csv('{data}/../secret.csv')",
        ):
            with pytest.raises(duckdb.Error, match="disabled by configuration"):
                connector.fetch(sql)
    finally:
        connector.close()


def test_the_frame_engine_refuses_attacks_and_has_no_file_access(tmp_path):
    from lockgate.engines.frame.aggregates import _sql_value

    df = pd.DataFrame({"a": [1, 2]})
    with pytest.raises(UnsafeSql):
        _sql_value(ir.SqlValue(_fill(dict(DUCKDB)["u2028-dollar-copy"], tmp_path)), df, "t", 2)
    assert (
        _sql_value(ir.SqlValue("SELECT count(*) FROM {object} WHERE a > 1"), df, "t", 2).value == 1
    )
    assert not (tmp_path / "out.csv").exists()


# --- PostgreSQL -----------------------------------------------------------------------------------


@pytest.mark.postgres
def test_postgres_check_of_the_headline_attack_is_a_contract_error_and_deletes_nothing(
    tmp_path, pg_schema
):
    con, schema = pg_schema
    pg_load_frame(con, schema, "t", pd.DataFrame({"a": [1, 2]}), types={"a": "BIGINT"})
    for attack in ("u2028-dollar-commit-delete", "copy-to-program", "pg_read_file"):
        query = _fill(dict(POSTGRES)[attack], tmp_path)
        path = write_contract(tmp_path, contract_text({**PG_SERVER, "schema": schema}, query))
        check = lockgate_cli("check", path, "--no-history", timeout=60)
        assert check.returncode == 2, (attack, check.stdout, check.stderr)
        assert "SQL rule refused:" in check.stderr and "Traceback" not in check.stderr
        assert "root:" not in check.stderr + check.stdout
    assert con.execute(f'SELECT count(*) FROM "{schema}".t').fetchone() == (2,)
    assert not (tmp_path / "marker").exists()


@pytest.mark.postgres
@pytest.mark.parametrize("attack", [a for a, _ in POSTGRES])
def test_the_postgres_engine_refuses_each_attack_even_without_lint(tmp_path, pg_schema, attack):
    from lockgate.connectors.postgres import PostgresConnector
    from lockgate.engines.sql.engine import SqlEngine

    con, schema = pg_schema
    pg_load_frame(con, schema, "t", pd.DataFrame({"a": [1, 2]}), types={"a": "BIGINT"})
    server = Server("pg", "postgres", {**PG_SERVER, "schema": schema})
    engine = SqlEngine(PostgresConnector(server))
    query = _fill(dict(POSTGRES)[attack], tmp_path)
    rule = ir.Rule(
        "t.sql",
        "t",
        None,
        "sql",
        ir.SqlValue(query),
        ir.Threshold("mustBe", 0, "value"),
        "error",
        None,
        None,
    )
    text = contract_text({**PG_SERVER, "schema": schema}, "SELECT 1")
    table = lockgate.load_contract(write_contract(tmp_path, text)).tables[0]
    try:
        with pytest.raises(UnsafeSql):
            engine.measure(table, [rule])
    finally:
        engine.connector.close()
    assert con.execute(f'SELECT count(*) FROM "{schema}".t').fetchone() == (2,)
    assert not (tmp_path / "marker").exists()


@pytest.mark.postgres
@pytest.mark.parametrize("sql", [
    "SELECT 1; COMMIT; DELETE FROM {table}",
    ("SELECT count(*) AS \"\u2028$1a$\", 2 "
     "||\u2028$1a$; COMMIT; DELETE FROM {table}; "
     "SELECT 1 -- $1a$"),
    "DELETE FROM {table}",
])  # fmt: skip
def test_postgres_runs_one_statement_in_a_read_only_transaction(pg_schema, sql):
    """Behind the parser: the extended protocol refuses a second statement, so a COMMIT cannot
    end the read-only transaction; a lone write fails in it."""
    from lockgate.connectors.postgres import PostgresConnector

    con, schema = pg_schema
    pg_load_frame(con, schema, "t", pd.DataFrame({"a": [1, 2]}), types={"a": "BIGINT"})
    connector = PostgresConnector(Server("pg", "postgres", {**PG_SERVER, "schema": schema}))
    try:
        with pytest.raises(Exception, match="multiple commands|read-only transaction"):
            connector.fetch(sql.replace("{table}", f'"{schema}".t'))
    finally:
        connector.close()
    assert con.execute(f'SELECT count(*) FROM "{schema}".t').fetchone() == (2,)


@pytest.mark.postgres
def test_postgres_statement_timeout_bounds_a_slow_query(pg_schema, monkeypatch):
    from lockgate.connectors.postgres import PostgresConnector

    _, schema = pg_schema
    monkeypatch.setenv("LOCKGATE_STATEMENT_TIMEOUT", "300ms")
    connector = PostgresConnector(Server("pg", "postgres", {**PG_SERVER, "schema": schema}))
    started = time.perf_counter()
    try:
        with pytest.raises(Exception, match="statement timeout"):
            connector.fetch("SELECT pg_sleep(10)")
        assert connector.fetch("SELECT 1")[1] == [(1,)]  # the connection is still usable
    finally:
        connector.close()
    assert time.perf_counter() - started < 5


@pytest.mark.postgres
def test_a_superuser_connection_is_warned_about_on_stderr(tmp_path, pg_schema):
    con, schema = pg_schema
    if con.info.parameter_status("is_superuser") != "on":
        pytest.skip("the test server's role is not a superuser")
    pg_load_frame(con, schema, "t", pd.DataFrame({"a": [1, 2]}), types={"a": "BIGINT"})
    path = write_contract(
        tmp_path,
        contract_text({**PG_SERVER, "schema": schema}, "SELECT count(*) FROM {object} WHERE a < 0"),
    )
    check = lockgate_cli("check", path, "--no-history", timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "WARNING: a contract's SQL rule runs as PostgreSQL superuser" in check.stderr


@pytest.mark.postgres
def test_postgres_refuses_what_a_contract_error_refuses(tmp_path):
    with pytest.raises(ContractError, match="not on lockgate's allow-list"):
        lockgate.load_contract(
            write_contract(tmp_path, contract_text(PG_SERVER, dict(POSTGRES)["pg_read_file"]))
        )


@pytest.mark.parametrize("engine", ["sql", "frame"])
def test_duckdb_rules_are_stopped_at_the_statement_timeout(tmp_path, monkeypatch, engine):
    """DuckDB has no timeout setting: a timer interrupts the rule, which fails with the reason."""
    monkeypatch.setenv("LOCKGATE_STATEMENT_TIMEOUT", "300ms")
    db = duckdb_with(tmp_path / "w.duckdb", {"t": pd.DataFrame({"a": [1, 2]})})
    query = "SELECT count(*) FROM range(1000000000000) r, {object}"
    contract = lockgate.load_contract(
        write_contract(tmp_path, contract_text({**DUCK_SERVER, "database": str(db)}, query))
    )
    started = time.perf_counter()
    result = lockgate.validate(contract, engine=engine)
    assert time.perf_counter() - started < 10
    verdict = result.result("t.sql")
    assert not verdict.passed and "ran longer than 300ms" in verdict.observed


def test_a_malformed_timeout_is_a_clear_error(monkeypatch):
    from lockgate.connectors.base import statement_timeout_seconds

    monkeypatch.setenv("LOCKGATE_STATEMENT_TIMEOUT", "soon")
    with pytest.raises(LockgateError, match="expected e.g. 30s"):
        statement_timeout_seconds()
    monkeypatch.setenv("LOCKGATE_STATEMENT_TIMEOUT", "2min")
    assert statement_timeout_seconds() == 120
