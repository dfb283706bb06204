"""Contract patterns rewritten for Spark's Java regex (no JVM needed): `$` outside a character
class becomes `\\z` and the pattern runs with UNIX_LINES, so Java reads it as RE2 does."""

from __future__ import annotations

import pytest

from lockgate.contract import rules as ir
from lockgate.engines.spark.regex import java_pattern, with_java_patterns


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("^[A-Z]+$", r"(?d)^[A-Z]+\z"),
        (r"^a\$b$", r"(?d)^a\$b\z"),  # an escaped dollar stays a literal
        ("[$]x$", r"(?d)[$]x\z"),  # a dollar in a class stays a literal
        ("[^$]$", r"(?d)[^$]\z"),
        (r"^\d{3}-\d{2}$", r"(?d)^\d{3}-\d{2}\z"),
        ("abc", "(?d)abc"),
    ],
)
def test_java_pattern(pattern, expected):
    assert java_pattern(pattern) == expected


def test_patterns_inside_any_of_are_rewritten_and_others_kept():
    predicate = ir.AnyOf((ir.NotMatching("country", "^[A-Z]{2}$"), ir.NotInSet("country", ("DE",))))
    rule = ir.Rule(
        "r",
        "t",
        "country",
        "invalidValues",
        ir.FailingRows(predicate),
        ir.Threshold("mustBe", 0, "rows"),
    )
    adapted = with_java_patterns(rule).measure.predicate
    assert adapted.predicates[0].pattern == r"(?d)^[A-Z]{2}\z"
    assert adapted.predicates[1] == predicate.predicates[1]
    assert (
        rule.measure.predicate.predicates[0].pattern == "^[A-Z]{2}$"
    )  # the contract's rule is untouched
