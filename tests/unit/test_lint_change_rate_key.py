"""All changeRate rules of a table share one key: `lockgate lint` says so at the rule's line,
instead of the first run failing to profile the table (lockgate.contract.compile.shared_keys)."""

from __future__ import annotations

import textwrap

from lockgate.contract.loader import analyze

CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: change-rate-keys
version: 1.0.0
status: active
schema:
  - name: offers
    properties:
      - name: id
        logicalType: integer
        primaryKey: true
      - name: shop
        logicalType: string
      - name: price
        logicalType: number
        quality:
          - type: custom
            engine: lockgate
            implementation: {check: changeRate}
      - name: stock
        logicalType: integer
        quality:
          - type: custom
            engine: lockgate
            implementation: {check: changeRate%s}
"""


def _findings(tmp_path, stock_args: str):
    path = tmp_path / "c.odcs.yaml"
    path.write_text(textwrap.dedent(CONTRACT % stock_args), encoding="utf-8")
    return analyze(path)[1]


def test_two_keys_on_one_table_are_a_lint_error_at_the_second_rule(tmp_path):
    findings = [f for f in _findings(tmp_path, ", key: [shop]") if f.code == "conflicting-key"]
    assert len(findings) == 1, [str(f) for f in findings]
    f = findings[0]
    assert (f.severity, f.location.line, f.location.col) == ("error", 23, 13)
    assert "must share one key" in f.message
    assert "uses (shop)" in f.message and "uses (id)" in f.message and "at line 17" in f.message
    assert str(f).startswith(f"{f.location.file}:23:13: error:")


def test_the_same_key_written_out_lints_clean(tmp_path):
    assert _findings(tmp_path, ", key: [id]") == []
    assert _findings(tmp_path, "") == []


def test_two_segmentations_on_one_table_are_a_lint_error(tmp_path):
    text = (CONTRACT % ", by: shop").replace(
        "{check: changeRate}", "{check: changeRate, by: stock}"
    )
    path = tmp_path / "c.odcs.yaml"
    path.write_text(text, encoding="utf-8")
    findings = [f for f in analyze(path)[1] if f.code == "conflicting-key"]
    assert [(f.location.line, "split by one `by` column" in f.message) for f in findings] == [
        (23, True)
    ]
