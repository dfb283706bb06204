"""lockgate's pandera check methods, registered so that exported schemas round-trip through YAML.

Each check answers "is this row fine?" for one rule and carries the rule id as a statistic; the
masks come from `predicates.py`, so the checks and the engine cannot disagree. Budgets (e.g.
"at most 5 % nulls") are applied by lockgate's judge on the failing-row counts, not by pandera.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
from pandera.extensions import register_check_method

from lockgate.contract import rules as ir
from lockgate.engines.frame.predicates import duplicate_mask, failing_mask

_COL = "__lockgate_value__"


def _ok(predicate_factory: Callable[[str], ir.Predicate], obj: Any) -> pd.Series:
    df = obj.to_frame(_COL) if isinstance(obj, pd.Series) else obj
    return ~failing_mask(predicate_factory(_COL), df)


CheckFn = Callable[..., pd.Series]


def _register(statistics: list[str], frame_level: bool = False) -> Callable[[CheckFn], CheckFn]:
    types = [pd.DataFrame] if frame_level else [pd.Series]
    register: Callable[[CheckFn], CheckFn] = register_check_method(
        statistics=["rule", *statistics], supported_types=types, check_type="vectorized"
    )
    return register


@_register([])
def lockgate_not_null(s: Any, *, rule: str) -> pd.Series:
    return _ok(lambda c: ir.IsNull(c), s)


@_register(["values"])
def lockgate_not_missing(s: Any, *, rule: str, values: Any) -> pd.Series:
    return _ok(lambda c: ir.IsMissing(c, tuple(values)), s)


@_register(["values"])
def lockgate_in_set(s: Any, *, rule: str, values: Any) -> pd.Series:
    return _ok(lambda c: ir.NotInSet(c, tuple(values)), s)


@_register(["pattern"])
def lockgate_matches(s: Any, *, rule: str, pattern: Any) -> pd.Series:
    return _ok(lambda c: ir.NotMatching(c, pattern), s)


@_register(["minimum", "maximum", "exclusive_minimum", "exclusive_maximum"])
def lockgate_in_range(
    s: Any, *, rule: str, minimum: Any, maximum: Any, exclusive_minimum: Any, exclusive_maximum: Any
) -> pd.Series:
    low, high = _temporal(minimum), _temporal(maximum)
    return _ok(lambda c: ir.OutOfRange(c, low, high, exclusive_minimum, exclusive_maximum), s)


@_register(["minimum", "maximum"])
def lockgate_length_in_range(s: Any, *, rule: str, minimum: Any, maximum: Any) -> pd.Series:
    return _ok(lambda c: ir.LengthOutOfRange(c, minimum, maximum), s)


@_register(["factor"])
def lockgate_multiple_of(s: Any, *, rule: str, factor: Any) -> pd.Series:
    return _ok(lambda c: ir.NotMultipleOf(c, factor), s)


@_register(["start", "end", "seconds"], frame_level=True)
def lockgate_lag_within(df: Any, *, rule: str, start: Any, end: Any, seconds: Any) -> pd.Series:
    return ~failing_mask(ir.LagAbove(start, end, seconds), df)


@_register(["columns"], frame_level=True)
def lockgate_unique_key(df: Any, *, rule: str, columns: Any) -> pd.Series:
    return ~duplicate_mask(df, tuple(columns))


def _temporal(bound: Any) -> Any:
    """Date/time bounds travel as ISO text so that the exported YAML stays plain."""
    if isinstance(bound, str):
        return pd.Timestamp(bound).to_pydatetime()
    return bound
