"""Turn a table profile into a starting ODCS contract: each rule is one the data already meets,
widened where tomorrow's data will differ (ranges get a margin, the row-count floor is half of
today's rows, freshness twice today's age, at least a day).

Heuristics, deliberately conservative, because a wrong rule in an inferred contract fails the
first real load:
- `required` where no value is null; `primaryKey` for an obvious id (no nulls, no repeats, named
  `id`, `<table>_id`, or first column ending in `_id`); `unique` for other key-like names;
- numbers: minimum/maximum rounded outwards with a 10 % margin, never below 0 for data >= 0;
- text: allowed values when there are few (<= 12, each seen twice on average), `format: email` or
  `uuid` when every value is one, otherwise a pattern when every value has the same shape;
- freshness from the newest timestamp column, unless its data is older than 30 days.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from lockgate.infer.profile import ColumnProfile, TableProfile

KEY_NAME = re.compile(r"(^|_)(id|key|uuid|code|email)$", re.IGNORECASE)
MARGIN = 0.1
MAX_SHAPE_LENGTH = 32
STALE_AFTER = dt.timedelta(days=30)
# characters that are special in Python, RE2 and PostgreSQL regular expressions alike
_REGEX_SPECIAL = set("\\.^$*+?()[]{}|")
_CLASSES = {"A": "[A-Z]", "a": "[a-z]", "9": "[0-9]"}


def propose(
    profile: TableProfile, now: dt.datetime
) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    """The schema object for the table, its SLA entries, and notes on what was left out."""
    notes: list[str] = []
    key = primary_key(profile)
    properties = [_property(profile, col, col.name == key) for col in profile.columns]
    table: dict[str, Any] = {
        "name": profile.table,
        "physicalType": "table",
        "properties": properties,
    }
    if profile.rows > 0:
        table["quality"] = [
            {
                "metric": "rowCount",
                "mustBeGreaterOrEqualTo": max(1, profile.rows // 2),
                "description": (
                    f"{profile.rows} rows when inferred; a load with under half of them is partial"
                ),
            }
        ]
    sla = _freshness(profile, now, notes)
    return table, sla, notes


def primary_key(profile: TableProfile) -> str | None:
    candidates = [
        c
        for c in profile.columns
        if c.kind in ("integer", "string") and _all_distinct(c) and c.non_null == profile.rows > 0
    ]
    names = {c.name.lower(): c.name for c in candidates}
    singular = profile.table.lower().removesuffix("s")
    for wanted in ("id", f"{profile.table.lower()}_id", f"{singular}_id"):
        if wanted in names:
            return names[wanted]
    first = profile.columns[0] if profile.columns else None
    if first in candidates and first.name.lower().endswith("_id"):
        return first.name
    return None


def _property(profile: TableProfile, col: ColumnProfile, is_key: bool) -> dict[str, Any]:
    prop: dict[str, Any] = {"name": col.name}
    logical = col.kind if col.kind != "unknown" else None
    if logical:
        prop["logicalType"] = logical
    prop["physicalType"] = col.native_type
    if is_key:
        prop["primaryKey"] = True
    elif profile.rows > 0 and col.non_null == profile.rows:
        prop["required"] = True
    if not is_key and KEY_NAME.search(col.name) and _all_distinct(col) and col.non_null >= 2:
        prop["unique"] = True
    options: dict[str, Any] = {}
    quality: list[dict[str, Any]] = []
    if col.kind in ("integer", "number") and col.minimum is not None:
        options.update(_range(col))
    elif col.kind == "string" and col.non_null:
        if _categorical(col):
            quality.append(
                {"metric": "invalidValues", "arguments": {"validValues": col.values}, "mustBe": 0}
            )
        else:
            options.update(_text_format(col))
    if options and logical:
        prop["logicalTypeOptions"] = options
    if quality:
        prop["quality"] = quality
    return prop


def _all_distinct(col: ColumnProfile) -> bool:
    return col.distinct is not None and col.distinct == col.non_null


def _categorical(col: ColumnProfile) -> bool:
    return (
        col.values is not None
        and 0 < len(col.values) == col.distinct
        and col.non_null >= 2 * col.distinct
        and not KEY_NAME.search(col.name)
    )


def _range(col: ColumnProfile) -> dict[str, Any]:
    low, high = float(col.minimum), float(col.maximum)
    margin = (high - low) * MARGIN or abs(high) * MARGIN or 1.0
    lower = nice(low - margin, down=True)
    if low >= 0:
        lower = max(lower, 0)
    upper = nice(high + margin, down=False)
    if col.kind == "integer":
        return {"minimum": math.floor(lower), "maximum": math.ceil(upper)}
    return {"minimum": lower, "maximum": upper}


def nice(value: float, *, down: bool) -> float:
    """Round outwards to two significant digits: 1046.3 -> 1100 (up), 12.6 -> 12 (down)."""
    if value == 0:
        return 0
    step = 10 ** (math.floor(math.log10(abs(value))) - 1)
    rounded = (math.floor if down else math.ceil)(value / step) * step
    return round(rounded, max(0, -math.floor(math.log10(step))))


def _text_format(col: ColumnProfile) -> dict[str, Any]:
    for fmt, matching in col.formats.items():
        if matching == col.non_null:
            return {"format": fmt}
    if col.non_null < 3:
        return {}
    if (
        col.shapes == 1
        and col.shape
        and len(col.shape) <= MAX_SHAPE_LENGTH
        and _has_class(col.shape)
    ):
        return {"pattern": shape_pattern(col.shape, collapsed=False)}
    # Varying lengths: only codes (no lower-case words, whose next value may be spelt differently)
    if (
        col.run_shapes == 1
        and col.run_shape
        and "a" not in col.run_shape
        and _has_class(col.run_shape)
    ):
        return {"pattern": shape_pattern(col.run_shape, collapsed=True)}
    return {}


def _has_class(shape: str) -> bool:
    return any(ch in _CLASSES for ch in shape)


def shape_pattern(shape: str, *, collapsed: bool) -> str:
    """ "AA-9999" -> ^[A-Z]{2}-[0-9]{4}$; a collapsed shape "A-9" -> ^[A-Z]+-[0-9]+$."""
    parts = []
    for run in re.finditer(r"(.)\1*", shape):
        ch, n = run.group(1), len(run.group(0))
        if ch in _CLASSES:
            parts.append(_CLASSES[ch] + ("+" if collapsed else "" if n == 1 else f"{{{n}}}"))
        else:
            parts.append(("\\" + ch if ch in _REGEX_SPECIAL else ch) * n)
    return "^" + "".join(parts) + "$"


def _freshness(profile: TableProfile, now: dt.datetime, notes: list[str]) -> list[dict[str, Any]]:
    stamps = [
        c for c in profile.columns if c.kind in ("timestamp", "date") and c.maximum is not None
    ]
    if not stamps:
        return []
    newest = max(stamps, key=lambda c: _utc(c.maximum))
    age = max(now - _utc(newest.maximum), dt.timedelta(0))
    if age > STALE_AFTER:
        notes.append(
            f"no freshness rule: the newest {newest.name} is {age.days} days old; add one "
            "once the table is loaded regularly"
        )
        return []
    # at least a day: a table loaded daily and inferred just after its load must pass tomorrow
    hours = max(24, math.ceil(2 * age.total_seconds() / 3600))
    value, unit = (hours, "h") if hours <= 48 else (math.ceil(hours / 24), "d")
    return [
        {
            "property": "freshness",
            "value": value,
            "unit": unit,
            "element": f"{profile.table}.{newest.name}",
            "description": f"twice the age of the newest row when inferred ({_age(age)})",
        }
    ]


def _utc(value: Any) -> dt.datetime:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _age(age: dt.timedelta) -> str:
    hours = age.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} d"
