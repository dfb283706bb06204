"""The version-bump verdict of `lockgate diff`, and the tighter/looser arithmetic it rests on."""

from __future__ import annotations

import pytest

from lockgate.contract import rules as ir
from lockgate.review.changes import BREAKING, RISKY, SAFE, Change
from lockgate.review.directions import can_fail, measure_direction, threshold_direction
from lockgate.review.semver import FAIL, PASS, WARN, parse_version, required_bump, verdict

ROWS = ir.FailingRows(ir.IsNull("x"))


def change(severity: str, kind: str = "x") -> Change:
    return Change(kind, severity, "producers", "why", "t", None, "s")


@pytest.mark.parametrize(
    "old, new, changes, status, exit_code",
    [
        ("1.2.0", "2.0.0", [change(BREAKING)], PASS, 0),
        ("1.2.0", "1.3.0", [change(BREAKING)], FAIL, 1),
        ("1.2.0", "1.2.0", [change(BREAKING), change(SAFE)], FAIL, 1),
        ("1.2.0", "1.2.1", [change(SAFE)], PASS, 0),
        ("1.2.0", "1.2.0", [change(RISKY)], WARN, 0),
        ("1.2.0", "1.1.0", [change(SAFE)], WARN, 0),  # going backwards is no bump
        ("1.2.0", "1.2.0", [], PASS, 0),
        ("one", "two", [change(BREAKING)], FAIL, 1),
        ("v1.9", "v2", [change(BREAKING)], PASS, 0),
    ],
)
def test_verdict(old, new, changes, status, exit_code):
    judged = verdict(old, new, changes)
    assert (judged.status, judged.exit_code) == (status, exit_code), judged.message


def test_verdict_messages_say_what_to_do():
    assert (
        verdict("1.2.0", "1.3.0", [change(BREAKING)] * 2).message
        == "2 breaking change(s) need a major version bump (1.2.0 -> 1.3.0); e.g. version: 2.0.0"
    )
    assert "bump the minor version" in verdict("1.2.0", "1.2.0", [change(RISKY)]).message
    assert (
        "bump the patch version"
        in verdict("1.2.0", "1.2.0", [change(SAFE, "description-changed")]).message
    )


def test_required_bump():
    assert required_bump([]) is None
    assert required_bump([change(SAFE, "description-changed")]) == "patch"
    assert required_bump([change(SAFE, "column-added-optional")]) == "minor"
    assert required_bump([change(RISKY), change(BREAKING)]) == "major"


def test_parse_version():
    assert parse_version("1.2.3") == (1, 2, 3)
    assert parse_version("v2") == (2, 0, 0)
    assert parse_version("1.0.0-rc.1") == (1, 0, 0)
    assert parse_version("latest") is None


def threshold(op, value, unit="rows"):
    return ir.Threshold(op, value, unit)


@pytest.mark.parametrize(
    "old, new, measure, expected",
    [
        # failing rows are whole numbers >= 0: these accept exactly the same counts
        (threshold("mustBe", 0), threshold("mustBeLessThan", 1), ROWS, "same"),
        (threshold("mustBe", 0), threshold("mustBeLessOrEqualTo", 0), ROWS, "same"),
        (
            threshold("mustBeLessOrEqualTo", 10, "percent"),
            threshold("mustBeLessOrEqualTo", 5, "percent"),
            ROWS,
            "tighter",
        ),
        (
            threshold("mustBeLessThan", 5, "percent"),
            threshold("mustBeLessOrEqualTo", 5, "percent"),
            ROWS,
            "looser",
        ),
        (
            threshold("mustBeLessOrEqualTo", 10, "percent"),
            threshold("mustBeLessOrEqualTo", 10),
            ROWS,
            "changed",
        ),
        (
            threshold("mustBeGreaterThan", 100),
            threshold("mustBeGreaterThan", 200),
            ir.RowCount(),
            "tighter",
        ),
        (
            threshold("mustBeBetween", (100, 1000)),
            threshold("mustBeBetween", (50, 2000)),
            ir.RowCount(),
            "looser",
        ),
        (
            threshold("mustBeBetween", (100, 1000)),
            threshold("mustBeBetween", (200, 2000)),
            ir.RowCount(),
            "changed",
        ),
        (
            threshold("mustNotBeBetween", (50, 100), "percent"),
            threshold("mustBeLessThan", 50, "percent"),
            ROWS,
            "same",
        ),
        (
            threshold("mustBeLessOrEqualTo", 172800, "seconds"),
            threshold("mustBeLessOrEqualTo", 86400, "seconds"),
            ir.LatestValue("t"),
            "tighter",
        ),
    ],
)
def test_threshold_direction(old, new, measure, expected):
    assert threshold_direction(old, new, measure) == expected


def test_can_fail():
    assert not can_fail(threshold("mustBeLessOrEqualTo", 100, "percent"), ROWS)
    assert not can_fail(threshold("mustBeGreaterOrEqualTo", 0), ir.RowCount())
    assert not can_fail(threshold("mustBeGreaterThan", -1), ir.RowCount())
    assert can_fail(threshold("mustBeLessThan", 100, "percent"), ROWS)
    assert can_fail(threshold("mustBe", 0), ROWS)


@pytest.mark.parametrize(
    "old, new, expected",
    [
        (ir.OutOfRange("x", 0, 10), ir.OutOfRange("x", 1, 10), "tighter"),
        (
            ir.OutOfRange("x", 0, None),
            ir.OutOfRange("x", 0, None, exclusive_minimum=True),
            "tighter",
        ),
        (ir.OutOfRange("x", 0, 10), ir.OutOfRange("x", None, 10), "looser"),
        (ir.OutOfRange("x", 0, 10), ir.OutOfRange("x", 1, 20), "changed"),
        (ir.LengthOutOfRange("x", None, 5), ir.LengthOutOfRange("x", None, 4), "tighter"),
        (ir.NotInSet("x", ("a", "b")), ir.NotInSet("x", ("a",)), "tighter"),
        (ir.NotInSet("x", ("a", "b")), ir.NotInSet("x", ("a", "c")), "changed"),
        (ir.IsMissing("x", ("",)), ir.IsMissing("x", ("", "N/A")), "tighter"),
        (ir.NotMultipleOf("x", 0.01), ir.NotMultipleOf("x", 0.05), "tighter"),
        (ir.NotMultipleOf("x", 0.05), ir.NotMultipleOf("x", 0.01), "looser"),
        (ir.NotMultipleOf("x", 0.02), ir.NotMultipleOf("x", 0.03), "changed"),
        (ir.LagAbove("a", "b", 3600), ir.LagAbove("a", "b", 7200), "looser"),
        (ir.NotMatching("x", "^a"), ir.NotMatching("renamed", "^a"), "same"),
    ],
)
def test_predicate_direction(old, new, expected):
    assert measure_direction(ir.FailingRows(old), ir.FailingRows(new)) == expected


def test_duplicate_keys_follow_a_physical_rename():
    before, after = ir.DuplicateRows(("id", "day")), ir.DuplicateRows(("order_id", "day"))
    assert measure_direction(before, after) == "changed"
    assert measure_direction(before, after, {"id": "order_id"}) == "same"
    assert measure_direction(before, ir.DuplicateRows(("id",))) == "tighter"
