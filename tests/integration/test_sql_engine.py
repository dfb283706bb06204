"""The SQL engine on real DuckDB files (and PostgreSQL where noted): missing objects, identifier
safety, read-only SQL rules, local files, type checks, and the single fused scan."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

import lockgate
from lockgate.errors import ConnectionFailed
from tests.support.files import duckdb_with, write_contract
from tests.support.postgres import pg_load_frame

HEADER = """
apiVersion: v3.1.0
kind: DataContract
id: engine-test
version: 1.0.0
status: active
"""


def contract_for(tmp_path, servers: str, schema: str):
    return lockgate.load_contract(write_contract(tmp_path, HEADER + servers + schema))


def duck_server(path, schema="main"):
    return (
        f"servers:\n  - server: duck\n    type: duckdb\n    database: {path}\n    schema: "
        f"{schema}\n"
    )


def test_missing_table_fails_every_rule_without_a_crash(tmp_path):
    db = duckdb_with(tmp_path / "w.duckdb", {"other": pd.DataFrame({"a": [1]})})
    c = contract_for(
        tmp_path,
        duck_server(db),
        "schema:\n  - name: ghost\n    properties:\n      - name: a\n        required: "
        "true\n    quality:\n      - metric: rowCount\n        mustBeGreaterThan: 0\n",
    )
    result = lockgate.validate(c)
    assert not result.passed
    assert [r.passed for r in result.results] == [False, False]
    assert all(r.observed == "table main.ghost does not exist" for r in result.results)


def test_missing_column_fails_its_rules_and_the_rest_still_run(tmp_path):
    db = duckdb_with(tmp_path / "w.duckdb", {"t": pd.DataFrame({"a": [1, None, 3]})})
    c = contract_for(
        tmp_path,
        duck_server(db),
        (
            "schema:\n  - name: t\n    properties:\n"
            "      - name: a\n        required: true\n"
            "      - name: b\n        logicalType: string\n        required: true\n"
        ),
    )
    result = lockgate.validate(c)
    assert result.result("t.a.required").failed_rows == 1
    for rule_id in ("t.b.logicalType", "t.b.required"):
        r = result.result(rule_id)
        assert not r.passed and r.failed_rows is None
        assert r.observed == "column b missing from table t (it has: a)"


WEIRD = {
    "select": "select",
    'it\'s "quoted"': "q",
    "with space": "space",
    "x; DROP TABLE t": "drop",
}


@pytest.mark.parametrize("engine_server", ["duck", "pg"])
def test_identifiers_are_always_quoted(tmp_path, request, engine_server):
    df = pd.DataFrame({name: pd.array([1, 2, None], dtype="Int64") for name in WEIRD})
    if engine_server == "pg":
        con, schema = request.getfixturevalue("pg_schema")
        pg_load_frame(con, schema, "t", df, types={c: "BIGINT" for c in WEIRD})
        servers = (
            "servers:\n  - server: pg\n    type: postgres\n    host: 127.0.0.1\n    port: "
            f"5432\n    database: test\n    schema: {schema}\n"
        )
    else:
        db = duckdb_with(tmp_path / "w.duckdb", {"t": df})
        servers = duck_server(db)
    props = "".join(
        f"      - name: {key}\n        physicalName: "
        f"'{name.replace(chr(39), chr(39) * 2)}'\n        logicalType: integer\n"
        f"        logicalTypeOptions: {{maximum: 1}}\n        quality:\n          - "
        "metric: nullValues\n            mustBe: 0\n"
        for name, key in WEIRD.items()
    )
    c = contract_for(tmp_path, servers, "schema:\n  - name: t\n    properties:\n" + props)
    result = lockgate.validate(c)
    for key in WEIRD.values():
        assert result.result(f"t.{key}.nullValues").failed_rows == 1
        assert result.result(f"t.{key}.maximum").failed_rows == 1
        assert result.result(f"t.{key}.logicalType").passed
    # the "x; DROP TABLE t" column executed nothing: the table is still there with its 3 rows
    if engine_server == "duck":
        with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
            assert con.execute("select count(*) from t").fetchone() == (3,)
    else:
        con, schema = request.getfixturevalue("pg_schema")
        assert con.execute(f'select count(*) from "{schema}".t').fetchone() == (3,)


@pytest.mark.parametrize(
    "query, why",
    [
        ("DELETE FROM {object}", "must be a SELECT, not DELETE"),
        ("SELECT 1; DROP TABLE t", "exactly one SELECT statement; DuckDB reads 2"),
        ("COPY t TO '/tmp/lockgate-leak.csv'", "must be a SELECT, not COPY"),
        ("WITH d AS (DELETE FROM t RETURNING 1) SELECT count(*) FROM d", "found DELETE"),
    ],
)
def test_sql_rules_only_read(tmp_path, query, why):
    """A query that is not one read-only SELECT is a contract error, never a rule's verdict."""
    from lockgate.errors import ContractError

    db = duckdb_with(tmp_path / "w.duckdb", {"t": pd.DataFrame({"a": [1, 2]})})
    body = (
        "schema:\n  - name: t\n    properties:\n      - name: a\n    quality:\n      - type: "
        f'sql\n        query: "{query}"\n        mustBe: 0\n'
    )
    with pytest.raises(ContractError, match=why) as raised:
        contract_for(tmp_path, duck_server(db), body)
    assert raised.value.findings[0].code == "unsafe-sql"
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from t").fetchone() == (2,)


@pytest.mark.postgres
def test_postgres_sql_rules_run_in_read_only_transactions(tmp_path, pg_schema):
    """Even SQL that slips past the parser cannot write: the session is read-only."""
    from lockgate.connectors.postgres import PostgresConnector
    from lockgate.contract.model import Server

    con, schema = pg_schema
    pg_load_frame(con, schema, "t", pd.DataFrame({"a": [1, 2]}), types={"a": "BIGINT"})
    connector = PostgresConnector(
        Server(
            "pg",
            "postgres",
            {"host": "127.0.0.1", "port": 5432, "database": "test", "schema": schema},
        )
    )
    with pytest.raises(Exception, match="read-only transaction"):
        connector.fetch(f'DELETE FROM "{schema}".t')
    connector.close()
    assert con.execute(f'select count(*) from "{schema}".t').fetchone() == (2,)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_local_files_through_duckdb(tmp_path, fmt):
    df = pd.DataFrame({"id": [1, 2, 2], "v": ["a", None, "c"]})
    path = tmp_path / f"t.{fmt}"
    getattr(df, f"to_{fmt}")(path, index=False)
    servers = (
        "servers:\n  - server: files\n    type: local\n    path: "
        f"{tmp_path}/{{object}}.{fmt}\n    format: {fmt}\n"
    )
    body = (
        "schema:\n  - name: t\n    properties:\n      - name: id\n        logicalType: "
        "integer\n        unique: true\n      - name: v\n        required: true\n"
    )
    result = lockgate.validate(contract_for(tmp_path, servers, body))
    assert result.result("t.id.unique").failed_rows == 1
    assert result.result("t.v.required").failed_rows == 1
    assert result.result("t.id.logicalType").passed


def test_local_path_that_matches_no_file_is_a_connection_error(tmp_path):
    servers = (
        "servers:\n  - server: files\n    type: local\n    path: "
        f"{tmp_path}/nothing.parquet\n    format: parquet\n"
    )
    body = "schema:\n  - name: t\n    properties:\n      - name: id\n        required: true\n"
    with pytest.raises(ConnectionFailed, match=f"no file matches path {tmp_path}/nothing.parquet$"):
        lockgate.validate(contract_for(tmp_path, servers, body))


def test_local_table_without_its_file_is_a_missing_table(tmp_path):
    duckdb.sql("copy (select 1 as id) to '" + str(tmp_path / "t.parquet") + "' (format parquet)")
    servers = (
        "servers:\n  - server: files\n    type: local\n    path: "
        f"'{tmp_path}/{{object}}.parquet'\n    format: parquet\n"
    )
    body = (
        "schema:\n  - name: t\n    properties:\n      - name: id\n        required: true\n  - "
        "name: u\n    properties:\n      - name: id\n        required: true\n"
    )
    result = lockgate.validate(contract_for(tmp_path, servers, body))
    assert result.result("t.id.required").passed
    missing = result.result("u.id.required")
    assert not missing.passed and "does not exist" in missing.observed


def test_type_checks_compare_logical_and_live_types(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute(
        "create table t as select 1::integer as i, 1.5::double as d, 2.5::decimal(10,2) as "
        "m, 'x' as s, "
        "date '2024-01-01' as dd, timestamp '2024-01-01 10:00' as ts, timestamptz "
        "'2024-01-01 10:00+00' as tz, true as b"
    )
    con.close()
    props = {
        "i": ("integer", True), "d": ("number", True), "m": ("number", True), "s": ("string", True),
        "dd": ("date", True), "ts": ("timestamp", True), "b": ("boolean", True),
    }  # fmt: skip
    wrong = {"i": "string", "s": "integer", "dd": "timestamp", "b": "integer"}
    body = "schema:\n  - name: t\n    properties:\n"
    body += "".join(
        f"      - name: {n}\n        logicalType: {lt}\n" for n, (lt, _) in props.items()
    )
    body += (
        "      - name: tz\n        logicalType: timestamp\n        logicalTypeOptions: "
        "{timezone: false}\n"
    )
    result = lockgate.validate(contract_for(tmp_path, duck_server(tmp_path / "w.duckdb"), body))
    assert all(result.result(f"t.{n}.logicalType").passed for n in props)
    tz = result.result("t.tz.logicalType")
    assert (
        not tz.passed
        and tz.observed == "TIMESTAMP WITH TIME ZONE"
        and tz.expected == "logicalType timestamp without time zone"
    )

    body = "schema:\n  - name: t\n    properties:\n" + "".join(
        f"      - name: {n}\n        logicalType: {lt}\n" for n, lt in wrong.items()
    )
    result = lockgate.validate(contract_for(tmp_path, duck_server(tmp_path / "w.duckdb"), body))
    assert {r.rule.id: r.passed for r in result.results} == {
        f"t.{n}.logicalType": False for n in wrong
    }


def test_all_aggregate_rules_share_one_query(tmp_path, monkeypatch):
    from lockgate.connectors.duckdb import DuckDBConnector

    db = duckdb_with(
        tmp_path / "w.duckdb", {"t": pd.DataFrame({"a": [1, 2, 2], "b": ["x", None, "zz"]})}
    )
    body = (
        "schema:\n  - name: t\n    properties:\n"
        "      - name: a\n        logicalType: integer\n        unique: true\n        "
        "logicalTypeOptions: {minimum: 0, maximum: 1}\n"
        "      - name: b\n        logicalType: string\n        required: true\n        "
        "logicalTypeOptions: {maxLength: 1, pattern: '^x$'}\n"
        "        quality:\n          - metric: nullValues\n            mustBe: 0\n"
        "    quality:\n      - metric: rowCount\n        mustBeGreaterThan: 0\n"
    )
    queries = []
    original = DuckDBConnector.fetch
    monkeypatch.setattr(
        DuckDBConnector, "fetch", lambda self, sql: queries.append(sql) or original(self, sql)
    )
    result = lockgate.validate(contract_for(tmp_path, duck_server(db), body))
    scans = [q for q in queries if 'AS "__rows"' in q]
    assert len(scans) == 1
    # then one sample query per failed rule, and no more
    failed = [r for r in result.results if not r.passed]
    assert len(queries) == 1 + len(failed) == 1 + 6
    assert "LIMIT 5" in queries[-1]


def test_unreachable_servers_raise_connection_errors(tmp_path):
    c = contract_for(
        tmp_path,
        duck_server(tmp_path / "absent.duckdb"),
        "schema:\n  - name: t\n    properties:\n      - name: a\n",
    )
    with pytest.raises(ConnectionFailed, match="does not exist"):
        lockgate.validate(c)
    servers = (
        "servers:\n  - server: pg\n    type: postgres\n    host: 127.0.0.1\n    port: 1\n    "
        "database: test\n    schema: public\n"
    )
    c = contract_for(tmp_path, servers, "schema:\n  - name: t\n    properties:\n      - name: a\n")
    with pytest.raises(
        ConnectionFailed, match="cannot connect to PostgreSQL postgres@127.0.0.1:1/test"
    ):
        lockgate.validate(c)


def test_server_fields_read_environment_variables(tmp_path, monkeypatch):
    db = duckdb_with(tmp_path / "w.duckdb", {"t": pd.DataFrame({"a": [1]})})
    monkeypatch.setenv("LOCKGATE_TEST_WAREHOUSE", str(db))
    servers = (
        "servers:\n  - server: duck\n    type: duckdb\n    database: ${LOCKGATE_TEST_WAREHOUSE}\n"
    )
    c = contract_for(
        tmp_path,
        servers,
        "schema:\n  - name: t\n    properties:\n      - name: a\n        required: true\n",
    )
    assert lockgate.validate(c).passed
    servers = (
        "servers:\n  - server: duck\n    type: duckdb\n    database: ${LOCKGATE_NOT_SET_ANYWHERE:-"
        + str(db)
        + "}\n"
    )
    c = contract_for(
        tmp_path,
        servers,
        "schema:\n  - name: t\n    properties:\n      - name: a\n        required: true\n",
    )
    assert lockgate.validate(c).passed
