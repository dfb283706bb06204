"""Values for one column: a stream of values that satisfy every rule on the column
(`violations.py` makes the values that break one).

Streams are "prefix-stable": the first n values do not depend on how many are asked for, so a
table regenerated with more rows keeps the keys other tables reference. Whether a value breaks a
predicate is decided by the frame engine's own predicate code, so the generator and the engines
cannot disagree about what "valid" means.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from functools import reduce
from typing import Any

import pandas as pd

from lockgate.contract import rules as ir
from lockgate.contract.dispatch import KindTable
from lockgate.engines.frame.predicates import failing_mask
from lockgate.selftest.regex import Unsupported, examples

ANCHOR = dt.datetime(2026, 1, 15, 12, 0, 0)  # naive UTC; timestamps are generated up to it
KINDS = ("integer", "number", "string", "boolean", "date", "timestamp", "time")
BATCH = 256
TIMESTAMP_STEP = dt.timedelta(days=1, minutes=1)


class CannotGenerate(Exception):
    """No values satisfy the column's rules (or this generator cannot find them)."""


@dataclass
class ColumnSpec:
    name: str  # physical column name
    kind: str  # one of KINDS
    timezone: bool | None = None
    predicates: list[tuple[str, ir.Predicate]] = field(default_factory=list)  # (rule id, predicate)
    unique: bool = False

    def others(self, rule_id: str) -> list[ir.Predicate]:
        return [p for rid, p in self.predicates if rid != rule_id]


# --- pandas representation ----------------------------------------------------------------------


def to_series(values: list, kind: str, timezone: bool | None = None) -> pd.Series:
    """Column values as the pandas dtype that DuckDB and the frame engine read as `kind`."""
    if kind == "integer":
        return pd.Series(pd.array(values, dtype="Int64"))
    if kind == "number":
        return pd.Series([math.nan if v is None else float(v) for v in values], dtype="float64")
    if kind == "boolean":
        return pd.Series(pd.array(values, dtype="boolean"))
    if kind == "timestamp":
        series = pd.to_datetime(pd.Series(values, dtype=object))
        if timezone and series.dt.tz is None:
            series = series.dt.tz_localize("UTC")
        return series
    return pd.Series(values, dtype=object)  # string, date, time


def breaks(values: list, spec: ColumnSpec, predicate: ir.Predicate) -> list[bool]:
    """For each value: does it make `predicate` true (fail the rule)?"""
    if not values:
        return []
    frame = pd.DataFrame({spec.name: to_series(values, spec.kind, spec.timezone)})
    return failing_mask(predicate, frame).tolist()


def keeps_all(values: list, spec: ColumnSpec, predicates: Iterable[ir.Predicate]) -> list[bool]:
    ok = [True] * len(values)
    for p in predicates:
        ok = [a and not b for a, b in zip(ok, breaks(values, spec, p))]
    return ok


# --- constraints read off the predicates ----------------------------------------------------------


@dataclass
class Constraints:
    low: Any = None
    low_open: bool = False
    high: Any = None
    high_open: bool = False
    min_len: int | None = None
    max_len: int | None = None
    patterns: list[str] = field(default_factory=list)
    allowed: list | None = None
    factors: list[float] = field(default_factory=list)


def constraints(predicates: Iterable[ir.Predicate]) -> Constraints:
    c = Constraints()
    for p in predicates:
        _collect(p, c)
    return c


def _collect(p: ir.Predicate, c: Constraints) -> None:
    COLLECT(p, c)


COLLECT: KindTable[Callable[[Any, Constraints], None]] = KindTable(
    "selftest: what a row predicate says valid values are", ir.Predicate
)


@COLLECT.register(ir.IsNull, ir.IsMissing, ir.LagAbove)
def _(p: ir.Predicate, c: Constraints) -> None:
    """Nothing to collect: nulls are chosen by the column spec; a lag spans two columns."""


@COLLECT.register(ir.AnyOf)
def _(p: ir.AnyOf, c: Constraints) -> None:
    for sub in p.predicates:
        _collect(sub, c)


@COLLECT.register(ir.OutOfRange)
def _(p: ir.OutOfRange, c: Constraints) -> None:
    if p.minimum is not None and (c.low is None or _after(p.minimum, c.low)):
        c.low, c.low_open = p.minimum, p.exclusive_minimum
    if p.maximum is not None and (c.high is None or _after(c.high, p.maximum)):
        c.high, c.high_open = p.maximum, p.exclusive_maximum


@COLLECT.register(ir.LengthOutOfRange)
def _(p: ir.LengthOutOfRange, c: Constraints) -> None:
    if p.minimum is not None:
        c.min_len = max(c.min_len or 0, p.minimum)
    if p.maximum is not None:
        c.max_len = p.maximum if c.max_len is None else min(c.max_len, p.maximum)


@COLLECT.register(ir.NotMatching)
def _(p: ir.NotMatching, c: Constraints) -> None:
    c.patterns.append(p.pattern)


@COLLECT.register(ir.NotInSet)
def _(p: ir.NotInSet, c: Constraints) -> None:
    values = [v for v in p.values if v is not None]
    c.allowed = values if c.allowed is None else [v for v in c.allowed if v in values]


@COLLECT.register(ir.NotMultipleOf)
def _(p: ir.NotMultipleOf, c: Constraints) -> None:
    c.factors.append(p.factor)


def _after(a: Any, b: Any) -> bool:
    return _naive(a) > _naive(b)


def _naive(value: Any) -> Any:
    """Temporal bounds compared as naive UTC, the convention of the judge."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


# --- streams of candidate values, one per kind --------------------------------------------------


def candidates(spec: ColumnSpec) -> Iterator[Any]:
    c = constraints(p for _, p in spec.predicates)
    if c.allowed is not None:
        return iter(typed(c.allowed, spec.kind))
    try:
        return _STREAMS[spec.kind](c, spec)
    except KeyError:
        raise CannotGenerate(f"no generator for {spec.kind} columns") from None


def _integers(c: Constraints, spec: ColumnSpec) -> Iterator[int]:
    step = _step(c.factors, integer=True)
    low = _integer_bound(c.low, c.low_open, up=True)
    high = _integer_bound(c.high, c.high_open, up=False)
    if low is None and high is None:
        low = 1
    if low is None:  # only an upper bound: count down from it
        start = math.floor(high / step) * step
        return (start - i * step for i in itertools.count())
    start = math.ceil(low / step) * step
    return itertools.takewhile(
        lambda v: high is None or v <= high, (start + i * step for i in itertools.count())
    )


def _numbers(c: Constraints, spec: ColumnSpec) -> Iterator[float]:
    if c.factors:
        step = _step(c.factors, integer=False)
        low = Fraction(str(c.low)) if c.low is not None else None
        high = Fraction(str(c.high)) if c.high is not None else None
        if low is None and high is None:
            low = step
        if low is None:
            start = math.floor(high / step) * step
            values: Iterator[Any] = (start - i * step for i in itertools.count())
        else:
            start = math.ceil(low / step) * step
            values = itertools.takewhile(
                lambda v: high is None or v <= high, (start + i * step for i in itertools.count())
            )
        return (
            float(v)
            for v in values
            if not ((c.low_open and v == low) or (c.high_open and v == high))
        )
    if c.low is not None and c.high is not None:
        span = float(c.high) - float(c.low)
        return (round(float(c.low) + span * _van_der_corput(i), 9) for i in itertools.count(1))
    if c.low is not None:
        return (round(float(c.low) + 0.5 * i, 9) for i in itertools.count(1))
    if c.high is not None:
        return (round(float(c.high) - 0.5 * i, 9) for i in itertools.count(1))
    return (round(0.25 + 0.5 * i, 9) for i in itertools.count())


def _strings(c: Constraints, spec: ColumnSpec) -> Iterator[str]:
    if c.patterns:
        # vary how far repetitions go, so that lengths vary too
        streams = [
            examples(c.patterns[0], seed=seed, extra_repeats=extra)
            for seed, extra in enumerate((3, 1, 8, 0, 16))
        ]
        return (s for group in zip(*streams) for s in group)
    low, high = c.min_len or 1, c.max_len
    return (s for i in itertools.count() if (s := _synthetic(i, low, high)) is not None)


def _synthetic(i: int, low: int, high: int | None) -> str | None:
    core = _base36(i)
    text = "v" + core if high is None or len(core) < high else core
    text = text.ljust(low, "x")
    return text if high is None or len(text) <= high else None


def _booleans(c: Constraints, spec: ColumnSpec) -> Iterator[bool]:
    return itertools.cycle([True, False])


def _dates(c: Constraints, spec: ColumnSpec) -> Iterator[dt.date]:
    start = _temporal_start(c, ANCHOR.date(), dt.timedelta(days=1), dates=True)
    return _descending(start, dt.timedelta(days=1), c, dates=True)


def _timestamps(c: Constraints, spec: ColumnSpec) -> Iterator[dt.datetime]:
    # a day and a minute apart: distinct as timestamps and as dates (a type breaker stores them as
    # dates), unless a lower bound leaves too little room
    step = TIMESTAMP_STEP
    low = as_temporal(c.low, False)
    if low is not None and (ANCHOR - low) < 1_000 * step:
        step = dt.timedelta(minutes=1)
    start = _temporal_start(c, ANCHOR, step, dates=False)
    values = _descending(start, step, c, dates=False)
    if spec.timezone:
        return (v.replace(tzinfo=dt.UTC) for v in values)
    return values


def _times(c: Constraints, spec: ColumnSpec) -> Iterator[dt.time]:
    if c.low is not None or c.high is not None:
        raise CannotGenerate("bounds on time columns are not generated")
    return (dt.time((9 + i // 60) % 24, i % 60) for i in itertools.count())


_STREAMS = {"integer": _integers, "number": _numbers, "string": _strings, "boolean": _booleans,
            "date": _dates, "timestamp": _timestamps, "time": _times}  # fmt: skip


def _temporal_start(c: Constraints, anchor, step, *, dates: bool):
    low, high = as_temporal(c.low, dates), as_temporal(c.high, dates)
    start = anchor
    if high is not None and start > high:
        start = high
    if low is not None and start < low:
        start = low + 1000 * step  # far enough above the bound for a few hundred rows
    return start


def _descending(start, step, c: Constraints, *, dates: bool):
    low = as_temporal(c.low, dates)
    for i in itertools.count():
        value = start - i * step
        if low is not None and value < low:
            return
        yield value


def as_temporal(value: Any, dates: bool):
    if value is None:
        return None
    value = _naive(value)
    if dates:
        return value.date() if isinstance(value, dt.datetime) else value
    return value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())


def _step(factors: list[float], *, integer: bool):
    """The least common multiple of the multipleOf factors (1 for integers without one)."""
    fractions = [Fraction(str(f)) for f in factors]
    if integer:
        fractions.append(Fraction(1))
    if not fractions:
        return Fraction(1)
    step = reduce(
        lambda a, b: Fraction(
            math.lcm(a.numerator, b.numerator), math.gcd(a.denominator, b.denominator)
        ),
        fractions,
    )
    return int(step) if integer else step


def _integer_bound(value, open_: bool, *, up: bool) -> int | None:
    if value is None:
        return None
    if up:
        return math.floor(value) + 1 if open_ and float(value).is_integer() else math.ceil(value)
    return math.ceil(value) - 1 if open_ and float(value).is_integer() else math.floor(value)


def _van_der_corput(i: int) -> float:
    """Well spread, distinct points in (0, 1) for i >= 1 that never depend on how many are drawn."""
    value, denominator = 0.0, 1.0
    while i:
        denominator *= 2
        i, remainder = divmod(i, 2)
        value += remainder / denominator
    return value


def _base36(i: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        i, r = divmod(i, 36)
        text = digits[r] + text
        if not i:
            return text


def typed(values: list, kind: str) -> list:
    if kind == "integer":
        return [int(v) for v in values if isinstance(v, (int, float)) and float(v).is_integer()]
    if kind == "number":
        return [float(v) for v in values if isinstance(v, (int, float))]
    if kind == "string":
        return [str(v) for v in values]
    return list(values)


# --- taking valid values --------------------------------------------------------------------------


def take(spec: ColumnSpec, n: int) -> list:
    """The first n values of the column's stream that break none of its rules."""
    stream = candidates(spec)
    predicates = [p for _, p in spec.predicates]
    found: list = []
    seen: set = set()
    budget = max(50 * n, 5000)
    try:
        while len(found) < n and budget > 0:
            batch = list(itertools.islice(stream, BATCH))
            if not batch:
                break
            budget -= len(batch)
            for value, ok in zip(batch, keeps_all(batch, spec, predicates)):
                if ok and value not in seen:
                    seen.add(value)
                    found.append(value)
    except Unsupported as exc:
        raise CannotGenerate(str(exc)) from None
    if len(found) >= n:
        return found[:n]
    if spec.unique or not found:
        need = f"{n} distinct values" if spec.unique else "any value"
        raise CannotGenerate(
            f"found {len(found)} value(s) of {spec.kind} column {spec.name} that keep all "
            f"its rules; needed {need}"
        )
    return list(itertools.islice(itertools.cycle(found), n))
