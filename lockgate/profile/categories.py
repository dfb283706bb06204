"""Reading a categorical reference's keys back as values of the column's type.

A categorical summary keys its counts by `str(value)` (see `lockgate.profile.drift`), so that the
reference file is plain JSON. To count the current data on those keys, both engines compare the
column with the key turned back into a value of the column's kind: comparing text would make
`True` differ from `true` (PostgreSQL) and `3` from `3.0` (pandas integers with nulls).
"""

from __future__ import annotations

from typing import Any

KINDS = ("string", "boolean", "integer", "number", "other")


def category_value(key: str, kind: str) -> Any:
    """The value `key` stands for in a column of `kind`; None when no value of that kind has it."""
    if kind == "boolean":
        return {"true": True, "false": False}.get(key.strip().lower())
    if kind == "integer":
        try:
            number = float(key)
        except ValueError:
            return None
        return int(number) if number.is_integer() else None
    if kind == "number":
        try:
            return float(key)
        except ValueError:
            return None
    return key  # strings, and other kinds compared as text
