"""Values that break one predicate of a column while keeping its other rules: one small candidate
generator per predicate kind, filtered by the frame engine's own predicate code."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from typing import Any

from lockgate.contract import rules as ir
from lockgate.contract.dispatch import KindTable
from lockgate.selftest.regex import examples
from lockgate.selftest.values import ColumnSpec, as_temporal, breaks, constraints, keeps_all, typed


def breaking_values(
    spec: ColumnSpec, rule_id: str, predicate: ir.Predicate, valid: list, k: int
) -> tuple[list, bool]:
    """k values that make `predicate` true; the flag says whether they keep every other rule of the
    column (False: other rules will fail too)."""
    pool = list(dict.fromkeys(_breakers(predicate, spec, valid)))
    pool = [v for v, b in zip(pool, breaks(pool, spec, predicate)) if b]
    if not pool:
        return [], False
    clean = [v for v, ok in zip(pool, keeps_all(pool, spec, spec.others(rule_id))) if ok]
    chosen = clean or pool
    if spec.unique and len(chosen) < k and None not in chosen:
        return (chosen * k)[:k], False
    return (chosen * k)[:k], bool(clean)


def _breakers(p: ir.Predicate, spec: ColumnSpec, valid: list) -> Iterator[Any]:
    """Candidate values that may break `p` (none for a kind listed as unsupported)."""
    handler, reason = BREAKERS.entry(type(p))
    if handler is None and reason is not None:
        return iter(())
    return BREAKERS.handler(type(p))(p, spec, valid)


BREAKERS: KindTable[Callable[..., Iterator[Any]]] = KindTable(
    "selftest: values breaking a row predicate",
    ir.Predicate,
    unsupported={ir.LagAbove: "a lag spans two columns; selftest breaks one column at a time"},
)


@BREAKERS.register(ir.IsNull)
def _(p: ir.IsNull, spec: ColumnSpec, valid: list) -> Iterator[Any]:
    yield None


@BREAKERS.register(ir.IsMissing)
def _(p: ir.IsMissing, spec: ColumnSpec, valid: list) -> Iterator[Any]:
    yield from typed(list(p.values), spec.kind)
    yield None


@BREAKERS.register(ir.NotInSet)
def _(p: ir.NotInSet, spec: ColumnSpec, valid: list) -> Iterator[Any]:
    if spec.kind == "string":
        for pattern in constraints(pred for _, pred in spec.predicates).patterns:
            yield from itertools.islice(examples(pattern, seed=7), 200)
        for v in p.values:
            yield from (f"{v}_x", str(v).upper(), str(v).lower(), str(v)[:-1] or "z")
        yield from ("zz", "ZZ", "invalid", "0")
        yield from valid
    elif spec.kind in ("integer", "number"):
        numbers = [v for v in p.values if isinstance(v, (int, float))] or [0]
        yield from typed([max(numbers) + 1, min(numbers) - 1, max(numbers) + 2], spec.kind)
    elif spec.kind == "boolean":
        yield from (True, False)


@BREAKERS.register(ir.NotMatching)
def _(p: ir.NotMatching, spec: ColumnSpec, valid: list) -> Iterator[Any]:
    for v in valid[:20]:
        text = str(v)
        yield from (
            text + "!",
            "!" + text,
            text.lower(),
            text.upper(),
            text[:-1],
            text[1:],
            text * 2,
            text + " ",
        )
    yield from ("", " ", "!", "0", "a", "Z", "zzzzzzzzzz", "__invalid__", "a@b", "00000000")


@BREAKERS.register(ir.OutOfRange)
def _(p: ir.OutOfRange, spec: ColumnSpec, valid: list) -> Iterator[Any]:
    if spec.kind in ("integer", "number"):
        deltas: list[float] = (
            [1, 2, 10, 100] if spec.kind == "integer" else [1, 0.5, 0.01, 10, 100, 2]
        )
        deltas += [f for f in constraints(pred for _, pred in spec.predicates).factors]
        if p.minimum is not None:
            yield from typed([p.minimum] if p.exclusive_minimum else [], spec.kind)
            yield from typed([p.minimum - d for d in deltas], spec.kind)
        if p.maximum is not None:
            yield from typed([p.maximum] if p.exclusive_maximum else [], spec.kind)
            yield from typed([p.maximum + d for d in deltas], spec.kind)
    elif spec.kind in ("date", "timestamp"):
        dates = spec.kind == "date"
        steps = (
            [dt.timedelta(days=1), dt.timedelta(days=30)]
            if dates
            else [dt.timedelta(hours=1), dt.timedelta(minutes=1), dt.timedelta(days=1)]
        )
        for bound, sign, exclusive in (
            (p.minimum, -1, p.exclusive_minimum),
            (p.maximum, 1, p.exclusive_maximum),
        ):
            if bound is None:
                continue
            base = as_temporal(bound, dates)
            if exclusive:
                yield _with_tz(base, spec)
            for step in steps:
                yield _with_tz(base + sign * step, spec)


def _with_tz(value, spec: ColumnSpec):
    if spec.kind == "timestamp" and spec.timezone:
        return value.replace(tzinfo=dt.UTC)
    return value


@BREAKERS.register(ir.LengthOutOfRange)
def _(p: ir.LengthOutOfRange, spec: ColumnSpec, valid: list) -> Iterator[Any]:
    texts = [str(v) for v in valid[:20]]
    if p.minimum is not None and p.minimum > 0:
        short = p.minimum - 1
        yield from (t[:short] for t in texts)
        yield "a" * short
    if p.maximum is not None:
        long = p.maximum + 1
        yield from (t + t[-1] * max(0, long - len(t)) for t in texts if t)
        yield from (t + t * long for t in texts if t)
        yield "a" * long
    for pattern in constraints(pred for _, pred in spec.predicates).patterns:
        yield from itertools.islice(
            examples(pattern, seed=11, extra_repeats=max(8, (p.maximum or 0) + 2)), 300
        )


@BREAKERS.register(ir.NotMultipleOf)
def _(p: ir.NotMultipleOf, spec: ColumnSpec, valid: list) -> Iterator[Any]:
    for v in valid[:20]:
        if spec.kind == "integer":
            yield from (int(v) + 1, int(v) - 1)
        elif isinstance(v, (int, float)):
            yield from (float(v) + p.factor / 2, float(v) + p.factor / 3, float(v) - p.factor / 2)


@BREAKERS.register(ir.AnyOf)
def _(p: ir.AnyOf, spec: ColumnSpec, valid: list) -> Iterator[Any]:
    for sub in p.predicates:
        yield from _breakers(sub, spec, valid)
