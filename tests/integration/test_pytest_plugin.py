"""The pytest plugin, through pytester: `pytest --lockgate=contracts/` collects one test per
table, passes on clean data and fails with the rules, bounds and samples on corrupted data, on
DuckDB, PostgreSQL and DataFrames; JUnit output names the tables; history is recorded only when
asked; without `--lockgate` the plugin does nothing."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import duckdb
import pandas as pd
import pytest

from tests.support.files import duckdb_with
from tests.support.postgres import pg_load_frame

pytest_plugins = ["pytester"]

T0 = dt.datetime(2026, 5, 1)  # fixed: nothing here depends on today's date

CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: shop-orders
name: Orders
version: 1.2.0
status: active
servers:
{servers}
schema:
  - name: orders
    physicalType: table
    properties:
      - name: order_id
        logicalType: integer
        primaryKey: true
      - name: amount_eur
        logicalType: number
        required: true
        logicalTypeOptions: {{minimum: 0, maximum: 1000}}
      - name: status
        logicalType: string
        required: true
        quality:
          - metric: invalidValues
            arguments: {{validValues: [open, paid, refunded]}}
            mustBe: 0
      - name: ordered_at
        logicalType: timestamp
        required: true
        quality:
          - type: custom
            description: New orders keep arriving.
            engine: lockgate
            implementation: {{check: advancement}}
"""


def orders(n: int = 200) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": range(1, n + 1),
            "amount_eur": [round(5 + (i * 37.1) % 900, 2) for i in range(n)],
            "status": [("open", "paid", "refunded")[i % 3] for i in range(n)],
            "ordered_at": [T0 + dt.timedelta(hours=i) for i in range(n)],
        }
    )


def corrupt(frame: pd.DataFrame) -> pd.DataFrame:
    """An upstream unit change (cents for euros) on every tenth order, and a new status."""
    broken = frame.copy()
    broken.loc[broken.index % 10 == 0, "amount_eur"] *= 100
    broken.loc[5, "status"] = "PAID"
    return broken


def duckdb_server(path) -> str:
    return f"  - server: local\n    type: duckdb\n    database: {path}\n    schema: main"


@pytest.fixture
def shop(pytester):
    """A project folder with contracts/orders.odcs.yaml on a DuckDB file, and a test of its own."""
    warehouse = pytester.path / "shop.duckdb"
    duckdb_with(warehouse, {"orders": orders()})
    (pytester.path / "contracts").mkdir()
    (pytester.path / "contracts" / "orders.odcs.yaml").write_text(
        CONTRACT.format(servers=duckdb_server(warehouse))
    )
    pytester.makepyfile(test_features="def test_feature_code():\n    assert 1 + 1 == 2\n")
    return warehouse


def test_without_the_option_the_plugin_does_nothing(pytester, shop):
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "orders.odcs.yaml" not in result.stdout.str()


def test_clean_data_passes_one_test_per_table_and_records_nothing(pytester, shop, tmp_path):
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--lockgate=contracts/", "-v", "-rA"
    )
    result.assert_outcomes(passed=1)  # the contract only: the project's own tests are not run
    result.stdout.fnmatch_lines(["*contracts/orders.odcs.yaml::orders PASSED*"])
    # the rule that compares with earlier runs is reported, not failed, without a history store
    result.stdout.fnmatch_lines(
        ["*not checked without --lockgate-history*", "*orders.ordered_at.advancement*"]
    )
    assert not os.path.exists(os.environ["LOCKGATE_HISTORY"])
    assert not (pytester.path / ".lockgate").exists()


def test_corrupted_data_fails_with_rules_bounds_and_samples_and_junit(pytester, shop):
    con = duckdb.connect(str(shop))
    con.execute("UPDATE orders SET amount_eur = amount_eur * 100 WHERE order_id % 10 = 1")
    con.execute("UPDATE orders SET status = 'PAID' WHERE order_id = 6")
    con.close()
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--lockgate=contracts/", "--junitxml=report.xml"
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*contract shop-orders 1.2.0 on server local: 2 of * rules failed",
            "FAIL orders.amount_eur.maximum (column amount_eur): maximum",
            "  bounds:   amount_eur <= 1000",
            "  observed: 19",
            "  expected: amount_eur <= 1000 (failing rows = 0)",
            "  failing rows: 19 of 200",
            "  sample: order_id=*, amount_eur=*",
            "FAIL orders.status.invalidValues (column status): invalidValues",
            "  bounds:   status in ['open', 'paid', 'refunded']",
            "  sample: order_id=6, status='PAID'",
        ]
    )
    case = ET.parse(pytester.path / "report.xml").getroot().find(".//testcase")
    assert case.get("name") == "orders" and case.get("classname") == "contracts.orders.odcs.yaml"
    failure = case.find("failure")
    assert "orders.amount_eur.maximum" in failure.text and "amount_eur <= 1000" in failure.text


def test_history_is_recorded_when_asked(pytester, shop):
    history = pytester.path / "history.sqlite"
    for _ in range(2):
        result = pytester.runpytest_subprocess(
            "-p", "no:cacheprovider", "--lockgate=contracts/", f"--lockgate-history={history}"
        )
        result.assert_outcomes(passed=1)
    # both runs are in the store, and the second, on the same data, is a retry of the first
    listed = subprocess.run(
        [sys.executable, "-m", "lockgate.cli", "history", "orders", "--history", str(history),
         "--format", "json"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    runs = json.loads(listed.stdout)
    runs = runs.get("runs", runs) if isinstance(runs, dict) else runs
    assert len(runs) == 2, listed.stdout
    assert sum(1 for run in runs if run.get("retry_of")) == 1, listed.stdout


def test_a_contract_that_does_not_lint_is_a_collection_error_at_its_line(pytester, shop):
    (pytester.path / "contracts" / "bad.odcs.yaml").write_text(
        CONTRACT.format(servers=duckdb_server(shop)).replace("mustBe: 0", "mustBee: 0")
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--lockgate=contracts/")
    result.stdout.fnmatch_lines(["*bad.odcs.yaml:*: error: unknown key 'mustBee'*"])
    assert result.ret != 0


def test_an_unknown_server_is_a_one_line_failure(pytester, shop):
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--lockgate=contracts/", "--lockgate-server", "nope"
    )  # fmt: skip
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["contract shop-orders, table orders: contract shop-orders has no server named 'nope'*"]
    )
    assert "Traceback" not in result.stdout.str()


@pytest.mark.postgres
def test_postgres_on_the_named_server(pytester, pg_schema):
    con, schema = pg_schema
    pg_load_frame(con, schema, "orders", orders())
    servers = (
        f"{duckdb_server(pytester.path / 'absent.duckdb')}\n"
        "  - server: pg\n    type: postgres\n    host: 127.0.0.1\n    port: 5432\n    "
        f"database: test\n    schema: {schema}"
    )
    (pytester.path / "orders.odcs.yaml").write_text(CONTRACT.format(servers=servers))
    clean = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--lockgate=orders.odcs.yaml", "--lockgate-server", "pg"
    )
    clean.assert_outcomes(passed=1)
    con.execute(f'UPDATE "{schema}".orders SET amount_eur = -1 WHERE order_id = 3')
    broken = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--lockgate=orders.odcs.yaml", "--lockgate-server", "pg"
    )
    broken.assert_outcomes(failed=1)
    broken.stdout.fnmatch_lines(
        [
            "*on server pg: 1 of * rules failed",
            "FAIL orders.amount_eur.minimum*",
            "  bounds:   amount_eur >= 0",
            "  sample: order_id=3, amount_eur=-1*",
        ]
    )


def test_fixtures_assert_a_contract_on_dataframes_in_a_teams_own_tests(pytester, shop):
    orders().to_csv(pytester.path / "clean.csv", index=False)
    corrupt(orders()).to_csv(pytester.path / "corrupt.csv", index=False)
    pytester.makepyfile(
        test_feature_table="""
        import pandas as pd

        def frame(name):
            return pd.read_csv(name, parse_dates=["ordered_at"])

        def test_clean(lockgate_contract, lockgate_validate):
            contract = lockgate_contract("contracts/orders.odcs.yaml")
            result = lockgate_validate(contract, {"orders": frame("clean.csv")})
            assert result.table_rows == {"orders": 200}

        def test_corrupted(lockgate_validate):
            lockgate_validate("contracts/orders.odcs.yaml", {"orders": frame("corrupt.csv")})
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "test_feature_table.py")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*contract shop-orders 1.2.0: 2 of * rules failed",
            "FAIL orders.amount_eur.maximum (column amount_eur): maximum",
            "  failing rows: 19 of 200",
            "  sample: order_id=6, status='PAID'",
        ]
    )


def test_loading_the_plugin_imports_nothing_heavy():
    code = (
        "import sys, lockgate.pytest_plugin; print(sorted(m for m in ('pandas', 'ibis', "
        "'duckdb', 'dagster', 'great_expectations', 'lockgate.engines') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
