"""Parsing of the scalar values contracts carry: durations, date bounds, regular expressions."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

_DURATION_UNITS = {
    "s": 1, "sec": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
    "w": 604800, "week": 604800, "weeks": 604800,
    "y": 31536000, "yr": 31536000, "year": 31536000, "years": 31536000,
}  # fmt: skip


def duration_seconds(value: Any, unit: str | None) -> float:
    """`value` in `unit` (d, h, m, s, w, y and their long forms) as seconds; ValueError if
    unknown."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected a number, got {value!r}")
    key = (unit or "").strip().lower()
    if key not in _DURATION_UNITS:
        raise ValueError(f"unknown time unit {unit!r}; expected one of d, h, m, s, w, y")
    return float(value) * _DURATION_UNITS[key]


def parse_temporal(value: Any, logical_type: str) -> date | datetime:
    """A date/timestamp bound written as an ISO string; ValueError when it is not one."""
    if isinstance(value, datetime) or (isinstance(value, date) and logical_type == "date"):
        return value
    text = str(value).strip()
    if logical_type == "date":
        return date.fromisoformat(text)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed


# Constructs that Python accepts but DuckDB (RE2) or PostgreSQL (ARE) do not, so a pattern using
# them would give different verdicts per engine.
_UNPORTABLE = [
    (re.compile(r"\(\?[=!]"), "lookahead"),
    (re.compile(r"\(\?<[=!]"), "lookbehind"),
    (re.compile(r"\\[1-9]"), "backreference"),
    (re.compile(r"\(\?P?<[A-Za-z_]"), "named group"),
    (re.compile(r"(?<!\\)[*+?}][+]"), "possessive quantifier"),
]


def pattern_problem(pattern: Any) -> str | None:
    """Why `pattern` cannot be enforced identically by every engine, or None if it can."""
    if not isinstance(pattern, str):
        return f"expected a regular expression string, got {pattern!r}"
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"invalid regular expression {pattern!r}: {exc}"
    for rx, name in _UNPORTABLE:
        if rx.search(pattern):
            return (
                f"regular expression {pattern!r} uses a {name}, which DuckDB (RE2) and "
                "PostgreSQL do not support"
            )
    return None


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
