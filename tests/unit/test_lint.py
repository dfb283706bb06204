"""Every lint finding, with the line and column it points at."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from lockgate.contract.loader import analyze, load_contract
from lockgate.errors import ContractError

HEADER = """\
apiVersion: v3.1.0
kind: DataContract
id: lint-test
version: 1.0.0
status: active
"""

CORPUS = Path(__file__).parent.parent / "data" / "odcs-examples"


def findings_of(tmp_path, body: str):
    path = tmp_path / "c.odcs.yaml"
    path.write_text(HEADER + textwrap.dedent(body), encoding="utf-8")
    return analyze(path)[1]


def one(findings, code):
    matching = [f for f in findings if f.code == code]
    assert len(matching) == 1, f"expected one {code} finding, got {[str(f) for f in findings]}"
    return matching[0]


TABLE = """\
schema:
  - name: readings
    properties:
      - name: kwh
        logicalType: number
"""


def test_a_valid_contract_has_no_findings(tmp_path):
    assert findings_of(tmp_path, TABLE) == []


def test_unknown_key_points_at_the_key_and_suggests(tmp_path):
    f = one(findings_of(tmp_path, TABLE + "        requried: true\n"), "unknown-key")
    assert (f.location.line, f.location.col) == (11, 9)
    assert "unknown key 'requried'" in f.message and "did you mean 'required'?" in f.message
    assert str(f).startswith(f"{f.location.file}:11:9: error:")


def test_a_bound_on_the_property_points_to_logical_type_options(tmp_path):
    f = one(findings_of(tmp_path, TABLE + "        maximum: 50\n"), "unknown-key")
    assert (f.location.line, f.location.col) == (11, 9)
    assert f.message.endswith(
        "'maximum' belongs under logicalTypeOptions, e.g. `logicalTypeOptions: {maximum: ...}`"
    )
    assert "expected one of" not in f.message


def test_a_parquet_server_type_points_to_a_local_server(tmp_path):
    body = "servers:\n  - server: files\n    type: parquet\n" + TABLE
    f = one(findings_of(tmp_path, body), "odcs-schema")
    assert (f.location.line, f.location.col) == (8, 11)
    assert (
        "'parquet' is not allowed; parquet files are a `local` server: `type: local`, `format: parquet`"
        in f.message
    )
    assert "presto" not in f.message


def test_misspelt_operator_and_metric(tmp_path):
    body = TABLE + "        quality:\n          - metric: nullValue\n            mustbe: 0\n"
    findings = findings_of(tmp_path, body)
    metric = next(f for f in findings if "nullValue" in f.message)
    assert metric.location.line == 12 and "did you mean 'nullValues'?" in metric.message
    op = one(findings, "unknown-key")
    assert op.location.line == 13 and "did you mean 'mustBe'?" in op.message


def test_two_operators_are_one_error(tmp_path):
    body = (
        TABLE
        + "    quality:\n      - metric: rowCount\n        mustBe: 1\n        mustBeGreaterThan: 0\n"
    )
    f = one(findings_of(tmp_path, body), "odcs-schema")
    assert f.location.line == 12 and "exactly one comparison operator" in f.message


def test_rule_naming_a_missing_column(tmp_path):
    body = (
        TABLE
        + "    quality:\n      - metric: duplicateValues\n        arguments:\n          properties: [kwh, meter]\n        mustBe: 0\n"
    )
    f = one(findings_of(tmp_path, body), "unknown-column")
    assert f.location.line == 14 and "meter" in f.message and "columns are: kwh" in f.message


def test_sla_element_naming_a_missing_column(tmp_path):
    body = (
        TABLE
        + "slaProperties:\n  - property: freshness\n    value: 1\n    unit: d\n    element: readings.ts\n"
    )
    f = one(findings_of(tmp_path, body), "unknown-column")
    assert f.location.line == 15 and "'readings' has no column 'ts'" in f.message


def test_contradictory_bounds(tmp_path):
    body = TABLE + "        logicalTypeOptions:\n          minimum: 10\n          maximum: 5\n"
    f = one(findings_of(tmp_path, body), "contradiction")
    assert f.location.line == 13 and "minimum 10 and maximum 5" in f.message


def test_exclusive_bounds_that_touch_are_contradictory(tmp_path):
    body = (
        TABLE + "        logicalTypeOptions:\n          exclusiveMinimum: 5\n          maximum: 5\n"
    )
    assert one(findings_of(tmp_path, body), "contradiction").location.line == 13


def test_contradictory_lengths(tmp_path):
    body = (
        TABLE.replace("number", "string")
        + "        logicalTypeOptions:\n          minLength: 4\n          maxLength: 2\n"
    )
    f = one(findings_of(tmp_path, body), "contradiction")
    assert f.location.line == 13 and "minLength 4 > maxLength 2" in f.message


def test_between_must_list_the_smaller_number_first(tmp_path):
    body = TABLE + "    quality:\n      - metric: rowCount\n        mustBeBetween: [10, 1]\n"
    f = one(findings_of(tmp_path, body), "contradiction")
    assert f.location.line == 13


def test_invalid_regular_expression(tmp_path):
    body = (
        TABLE.replace("number", "string")
        + "        logicalTypeOptions:\n          pattern: '^(ab'\n"
    )
    f = one(findings_of(tmp_path, body), "invalid-pattern")
    assert (f.location.line, f.location.col) == (
        12,
        20,
    ) and "invalid regular expression" in f.message


def test_regex_that_engines_would_read_differently(tmp_path):
    body = (
        TABLE.replace("number", "string")
        + "        logicalTypeOptions:\n          pattern: '^(?=a)b'\n"
    )
    f = one(findings_of(tmp_path, body), "invalid-pattern")
    assert "lookahead" in f.message and "RE2" in f.message


@pytest.mark.parametrize(
    "snippet, code, words",
    [
        (
            "        quality:\n          - type: custom\n            engine: soda\n            implementation: 'x'\n",
            "unsupported-engine",
            "engine 'soda'",
        ),
        (
            "        quality:\n          - type: custom\n            engine: lockgate\n            implementation: {check: freshnes}\n",
            "unknown-check",
            "unknown lockgate check 'freshnes'",
        ),
        (
            "        logicalTypeOptions:\n          format: f16\n",
            "invalid-value",
            "unknown number format",
        ),
        (
            "        quality:\n          - metric: nullValues\n            mustBe: 0\n            unit: liters\n",
            "invalid-value",
            "unit 'liters'",
        ),
        (
            "        quality:\n          - metric: nullValues\n            mustBe: 0\n            severity: fatal\n",
            "invalid-value",
            "unknown severity 'fatal'",
        ),
        (
            "        quality:\n          - metric: nullValues\n            mustBeLessThan: 150\n            unit: percent\n",
            "invalid-value",
            "not a percentage",
        ),
    ],
    ids=[
        "other-engine",
        "unknown-custom-check",
        "number-format",
        "unit",
        "severity",
        "percent-range",
    ],
)
def test_fields_lockgate_cannot_enforce_are_errors(tmp_path, snippet, code, words):
    f = one(findings_of(tmp_path, TABLE + snippet), code)
    assert words in f.message and f.location.line >= 11


def test_unsupported_sla_property_and_single_element_latency(tmp_path):
    body = TABLE.replace("number", "timestamp") + (
        "slaProperties:\n  - property: retention\n    value: 3\n    unit: y\n"
        "  - property: latency\n    value: 1\n    unit: d\n    element: readings.kwh\n"
        "  - property: generalAvailability\n    value: '2024-01-01'\n"
    )
    findings = findings_of(tmp_path, body)
    assert one(findings, "unsupported-field").location.line == 12
    latency = one(findings, "invalid-value")
    assert latency.location.line == 18 and "latency takes two elements" in latency.message


def test_duplicate_explicit_rule_ids(tmp_path):
    body = TABLE + (
        "        quality:\n          - id: kwh_rule\n            metric: nullValues\n            mustBe: 0\n"
        "          - id: kwh_rule\n            metric: missingValues\n            mustBe: 0\n"
    )
    f = one(findings_of(tmp_path, body), "duplicate-id")
    assert f.location.line == 15 and "first defined at line 12" in f.message


def test_derived_ids_that_collide_ask_for_an_id(tmp_path):
    body = TABLE + (
        "        quality:\n          - metric: invalidValues\n            arguments: {validValues: [1]}\n            mustBe: 0\n"
        "          - metric: invalidValues\n            arguments: {validValues: [2]}\n            mustBe: 0\n"
    )
    f = one(findings_of(tmp_path, body), "duplicate-id")
    assert "readings.kwh.invalidValues" in f.message and "distinct `id`" in f.message


def test_duplicate_yaml_keys(tmp_path):
    f = one(findings_of(tmp_path, TABLE + "        logicalType: string\n"), "duplicate-key")
    assert f.location.line == 11


def test_yaml_syntax_error_has_a_position(tmp_path):
    f = one(findings_of(tmp_path, "schema:\n  - name: [unclosed\n"), "yaml")
    assert f.location.line == 8 and "invalid YAML" in f.message


def test_unsupported_api_version(tmp_path):
    path = tmp_path / "old.odcs.yaml"
    path.write_text(HEADER.replace("v3.1.0", "v2.2.2") + TABLE)
    f = one(analyze(path)[1], "unsupported-version")
    assert f.location.line == 1


def test_load_contract_raises_with_every_finding(tmp_path):
    path = tmp_path / "c.odcs.yaml"
    path.write_text(HEADER + TABLE + "        requried: true\n        unqiue: true\n")
    with pytest.raises(ContractError) as info:
        load_contract(path)
    assert len(info.value.findings) == 2
    assert ":11:9: error: unknown key 'requried'" in str(info.value) and "1 more error" in str(
        info.value
    )


def test_warnings_do_not_invalidate(tmp_path):
    body = (
        "servers:\n  - server: k\n    type: kafka\n    host: localhost\n    format: json\n" + TABLE
    )
    contract = load_contract(_write(tmp_path, body))
    assert contract.servers[0].type == "kafka"


def _write(tmp_path, body):
    path = tmp_path / "w.odcs.yaml"
    path.write_text(HEADER + body)
    return path


# --- the ODCS project's own examples ------------------------------------------------------------

# What lockgate reports on the official examples: only fields it says it cannot enforce (and the
# SLA examples' elements, which name a table those files do not define). No schema false alarms.
EXPECTED_CORPUS_CODES = {
    "all__full-example.odcs.yaml": {"unknown-column", "unsupported-field"},
    "data-types__all-data-types.odcs.yaml": {"unsupported-field"},
    "quality__column-custom.odcs.yaml": {"unsupported-engine"},
    "schema__all-schema-types.odcs.yaml": {"unsupported-field"},
    "schema__kafka-schema.odcs.yaml": {"unsupported-server"},
    "schema__kafka-schemaregistry.odcs.yaml": {"unsupported-server"},
    "server__azure-server.odcs.yaml": {"unsupported-server"},
    "server__kafka-server.odcs.yaml": {"unsupported-server"},
    "sla__database-table-sla.odcs.yaml": {"unknown-column", "unsupported-field"},
}


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.odcs.yaml")), ids=lambda p: p.name)
def test_odcs_conformance_corpus(path):
    contract, findings = analyze(path)
    assert contract is not None
    codes = {f.code for f in findings}
    assert codes == EXPECTED_CORPUS_CODES.get(path.name, set()), [str(f) for f in findings]
    assert "odcs-schema" not in codes and "unknown-key" not in codes


def test_type_options_need_a_logical_type(tmp_path):
    body = "schema:\n  - name: t\n    properties:\n      - name: a\n        logicalTypeOptions:\n          minimum: 0\n"
    f = one(findings_of(tmp_path, body), "missing-field")
    assert f.location.line == 10 and "need a logicalType" in f.message
