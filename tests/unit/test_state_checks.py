"""Lint of the stateful custom checks (and extraColumns, the other lockgate custom check): what
compiles to which rule, and every mistake reported at its line and column."""

from __future__ import annotations

import json
import textwrap

import pandas as pd
import pytest

import lockgate
from lockgate.contract import rules as ir
from lockgate.contract.loader import analyze
from lockgate.profile.drift import categorical_summary, numeric_summary, summary_to_dict

HEADER = """\
apiVersion: v3.1.0
kind: DataContract
id: checks
version: 1.0.0
status: active
schema:
  - name: pros
    properties:
      - name: pro_id
        logicalType: string
        primaryKey: true
      - name: rating
        logicalType: number
        quality:
{rating}
      - name: region
        logicalType: string
        quality:
{region}
      - name: updated_at
        logicalType: timestamp
    quality:
{table}
"""


def custom(check: str, indent: int = 10, **args) -> str:
    impl = ", ".join([f"check: {check}", *(f"{k}: {json.dumps(v)}" for k, v in args.items())])
    return textwrap.indent(
        f"- type: custom\n  engine: lockgate\n  implementation: {{{impl}}}\n", " " * indent
    )


def analyze_text(tmp_path, rating: str = "", table: str = "", region: str = ""):
    path = tmp_path / "c.odcs.yaml"
    text = HEADER.format(
        rating=rating or custom("constant"),
        table=table or custom("anomaly", 6, metric="rowCount"),
        region=region or custom("constant"),
    )
    path.write_text(text, encoding="utf-8")
    contract, findings = analyze(path)
    return contract, [f for f in findings if f.severity == "error"]


def test_every_check_compiles_to_its_measure(tmp_path):
    rating = (
        custom("changeRate", minRate=0.5, buckets=256)
        + custom("constant", maxTopShare=0.9)
        + custom("anomaly", metric="nullRate", window=14, minHistory=5, direction="up")
    )
    table = custom("anomaly", 6, metric="rowsAdded", threshold=5) + custom(
        "extraColumns", 6, policy="warn"
    )
    contract, errors = analyze_text(tmp_path, rating, table)
    assert errors == []
    by_id = {r.id: r for r in contract.rules}
    assert by_id["pros.rating.changeRate"].measure == ir.ChangeRate(
        "rating", ("pro_id",), ("pro_id", "rating", "region", "updated_at"), 256, 0.5, 10
    )
    assert by_id["pros.rating.constant"].measure == ir.ConstantColumn("rating", 0.9, 30, 1)
    nulls = by_id["pros.rating.anomaly.nullRate"].measure
    assert (nulls.window, nulls.min_history, nulls.direction, nulls.min_abs_tolerance) == (
        14,
        5,
        "up",
        0.01,
    )
    assert by_id["pros.anomaly.rowsAdded"].measure == ir.Anomaly("rowsAdded", None, threshold=5)
    extra = by_id["pros.extraColumns"]
    assert (extra.severity, extra.measure) == (
        "warning",
        ir.ExtraColumns(("pro_id", "rating", "region", "updated_at")),
    )


@pytest.mark.parametrize(
    "rating, table, message",
    [
        (custom("changeRate", buckets=1000), "", "buckets must be a power of two"),
        (custom("changeRate", minRate=1.5), "", "minRate must be a number >= 0 and <= 1, got 1.5"),
        (custom("changeRate", key=["nope"]), "", "key names unknown column(s) nope of 'pros'"),
        (
            custom("changeRate", mnRate=0.5),
            "",
            "unknown argument 'mnRate' for changeRate; did you mean 'minRate'?",
        ),
        (custom("constant", maxTopShare=0), "", "maxTopShare must be a number > 0 and <= 1, got 0"),
        (
            custom("anomaly", metric="nullRatio"),
            "",
            "anomaly needs metric: one of rowCount, rowsAdded",
        ),
        (
            custom("anomaly", metric="rowCount"),
            "",
            "metric rowCount is about the table; put the rule under schema[].quality",
        ),
        ("", custom("anomaly", 6, metric="mean"), "metric mean is about a column"),
        (
            custom("anomaly", metric="mean", minHistory=40),
            "",
            "anomaly: min_history (40) cannot exceed window (30)",
        ),
        (
            custom("anomaly", metric="mean", direction="sideways"),
            "",
            "anomaly: direction must be one of",
        ),
        ("", custom("advancement", 6), "advancement is a column rule"),
        (custom("drift"), "", "drift needs reference"),
        (custom("drift", reference="missing.json"), "", "reference profile missing.json not found"),
        (custom("frozen"), "", "unknown lockgate check 'frozen'"),
    ],
)
def test_mistakes_are_lint_errors_at_their_position(tmp_path, rating, table, message):
    _, errors = analyze_text(tmp_path, rating, table)
    assert len(errors) == 1, [str(e) for e in errors]
    assert message in errors[0].message
    assert errors[0].location.line > 10  # points into the quality entry, not at the file's top


def test_change_rate_needs_a_key(tmp_path):
    text = HEADER.replace("        primaryKey: true\n", "").format(
        rating=custom("changeRate"),
        table=custom("anomaly", 6, metric="rowCount"),
        region=custom("constant"),
    )
    path = tmp_path / "c.odcs.yaml"
    path.write_text(text, encoding="utf-8")
    errors = [f for f in analyze(path)[1] if f.severity == "error"]
    assert [e.message for e in errors] == [
        "changeRate compares rows by key; 'pros' has no primaryKey, so name one: key: [col, ...]"
    ]


def test_advancement_needs_an_ordered_type(tmp_path):
    _, errors = analyze_text(tmp_path, region=custom("advancement"))
    assert [e.message for e in errors] == [
        "advancement needs a column of logicalType timestamp, date, integer, number; "
        "region is string"
    ]


def test_drift_reads_the_reference_relative_to_the_contract(tmp_path):
    (tmp_path / "profiles").mkdir()
    reference = {
        "lockgateReferenceProfile": 1,
        "contract": {"id": "checks", "version": "1.0.0"},
        "source": "frames",
        "tables": {"pros": {"rowCount": 4, "columns": {
            "rating": summary_to_dict(numeric_summary([1.0, 2.0, 3.0, 4.0])),
            "region": summary_to_dict(categorical_summary(["a", "b", "a", "a"])),
        }}},
    }  # fmt: skip
    (tmp_path / "profiles" / "train.json").write_text(json.dumps(reference), encoding="utf-8")
    contract, errors = analyze_text(
        tmp_path,
        custom("drift", reference="profiles/train.json", method="psi", warnAt=0.1, failAt=0.3),
    )
    assert errors == []
    drift = next(r for r in contract.rules if r.check == "drift").measure
    assert (drift.column, drift.method, drift.warn_at, drift.fail_at) == ("rating", "psi", 0.1, 0.3)
    assert drift.reference.counts == (1, 1, 1, 1)
    _, errors = analyze_text(
        tmp_path,
        custom(
            "drift", reference="profiles/train.json", method="jensenShannon", warnAt=0.5, failAt=0.2
        ),
    )
    assert [e.message for e in errors] == ["warnAt (0.5) must not exceed failAt (0.2)"]


@pytest.mark.parametrize("method", [["psi"], {"name": "psi"}])
def test_a_drift_method_that_is_not_a_name_is_a_lint_error(tmp_path, method):
    # a YAML list or mapping once reached a dict lookup and crashed the lint (unhashable type)
    (tmp_path / "profiles").mkdir()
    reference = {
        "lockgateReferenceProfile": 1,
        "contract": {"id": "checks", "version": "1.0.0"},
        "source": "frames",
        "tables": {"pros": {"rowCount": 4, "columns": {
            "rating": summary_to_dict(numeric_summary([1.0, 2.0, 3.0, 4.0])),
        }}},
    }  # fmt: skip
    (tmp_path / "profiles" / "train.json").write_text(json.dumps(reference), encoding="utf-8")
    _, errors = analyze_text(
        tmp_path, custom("drift", reference="profiles/train.json", method=method)
    )
    assert [e.message for e in errors] == [
        "method for a numeric column must be one of wasserstein, jensenShannon, psi, "
        f"got {method!r}"
    ]


def test_extra_columns_policies_together_with_stateful_rules(tmp_path):
    df = pd.DataFrame(
        {
            "pro_id": ["a", "b"],
            "rating": [4.0, 4.5],
            "region": ["x", "y"],
            "updated_at": pd.Timestamp("2026-01-01"),
            "surprise": [1, 2],
        }
    )
    for policy, passed, severity in (("forbid", False, "error"), ("warn", False, "warning")):
        contract, errors = analyze_text(tmp_path, table=custom("extraColumns", 6, policy=policy))
        assert errors == []
        result = lockgate.validate_frames(
            contract, {"pros": df}, history=tmp_path / f"{policy}.sqlite"
        )
        extra = result.result("pros.extraColumns")
        assert (extra.passed, extra.rule.severity, extra.observed) == (
            passed,
            severity,
            "extra columns: surprise",
        )
        assert result.result("pros.rating.constant").observed == "not enough history: 0 of 1 run"
    contract, _ = analyze_text(tmp_path, table=custom("extraColumns", 6, policy="allow"))
    assert not any(r.check == "extraColumns" for r in contract.rules)
    _, errors = analyze_text(tmp_path, table=custom("extraColumns", 6, policy="maybe"))
    assert [e.message for e in errors] == [
        "extraColumns policy must be forbid, warn or allow, got 'maybe'"
    ]
