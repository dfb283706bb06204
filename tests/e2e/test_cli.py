"""The `lockgate` command end to end: exit codes, output formats, exports, start-up weight."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from lockgate import clock
from tests.support.cli import lockgate
from tests.support.files import duckdb_with, write_contract
from tests.support.orders import CONTRACT, customers, orders

RESULT_KEYS = [
    "rule",
    "schema",
    "column",
    "check",
    "severity",
    "passed",
    "observed",
    "expected",
    "failed_rows",
    "samples",
]


@pytest.fixture
def contracts(tmp_path):
    """A clean and a corrupted warehouse for the every-rule contract (freshness relative to now)."""
    out = {}
    for state in ("clean", "corrupted"):
        corrupted = state == "corrupted"
        df = orders(corrupted)
        # move the data to "now" so that freshness is judged as in the parity test (row 54 stays
        # old)
        shift = pd.Timestamp(clock.now_naive()) - pd.Timestamp(
            "2026-01-15 12:00:00"
        )  # the pinned clock
        recent = df["created_at"] >= pd.Timestamp("2025-01-01")
        df.loc[recent, "created_at"] += shift
        df.loc[recent, "shipped_at"] += shift
        db = duckdb_with(
            tmp_path / f"{state}.duckdb", {"orders": df, "customers": customers(corrupted)}
        )
        out[state] = write_contract(
            tmp_path, CONTRACT.format(duck_path=db, pg_schema="unused"), f"{state}.odcs.yaml"
        )
    return out


def test_check_exit_codes(contracts):
    clean = lockgate("check", contracts["clean"])
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "PASSED: all rules passed" in clean.stdout
    bad = lockgate("check", contracts["corrupted"])
    assert bad.returncode == 1
    assert "FAILED:" in bad.stdout


def test_text_report_lists_failures_first_then_a_verdict(contracts):
    out = lockgate("check", contracts["corrupted"], env={"COLUMNS": "100"}).stdout
    lines = out.splitlines()
    statuses = [line[:4] for line in lines if line[:6] in ("FAIL  ", "WARN  ", "pass  ")]
    assert statuses == ["FAIL"] * 24 + ["WARN", "pass"]
    # each failure states its rule and what was found, then sample rows
    status = lines.index("FAIL  orders.status.invalidValues [invalidValues, column status]")
    assert (
        lines[status + 1]
        == "      status in ['new', 'paid', 'shipped']: 2 of 200 rows break it (allowed: 0)"
    )
    assert lines[status + 2] == "      sample: order_id=7, status='lost'"
    assert "pass  22 other rule(s) passed; --verbose lists them" in lines
    assert all(len(line) <= 100 for line in lines), [line for line in lines if len(line) > 100]
    verdict = " ".join(
        line.strip()
        for line in lines[lines.index(next(x for x in lines if x.startswith("FAILED:"))) :]
    )
    assert verdict.startswith(
        "FAILED: 24 error rule(s) failed, 1 warning(s) — contract parity-orders 1.2.0 on "
        "server duck, 47 rules"
    )


def test_text_report_verbose_lists_every_passing_rule(contracts):
    out = lockgate("check", contracts["corrupted"], "--verbose", env={"COLUMNS": "100"}).stdout
    passes = [line for line in out.splitlines() if line.startswith("pass  ")]
    assert len(passes) == 22 and "pass  orders.rowCount: row count " in "\n".join(passes)


def test_json_report_has_exactly_the_documented_shape(contracts):
    proc = lockgate("check", contracts["corrupted"], "--format", "json")
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    assert list(report) == ["contract", "version", "passed", "results"]
    assert (
        report["contract"] == "parity-orders"
        and report["version"] == "1.2.0"
        and report["passed"] is False
    )
    assert all(list(r) == RESULT_KEYS for r in report["results"])
    by_id = {r["rule"]: r for r in report["results"]}
    status = by_id["orders.status.invalidValues"]
    assert status == {
        "rule": "orders.status.invalidValues",
        "schema": "orders",
        "column": "status",
        "check": "invalidValues",
        "severity": "error",
        "passed": False,
        "observed": 2,
        "expected": "status in ['new', 'paid', 'shipped'] (failing rows = 0)",
        "failed_rows": 2,
        "samples": [{"order_id": 7, "status": "lost"}, {"order_id": 8, "status": "lost"}],
    }
    assert by_id["orders.country.nullValues"]["severity"] == "warning"
    assert (
        by_id["orders.rowCount"]["column"] is None
        and by_id["orders.rowCount"]["failed_rows"] is None
    )
    assert by_id["orders.created_at.minimum"]["samples"][0]["created_at"].startswith(
        "2019-06-01T10:00:00"
    )


def test_junit_report_and_output_file(contracts, tmp_path):
    target = tmp_path / "reports" / "lockgate.xml"
    proc = lockgate("check", contracts["corrupted"], "--format", "junit", "--output", target)
    assert proc.returncode == 1 and proc.stdout.startswith("FAILED:")
    root = ET.parse(target).getroot()
    suite = root.find("testsuite")
    assert suite.get("tests") == "47" and suite.get("failures") == "24"
    failed = {
        case.get("name") for case in suite.iter("testcase") if case.find("failure") is not None
    }
    assert "orders.order_id.primaryKey" in failed and "orders.country.nullValues" not in failed


def test_frame_engine_from_the_cli_gives_the_same_verdict(contracts):
    sql = json.loads(lockgate("check", contracts["corrupted"], "-f", "json").stdout)
    frame = json.loads(
        lockgate("check", contracts["corrupted"], "-f", "json", "--engine", "frame").stdout
    )
    strip = lambda rs: {r["rule"]: (r["passed"], r["failed_rows"]) for r in rs}  # noqa: E731
    assert strip(sql["results"]) == strip(frame["results"])


def test_usage_contract_and_connection_errors_exit_2_with_one_line(tmp_path, contracts):
    cases = [
        ("check", contracts["clean"], "--server", "nope"),
        ("check", tmp_path / "missing.odcs.yaml"),
        (
            "check",
            write_contract(
                tmp_path,
                "apiVersion: v3.1.0\nkind: DataContract\nid: x\nversion: '1'\nstatus: "
                "active\nschema: [{name: t, properties: [{name: a, requried: true}]}]\n",
                "bad.odcs.yaml",
            ),
        ),
        (
            "check",
            write_contract(
                tmp_path,
                "apiVersion: v3.1.0\nkind: DataContract\nid: x\nversion: '1'\nstatus: "
                "active\nservers: [{server: s, type: duckdb, database: "
                "/nowhere/w.duckdb}]\nschema: [{name: t}]\n",
                "nodb.odcs.yaml",
            ),
        ),
        ("check", contracts["clean"], "--engine", "spark"),
    ]
    for args in cases:
        proc = lockgate(*args)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert "Traceback" not in proc.stderr, proc.stderr
        assert len(lines) == 1 or args[-1] == "spark", proc.stderr
    bad = lockgate("check", tmp_path / "bad.odcs.yaml")
    assert bad.stderr.startswith(
        f"lockgate: error: {tmp_path / 'bad.odcs.yaml'}:6:43: unknown key 'requried'"
    )
    assert bad.stderr.count("error") == 1, bad.stderr  # said once, not "error: ...: error:"
    nodb = lockgate("check", tmp_path / "nodb.odcs.yaml")
    assert "DuckDB file /nowhere/w.duckdb does not exist" in nodb.stderr


def test_local_server_whose_path_matches_no_file_is_a_connection_error(tmp_path):
    text = (
        "apiVersion: v3.1.0\nkind: DataContract\nid: x\nversion: '1'\nstatus: active\n"
        "servers: [{server: files, type: local, path: 'nowhere/{object}.parquet', format: "
        "parquet}]\n"
        "schema: [{name: orders, properties: [{name: a, logicalType: integer, required: true}]}]\n"
    )
    proc = lockgate(
        "check", write_contract(tmp_path, text, "local.odcs.yaml"), "--no-history", cwd=tmp_path
    )
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [
        f"lockgate: error: server 'files': no file matches path nowhere/{{object}}.parquet "
        f"(relative to {tmp_path})"
    ]


def test_lint_exit_codes_and_output(tmp_path, contracts):
    ok = lockgate("lint", contracts["clean"])
    assert ok.returncode == 0 and ok.stdout == ""
    assert "1 contract(s) linted: 0 invalid" in ok.stderr
    bad = write_contract(
        tmp_path,
        "apiVersion: v3.1.0\nkind: DataContract\nid: x\nversion: '1'\nstatus: "
        "active\nschema:\n  - name: t\n    properties:\n      - name: a\n        "
        "logicalType: integer\n        logicalTypeOptions: {minimum: 3, maximum: 1}\n",
        "sub/bad.odcs.yaml",
    )
    proc = lockgate("lint", tmp_path)
    assert proc.returncode == 1
    assert f"{bad}:11:51: error: contradictory bounds for 'a'" in proc.stdout
    assert "3 contract(s) linted: 1 invalid, 1 error(s)" in proc.stderr
    assert lockgate("lint", tmp_path / "nothing-here").returncode == 2


def test_export_sql_shows_the_fused_query(contracts):
    proc = lockgate("export", contracts["clean"], "--to", "sql")
    assert proc.returncode == 0, proc.stderr
    sql = proc.stdout
    assert "column types from the live server duck" in sql
    assert sql.count('AS "__rows"') == 2  # one fused scan per table
    assert 'FROM "main"."orders" AS "t0"' in sql
    assert (
        "-- big_orders: own query" in sql
        and 'SELECT COUNT(*) FROM "main"."orders" WHERE amount > 900;' in sql
    )
    assert "-- orders.customer_id.relationship: own query" in sql
    offline = lockgate(
        "export", contracts["clean"], "--to", "sql", "--offline", "--server", "duck"
    ).stdout
    assert "column types from the contract's logicalType (offline)" in offline


def test_export_pandera_yaml_round_trips(contracts):
    import pandera.pandas as pa

    from lockgate.engines.frame import checks  # noqa: F401  (registers lockgate's check methods)

    proc = lockgate("export", contracts["clean"], "--to", "pandera")
    assert proc.returncode == 0, proc.stderr
    docs = proc.stdout.split("\n---\n")
    orders_doc = next(d for d in docs if "# table orders" in d)
    assert (
        "measured on the whole frame, outside pandera:" in orders_doc
        and "orders.rowCount" in orders_doc
    )
    schema = pa.DataFrameSchema.from_yaml(orders_doc)
    assert schema.columns["status"].checks[0].statistics == {
        "rule": "orders.status.invalidValues",
        "values": ["new", "paid", "shipped"],
    }
    with pytest.raises(pa.errors.SchemaErrors):
        schema.validate(orders(corrupted=True), lazy=True)
    # pandera alone is zero-tolerance: on clean data only the rules with a budget report rows,
    # which lockgate's judge then accepts (e.g. 5 % empty notes against a 10 % budget)
    with pytest.raises(pa.errors.SchemaErrors) as clean:
        schema.validate(orders(corrupted=False), lazy=True)
    budgeted = {
        "orders.note.missingValues",
        "orders.country.nullValues",
        "orders.shipped_at.nullValues",
        "orders.code.duplicateValues",
    }
    assert set(clean.value.failure_cases["check"]) == budgeted


def test_help_and_import_do_not_load_heavy_libraries():
    code = (
        "import sys, lockgate, lockgate.cli\n"
        "heavy = [m for m in ('great_expectations', 'dagster', 'dbt', 'pandas', 'pandera', "
        "'ibis', 'duckdb', 'fastapi', 'uvicorn', 'starlette') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""
    help_run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys\nfrom lockgate.cli import app\ntry:\n    app(['--help'])\nexcept "
            "SystemExit:\n    pass\nprint([m for m in "
            "('great_expectations','dagster','dbt','pandas','ibis','fastapi','uvicorn') if "
            "m in sys.modules])",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert help_run.stdout.strip().endswith("[]"), help_run.stdout
    assert "check" in help_run.stdout and "lint" in help_run.stdout


def test_usage_errors_are_one_line_naming_the_help(tmp_path):
    """Parse errors keep the exit-2 contract: one `lockgate: error:` line, no usage block."""
    cases = [
        (("check",), "Missing argument 'CONTRACT'", "check --help"),
        (("check", "x.odcs.yaml", "--engine", "bogus"), "Invalid value for '--engine'", "check"),
        (("check", "x.odcs.yaml", "--formt", "json"), "No such option '--formt'", "check --help"),
        (("nosuch",), "No such command 'nosuch'", "--help"),
        (("history", "orders", "-n", "0"), "0 is not in the range x>=1", "history --help"),
        (("registry", "promote", "m"), "Missing argument 'VERSION'", "registry promote --help"),
        (("quarantine", "show"), "Missing argument 'TABLE'", "quarantine show --help"),
    ]
    for args, message, hint in cases:
        proc = lockgate(*args, cwd=tmp_path)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert proc.stdout == "", (args, proc.stdout)
        lines = proc.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("lockgate: error: "), (args, proc.stderr)
        assert message in lines[0] and hint in lines[0], (args, lines[0])


def test_a_commands_own_usage_error_is_its_message_only(tmp_path):
    """monitor's unknown model is a usage error, not an internal one asking for a traceback."""
    (tmp_path / "specs").mkdir()
    proc = lockgate("monitor", "nope", "--specs", tmp_path / "specs", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    specs = tmp_path / "specs"
    assert proc.stderr.splitlines() == [
        f"lockgate: error: Invalid value: no spec named 'nope' in {specs} (specs: none)"
    ]


def _commands(*group: str) -> list[tuple[str, ...]]:
    """Every command under `group`, read from the help pages as a user finds them."""
    done = lockgate(*group, "--help")
    assert done.returncode == 0, done.stderr
    if "Commands:" not in done.stdout:
        return [group]
    listed = done.stdout.split("Commands:", 1)[1].splitlines()
    names = [ln.split()[0] for ln in listed if ln.startswith("  ") and not ln.startswith("   ")]
    return [c for name in names for c in _commands(*group, name)]


def test_every_positional_argument_says_what_it_is():
    """Each command's --help describes its arguments (typer listed them; click shows an
    argument only when it has a help text)."""
    commands = _commands()
    assert ("check",) in commands and ("registry", "promote") in commands
    for command in commands:
        done = lockgate(*command, "--help")
        usage = done.stdout.splitlines()[0].split()
        names = [w.rstrip(".") for w in usage if w.rstrip(".").isalpha() and w.isupper()]
        if not names:
            continue
        listed = done.stdout.split("Positional arguments:", 1)[-1].split("Options:", 1)[0]
        for name in names:
            line = next((ln for ln in listed.splitlines() if ln.strip().startswith(name)), "")
            assert len(line.split()) > 1, (command, name, done.stdout)  # a name and its text
