"""The quarantine policy compiles from an ODCS-valid custom entry; bad values are lint errors at
the line and column of the value."""

from __future__ import annotations

import textwrap

from lockgate.contract.loader import analyze
from tests.quarantine.data import contract_text
from tests.support.files import write_contract

BASE = """\
apiVersion: v3.1.0
kind: DataContract
id: q
version: 1.0.0
status: active
schema:
  - name: t
    quality:
      - type: custom
        engine: lockgate
        implementation:
{impl}
    properties:
      - name: id
        logicalType: integer
        primaryKey: true
      - name: v
        logicalType: number
        logicalTypeOptions: {{minimum: 0}}
      - name: w
        logicalType: number
        quality:
          - metric: nullValues
            mustBe: 0
            severity: warning
"""


def lint(tmp_path, impl: str):
    text = BASE.format(impl=textwrap.indent(textwrap.dedent(impl).strip(), " " * 10))
    path = tmp_path / "c.odcs.yaml"
    path.write_text(text, encoding="utf-8")
    contract, findings = analyze(path)
    return contract, findings, text.splitlines()


def only_error(findings):
    errors = [f for f in findings if f.severity == "error"]
    assert len(errors) == 1, [str(f) for f in findings]
    return errors[0]


def test_default_rules_are_the_blocking_single_row_rules(tmp_path):
    contract, findings, _ = lint(tmp_path, "check: quarantine\nmaxRows: 10")
    assert findings == []
    (policy,) = contract.quarantine
    # the warning-severity nullValues rule and the column-type rules are not in the default
    assert policy.rule_ids == ("t.id.required", "t.id.primaryKey", "t.v.minimum")
    assert (policy.max_rows, policy.max_rate) == (10, None)
    assert contract.quarantine_policy("t") is policy


def test_named_rules_and_order(tmp_path):
    contract, findings, _ = lint(
        tmp_path, "check: quarantine\nmaxRate: 0.01\nrules: [t.w.nullValues]\norderBy: v"
    )
    assert findings == []
    (policy,) = contract.quarantine
    assert policy.rule_ids == ("t.w.nullValues",)
    assert policy.order_by == ("v",)
    assert policy.max_rate == 0.01


def test_a_contract_without_policy_has_none(tmp_path):
    path = write_contract(
        tmp_path,
        contract_text(database="x.duckdb")
        .replace("check: quarantine", "check: extraColumns\n          policy: warn")
        .replace("          maxRate: 0.5\n          orderBy: [created_at]\n", ""),
    )
    contract, findings = analyze(path)
    assert [f for f in findings if f.severity == "error"] == []
    assert contract.quarantine == ()


def test_max_rate_above_one_points_at_the_value(tmp_path):
    _, findings, lines = lint(tmp_path, "check: quarantine\nmaxRate: 5")
    f = only_error(findings)
    assert "between 0 and 1" in f.message
    assert lines[f.location.line - 1][f.location.col - 1 :].startswith("5")


def test_negative_max_rows(tmp_path):
    _, findings, lines = lint(tmp_path, "check: quarantine\nmaxRows: -1")
    f = only_error(findings)
    assert "maxRows" in f.message
    assert lines[f.location.line - 1][f.location.col - 1 :] == "-1"


def test_a_budget_is_required(tmp_path):
    f = only_error(lint(tmp_path, "check: quarantine\norderBy: v")[1])
    assert "budget" in f.message


def test_unknown_argument_suggests(tmp_path):
    f = only_error(lint(tmp_path, "check: quarantine\nmaxRate: 0.1\nmaxRatio: 2")[1])
    assert "maxRate" in f.message and f.code == "unknown-key"


def test_unknown_rule_id_points_at_the_list_item(tmp_path):
    _, findings, lines = lint(
        tmp_path, "check: quarantine\nmaxRate: 0.1\nrules: [t.v.minimum, t.v.minimun]"
    )
    f = only_error(findings)
    assert f.code == "unknown-rule" and "did you mean 't.v.minimum'" in f.message
    assert lines[f.location.line - 1][f.location.col - 1 :].startswith("t.v.minimun")


def test_a_table_rule_cannot_quarantine(tmp_path):
    text = "check: quarantine\nmaxRate: 0.1\nrules: [t.id.logicalType]"
    f = only_error(lint(tmp_path, text)[1])
    assert "not about single rows" in f.message


def test_order_by_must_name_a_column(tmp_path):
    f = only_error(lint(tmp_path, "check: quarantine\nmaxRate: 0.1\norderBy: [nope]")[1])
    assert f.code == "unknown-column"
