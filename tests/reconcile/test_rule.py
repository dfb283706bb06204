"""The reconcile rule as written in a contract: arguments, lint errors at file:line:col, and the
other consumers of the Rule IR (exports, review, selftest) naming it as not theirs."""

from __future__ import annotations

import pytest

import lockgate
from lockgate.contract.loader import analyze
from lockgate.contract.rules import Reconcile
from tests.reconcile.helpers import contract_text
from tests.support.files import write_contract

SERVERS = (
    "  - server: warehouse\n    type: duckdb\n    database: w.duckdb\n"
    "  - server: app\n    type: postgres\n    host: 127.0.0.1\n    port: 5432\n    database: test\n"
    "    schema: public\n"
)


def compile_text(tmp_path, implementation: str):
    path = write_contract(tmp_path, contract_text(SERVERS, implementation))
    contract, findings = analyze(path)
    return path, contract, [f for f in findings if f.severity == "error"]


def test_arguments_compile_to_the_measure_with_physical_names(tmp_path):
    impl = (
        "source: app\ntable: app_requests\nkey: id\ncolumns: [status, price]\nsince: updated_at\n"
        "lag: 90m\nbuckets: 64\ntolerance: 2"
    )
    _, contract, errors = compile_text(tmp_path, impl)
    assert errors == []
    rule = next(r for r in contract.rules if r.check == "reconcile")
    assert rule.id == "requests.reconcile" and rule.column is None
    assert rule.measure == Reconcile(
        "app", "app_requests", ("id",), ("status", "price"), "updated_at", 5400.0, 64, 2
    )


def test_defaults_key_from_the_primary_key_and_every_shared_column(tmp_path):
    _, contract, errors = compile_text(tmp_path, "source: app")
    assert errors == []
    m = next(r for r in contract.rules if r.check == "reconcile").measure
    assert (m.source_table, m.key, m.columns, m.since, m.lag_seconds) == (
        "requests",
        ("id",),
        (),
        None,
        0.0,
    )


@pytest.mark.parametrize(
    "impl, line, col, message",
    [
        ("source: crm", 37, 19, "must name a server of this contract (servers: warehouse, app)"),
        ("source: app\ncolumns: [status, colour]", 38, 29, "has no column 'colour'"),
        ("source: app\nkey: [idd]", 38, 17, "has no column 'idd'"),
        ("source: app\nsince: updated_at\nlag: soon", 39, 16, "lag must be a duration"),
        ("source: app\nlag: 2h", 38, 16, "lag needs `since`"),
        ("source: app\nbuckets: 0", 38, 20, "buckets must be an integer >= 1"),
        ("source: app\ncolumns: [id]", 38, 20, "must not repeat the key"),
        ("source: app\nsorce: app", 38, 11, "unknown argument 'sorce'"),
    ],
)
def test_bad_arguments_are_errors_at_their_position(tmp_path, impl, line, col, message):
    path, _, errors = compile_text(tmp_path, impl)
    assert len(errors) == 1, errors
    found = errors[0]
    assert message in found.message
    assert (found.location.line, found.location.col) == (line, col), str(found)
    assert str(found).startswith(f"{path}:{line}:{col}")
    assert (
        path.read_text()
        .splitlines()[line - 1]
        .strip()
        .startswith(impl.splitlines()[-1].split(":")[0])
    )


def test_other_consumers_name_the_rule_as_not_theirs(tmp_path):
    from lockgate.contract.describe import describe_rule
    from lockgate.export import ExportOptions, export, notes
    from lockgate.gx.expectations import NotExported, expectations_for
    from lockgate.selftest.breakers import not_exercised_reason

    path = write_contract(tmp_path, contract_text(SERVERS, "source: app"))
    contract = lockgate.load_contract(path)
    rule = next(r for r in contract.rules if r.check == "reconcile")
    dbt_yaml = export(contract, "dbt", ExportOptions(offline=True))
    assert "requests.reconcile" in dbt_yaml and "compares two servers" in dbt_yaml
    with pytest.raises(NotExported, match="two servers"):
        expectations_for(rule, contract.table("requests"))
    assert any(
        "requests.reconcile" in n for n in notes(contract, "gx", ExportOptions(offline=True))
    )
    assert (
        describe_rule(rule)
        == "same keys and values as app.requests (key id), keys differing <= 0 rows"
    )
    assert "another server" in not_exercised_reason(rule, contract)
    sql = export(contract, "sql", ExportOptions(server="warehouse", offline=True))
    assert "requests.reconcile: compared with server app by lockgate.reconcile" in sql
