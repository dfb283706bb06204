"""The record validator compiled from the Rule IR gives the frame engine's verdicts, record by
record, and picks the rules a single request must pass."""

from __future__ import annotations

import pandas as pd
import pytest
from pandera.errors import SchemaErrors

from lockgate.contract.loader import load_contract
from lockgate.engines.frame.schema import is_row_level, table_schema
from lockgate.serve.row_validator import RowValidator
from tests.serve.toy import CONTRACT, FEATURES, records, toy_frame

CORRUPTIONS = [
    {"x1": 11.0}, {"x1": -10.0}, {"x1": 10.0}, {"x1": -10.5}, {"x1": None},
    {"x2": -50.0}, {"x2": -49.9}, {"x2": None},
    {"n": 101}, {"n": -1}, {"n": 100}, {"n": None},
    {"color": "purple"}, {"color": None}, {"color": "Red"},
    {"code": "ab1"}, {"code": "ABCD"}, {"code": ""}, {"code": "N/A"}, {"code": None},
    {"code": "XY9"},
    {"x1": 50.0, "color": "pink", "code": "zz"},
]  # fmt: skip


@pytest.fixture(scope="module")
def contract(tmp_path_factory):
    path = tmp_path_factory.mktemp("contract") / "toy.odcs.yaml"
    path.write_text(CONTRACT)
    return load_contract(path)


def frame_engine_failures(contract, batch: list[dict]) -> list[set[str]]:
    """Failing rule ids per record, from the frame engine's own pandera schema (as
    FrameEngine._row_level runs it), restricted to row rules on the features."""
    table = contract.table("events")
    rules = [r for r in contract.rules_for("events") if is_row_level(r) and r.column in FEATURES]
    df = pd.DataFrame.from_records(batch, columns=list(FEATURES))
    out: list[set[str]] = [set() for _ in batch]
    try:
        table_schema(table.name, rules).validate(df, lazy=True)
    except SchemaErrors as exc:
        for error in exc.schema_errors:
            rule_id = getattr(error.check, "error", None)
            for index in error.failure_cases["index"].dropna().tolist():
                out[int(index)].add(rule_id)
    return out


def test_parity_with_the_frame_engine_on_clean_and_corrupted_records(contract):
    clean = records(toy_frame(60, seed=3), 30)
    corrupted = [{**clean[i % len(clean)], **change} for i, change in enumerate(CORRUPTIONS)]
    batch = clean + corrupted
    validator = RowValidator(contract, "events", FEATURES, zero_tolerance_only=False)
    ours = [set(validator.failing_rules(r)) for r in batch]
    theirs = frame_engine_failures(contract, batch)
    assert ours == theirs
    assert all(not s for s in ours[: len(clean)])  # the clean records pass
    assert all(
        ours[len(clean) :][i]
        for i, c in enumerate(CORRUPTIONS)
        if c not in ({"x1": -10.0}, {"x1": 10.0}, {"x2": -49.9}, {"n": 100}, {"code": "XY9"})
    )
    assert sum(1 for s in ours if s) >= 15


def test_a_request_is_checked_by_zero_tolerance_row_rules_on_features_only(contract):
    validator = RowValidator(contract, "events", FEATURES)
    ids = set(validator.rule_ids)
    assert "events.x2.nullValues" not in ids  # a budget: a property of a batch, not of one record
    assert "events.event_id.required" not in ids and "events.y.required" not in ids  # not features
    assert not any(i.endswith(("primaryKey", "unique")) for i in ids)  # table rules
    assert {
        "events.x1.required",
        "events.x1.minimum",
        "events.x1.maximum",
        "events.color.invalidValues",
        "events.code.pattern",
        "events.code.missingValues",
    } <= ids


def test_violations_name_record_rule_column_observed_and_expected(contract):
    validator = RowValidator(contract, "events", FEATURES)
    good = records(toy_frame(10), 2)
    bad = [good[0], {**good[1], "x1": 11.0, "color": "purple", "n": "7"}]
    found = {(v.record, v.rule, v.column, v.observed, v.expected) for v in validator.validate(bad)}
    assert found == {
        (1, "events.x1.maximum", "x1", 11.0, "values <= 10"),
        (1, "events.color.invalidValues", "color", "purple", "one of ['red', 'blue', 'green']"),
        (1, "events.n.logicalType", "n", "7", "an integer"),
    }
    assert validator.validate(good) == []
