"""A seeded fuzz test: hundreds of generated malformed contracts and SQL strings thrown at lint,
check and every exporter, in process (and a few through the CLI). Nothing may crash with a
traceback, hang, or leave a trace: every answer is a finding, a verdict or a LockgateError.

Seeded (`random.Random(SEED)`), so a failure names the case that reproduces it.
"""

from __future__ import annotations

import copy
import math
import random
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

import lockgate
from lockgate.connectors.safety import refusal
from lockgate.contract.loader import analyze_text
from lockgate.errors import LockgateError
from lockgate.export import ExportOptions, export
from tests.security.sql_attacks import DUCKDB, POSTGRES
from tests.support.cli import lockgate as lockgate_cli
from tests.support.files import duckdb_with, write_contract

SEED = 20261202
SQL_CASES = 600
CONTRACT_CASES = 600
CHECK_EVERY = 6  # every 6th contract that compiles is also checked against the DuckDB file
MAX_SECONDS_PER_CASE = 5

SQL_PIECES = [
    "SELECT",
    "count(*)",
    "FROM",
    "{object}",
    "WHERE",
    "a",
    ">",
    "0",
    ";",
    "--",
    "/*",
    "*/",
    "'",
    '"',
    "$1a$",
    "$$",
    "\u2028",
    "\u2029",
    "\x85",
    "\n",
    "(",
    ")",
    ",",
    "||",
    "COPY",
    "TO",
    "'{out}'",
    "PROGRAM",
    "'touch {marker}'",
    "COMMIT",
    "DELETE",
    "INSERT INTO {object} VALUES (1)",
    "DROP TABLE {object}",
    "WITH d AS (",
    "RETURNING 1",
    "UNION ALL",
    "read_csv('/etc/passwd')",
    "read_text('/etc/passwd')",
    "glob('/*')",
    "pg_read_file('/etc/passwd')",
    "pg_sleep(1)",
    "set_config('a','b',true)",
    "lo_import('x')",
    "INTO",
    "FOR UPDATE",
    "ATTACH",
    "INSTALL",
    "PRAGMA",
    "SET",
    "\\",
    "E'\\''",
    "::text",
    "::regproc",
    "current_setting('x')",
    "query('SELECT 1')",
    "{property}",
    "{schema}",
    "$",
    "1e308",
    "NULL",
    "~",
]
HOSTILE_VALUES = [
    None,
    "",
    -1,
    10**30,
    1e308,
    math.inf,
    True,
    [],
    {},
    [[[[]]]],
    {"a": {"b": {"c": None}}},
    "x" * 5000,
    "{{ run_query('drop table t') }}",
    "{% do run_query('create table pwned as select 1') %}",
    "a\nDROP TABLE t;\n--",
    "\u2028\u2029\x85",
    "'; DROP TABLE t; --",
    '"',
    "../../etc/passwd",
    "/etc/passwd",
    "${HOME}",
    "${LOCKGATE_FUZZ_UNSET}",
    "2024-13-45",
    "\x00",
    "\udcff"[:0] + "\ufffd",
    "<script>alert(1)</script>",
    "*" * 3,
    "%s %d",
    "{object}",
    "NaN",
]
TEXT_INSERTS = [
    "&a ",
    "*a",
    "<<: *a\n",
    "!!python/object/apply:os.system ['touch {marker}']",
    "[",
    "{",
    "]",
    "}",
    "\t",
    "%YAML 1.1\n",
    "---\n",
    "...\n",
    "? ",
    ": ",
    "- ",
    "\u2028",
    "\x85",
    "\ufeff",
    "'",
    '"',
    "#",
    "!!binary AAAA",
    "!!float",
    "&b [*b]",
    "\n" + "  " * 40 + "x:",
]

BASE = {
    "apiVersion": "v3.1.0",
    "kind": "DataContract",
    "id": "fuzz",
    "version": "1.0.0",
    "status": "active",
    "servers": [{"server": "duck", "type": "duckdb", "database": "{db}", "schema": "main"}],
    "schema": [
        {
            "name": "t",
            "physicalName": "t",
            "properties": [
                {
                    "name": "a",
                    "logicalType": "integer",
                    "required": True,
                    "unique": True,
                    "logicalTypeOptions": {"minimum": 0, "maximum": 100},
                },
                {
                    "name": "b",
                    "logicalType": "string",
                    "logicalTypeOptions": {"pattern": "^[a-z]+$", "maxLength": 5},
                    "quality": [
                        {
                            "metric": "invalidValues",
                            "arguments": {"validValues": ["x", "y"]},
                            "mustBe": 0,
                        }
                    ],
                },
            ],
            "quality": [
                {"metric": "rowCount", "mustBeGreaterThan": 0},
                {"type": "sql", "query": "SELECT count(*) FROM {object} WHERE a < 0", "mustBe": 0},
            ],
        }
    ],
}


EXPRESSIONS = [
    "a > 0", "a IS NULL", "b LIKE 'x%'", "length(b) > 3", "a IN (SELECT a FROM {object})",
    "b ~ '^[a-z]+$'", "coalesce(a, 0) = 1", "a BETWEEN 1 AND 2", "lower(b) = 'x'", "NOT (a < 0)",
]  # fmt: skip


def _sql(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.2:  # an attack of the corpus with a piece inserted somewhere
        _, query = rng.choice(DUCKDB + POSTGRES)
        cut = rng.randrange(len(query) + 1)
        return query[:cut] + rng.choice(SQL_PIECES) + query[cut:]
    if roll < 0.6:  # a plausible rule, sometimes with something appended
        where = f" {rng.choice(['AND', 'OR'])} ".join(
            rng.choice(EXPRESSIONS) for _ in range(rng.randint(1, 3))
        )
        tail = " ".join(rng.choice(SQL_PIECES) for _ in range(rng.choice([0, 0, 1, 3])))
        return f"SELECT count(*) FROM {{object}} WHERE {where} {tail}"
    return " ".join(rng.choice(SQL_PIECES) for _ in range(rng.randint(1, 14)))


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, prefix + (i,))


def _mutated(rng: random.Random, db: Path, tmp: Path) -> str:
    doc = copy.deepcopy(BASE)
    # the real path goes in last: the mutations must not depend on where pytest put tmp_path
    doc["servers"][0]["database"] = "{db}"
    for _ in range(rng.randint(1, 3)):
        path = rng.choice([p for p in _paths(doc) if p])
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        roll = rng.random()
        if roll < 0.6:
            parent[path[-1]] = rng.choice(HOSTILE_VALUES)
        elif roll < 0.75 and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = _sql(rng)
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=rng.random() < 0.5)
    if rng.random() < 0.4:
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(text) + 1)
            text = text[:at] + rng.choice(TEXT_INSERTS) + text[at:]
    if rng.random() < 0.1:
        text = text[: rng.randrange(len(text) + 1)]
    text = text.replace("{out}", str(tmp / "out.csv")).replace("{marker}", str(tmp / "marker"))
    return text.replace("{db}", str(db))


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.fixture
def warehouse(tmp_path):
    db = duckdb_with(
        tmp_path / "w.duckdb", {"t": pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "zz"]})}
    )
    return db


def test_generated_sql_is_classified_without_crashing_and_what_passes_cannot_write(
    tmp_path, warehouse
):
    from lockgate.connectors.duckdb import safe_connect

    rng = random.Random(SEED)
    before = _files(tmp_path)
    con = safe_connect(str(warehouse), read_only=True)
    accepted = 0
    try:
        for case in range(SQL_CASES):
            sql = (
                _sql(rng)
                .replace("{out}", str(tmp_path / "out.csv"))
                .replace("{marker}", str(tmp_path / "marker"))
            )
            sql = (
                sql.replace("{object}", '"t"')
                .replace("{property}", '"a"')
                .replace("{schema}", '"main"')
            )
            started = time.perf_counter()
            verdicts = {d: refusal(sql, d) for d in ("duckdb", "postgres")}
            assert time.perf_counter() - started < MAX_SECONDS_PER_CASE, (case, sql)
            assert all(v is None or (isinstance(v, str) and v) for v in verdicts.values()), (
                case,
                sql,
            )
            if verdicts["duckdb"] is None:
                accepted += 1
                try:
                    con.execute(sql).fetchall()
                except duckdb.Error:
                    # a wrong query is the rule's problem; what matters is what it could not do
                    pass
    finally:
        con.close()
    assert accepted > 20  # the generator does reach the database
    assert _files(tmp_path) == before
    with duckdb.connect(str(warehouse), read_only=True) as check:
        assert check.execute("SELECT count(*) FROM t").fetchone() == (3,)


def test_generated_contracts_never_crash_lint_check_or_an_exporter(tmp_path, warehouse):
    rng = random.Random(SEED)
    before = _files(tmp_path)
    compiled = checked = 0
    for case in range(CONTRACT_CASES):
        text = _mutated(rng, warehouse, tmp_path)
        started = time.perf_counter()
        try:
            contract, findings = analyze_text(text, f"case{case}.odcs.yaml")
            assert all(f.location.line >= 1 and f.location.col >= 1 for f in findings)
            if contract is None or any(f.severity == "error" for f in findings):
                continue
            compiled += 1
            for fmt in ("sql", "dbt", "pandera", "gx"):
                try:
                    export(contract, fmt, ExportOptions(offline=True))
                except LockgateError:
                    pass
            if compiled % CHECK_EVERY == 0:
                checked += 1
                try:
                    lockgate.validate(contract)
                except LockgateError:
                    pass
        except Exception as exc:  # noqa: BLE001 - the point: say which generated case broke what
            pytest.fail(
                f"case {case} (seed {SEED}) raised {type(exc).__name__}: {exc}\n--- "
                f"contract ---\n{text[:3000]}"
            )
        assert time.perf_counter() - started < MAX_SECONDS_PER_CASE, f"case {case} took too long"
    assert compiled > 50 and checked > 5, (compiled, checked)
    assert _files(tmp_path) == before
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM t").fetchone() == (3,)


def test_a_few_generated_contracts_through_the_cli(tmp_path, warehouse):
    rng = random.Random(SEED + 1)
    for case in range(3):
        path = write_contract(tmp_path / f"case{case}", _mutated(rng, warehouse, tmp_path))
        for args in (
            ("lint", path),
            ("check", path, "--no-history"),
            ("export", path, "--to", "dbt", "--offline"),
        ):
            proc = lockgate_cli(*args, cwd=tmp_path, timeout=60)
            assert proc.returncode in (0, 1, 2), (case, args, proc.stderr)
            assert "Traceback" not in proc.stderr, (case, args, proc.stderr)
    assert not (tmp_path / "marker").exists() and not (tmp_path / "out.csv").exists()
