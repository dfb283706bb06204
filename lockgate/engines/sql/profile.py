"""The table profile as ibis expressions: metrics for the fused scan, plus one grouped query.

Everything that is one number per table (non-null and approximate distinct counts, min/max/mean,
max timestamp, column fingerprints, the current histogram of a drift rule on the reference's bin
edges) is an aggregate added to the table's fused scan: no extra pass. Two things need a GROUP BY:
the top-value share (a count per value) and the per-bucket fingerprints of change-rate rules (an
XOR per bucket). They are one extra query per table, a UNION ALL of those group-bys, and only
when a rule asks for them.

Hashes: DuckDB hashes any type natively (`hash`, about 0.05 s per 1M values), Spark too
(`xxhash64`); other servers hash the value's text (`hashtextextended` on PostgreSQL), which is
slower but needs no per-type code. That choice (`native_hash` of the server type, and the
fingerprint family it names; lockgate.connectors.servers) is the only place this module
distinguishes servers; the expressions themselves are compiled by ibis for each backend.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.datatypes as dtypes
import numpy as np
from ibis import _

from lockgate.connectors.servers import for_dialect
from lockgate.contract import rules as ir
from lockgate.engines.column_kinds import ibis_category, ibis_profile
from lockgate.engines.sql.expressions import present
from lockgate.profile.categories import category_value
from lockgate.profile.drift import OTHER, CategoricalSummary, NumericSummary
from lockgate.profile.model import (
    MAX_SEGMENTS,
    BucketFingerprints,
    ColumnStats,
    ProfileRequest,
    TableProfile,
    data_state,
    segment_label,
    state_from_buckets,
)

NULL_HASH = 0x2545F4914F6CDD1D  # stands for NULL where a server's hash of NULL is NULL
_PREFIX = "__lg_"


@dataclass
class ProfilePlan:
    request: ProfileRequest
    family: str
    scan: dict[str, Any] = field(
        default_factory=dict
    )  # metric name -> ibis scalar for the fused scan
    names: dict[tuple[str, str], str] = field(
        default_factory=dict
    )  # (subject, statistic) -> metric name
    kinds: dict[str, str] = field(default_factory=dict)  # column -> numeric | temporal | other
    grouped: Any = None  # the extra ibis query (a table), or None
    top_parts: dict[str, str] = field(default_factory=dict)  # grouped part label -> column
    schema: tuple[tuple[str, str], ...] = ()  # the table's columns and types, part of its state

    def metric_names(self, rule: ir.Rule) -> list[str]:
        """Scan metrics a rule's verdict depends on (a rule errors when one of them failed)."""
        subject = getattr(rule.measure, "column", None)
        # the data state is not a rule's metric: without it a check is judged, just not matched
        return [
            name
            for (s, stat), name in self.names.items()
            if s in (subject, rule.id, "") and stat != "state"
        ]

    def uses_grouped(self, rule: ir.Rule) -> bool:
        """Does the rule's verdict depend on the grouped query?"""
        m = rule.measure
        column = getattr(m, "column", None)
        return isinstance(m, ir.ChangeRate) or (
            column in self.request.top_share and isinstance(m, (ir.ConstantColumn, ir.Anomaly))
        )

    def read(
        self, values: dict[str, Any], grouped_rows: list[tuple[Any, ...]] | None
    ) -> TableProfile:
        rows = values.get(self.names[("", "rows")])
        profile = TableProfile(self.family, None if rows is None else int(rows))
        for column in self.request.columns:
            profile.columns[column] = self._column_stats(column, values)
        for rule in self.request.drifts:
            profile.summaries[rule.id] = self._drift_summary(rule, values, profile.row_count)
        if grouped_rows is not None:
            self._read_grouped(profile, grouped_rows)
            for column in _fingerprinted_by_buckets(self.request):
                assert profile.buckets is not None  # read from the grouped rows just above
                # the same XOR of the same row terms, only split by bucket: fold it back
                profile.columns[column].fingerprint = int(
                    np.bitwise_xor.reduce(profile.buckets.values[column])
                )
        profile.state = data_state(
            self.family, profile.row_count, self._rows_xor(values, profile), self.schema
        )
        return profile

    def _rows_xor(self, values: dict[str, Any], profile: TableProfile) -> int | None:
        if state_from_buckets(self.request):
            return (
                int(np.bitwise_xor.reduce(profile.buckets.rows))
                if profile.buckets is not None
                else None
            )
        if profile.row_count == 0:
            return 0  # an XOR over no rows is NULL in SQL
        return _int(self._value(values, "", "state"))

    def _value(self, values: dict[str, Any], subject: str, stat: str) -> Any:
        name = self.names.get((subject, stat))
        return None if name is None else values.get(name)

    def _column_stats(self, column: str, values: dict[str, Any]) -> ColumnStats:
        def get(stat: str) -> Any:
            return self._value(values, column, stat)

        stats = ColumnStats(
            non_null=_int(get("non_null")),
            distinct=_int(get("distinct")),
            fingerprint=_int(get("fingerprint")),
        )
        if self.kinds[column] == "numeric":
            stats.minimum, stats.maximum, stats.mean = (
                _float(get("min")),
                _float(get("max")),
                _float(get("mean")),
            )
        elif self.kinds[column] == "temporal":
            stats.max_time = _datetime(get("max_time"))
        return stats

    def _drift_summary(
        self, rule: ir.Rule, values: dict[str, Any], row_count: int | None
    ) -> NumericSummary | CategoricalSummary | None:
        m = ir.measure_as(rule, ir.Drift)

        def get(stat: str) -> Any:
            return self._value(values, rule.id, stat)

        count = row_count or 0
        present = _int(get("present")) or 0
        if isinstance(m.reference, NumericSummary):
            if not m.reference.edges:
                return None  # an all-null reference has no bins to count on
            counts = [_int(get(f"bin{i}")) or 0 for i in range(len(m.reference.counts))]
            return NumericSummary(
                m.reference.edges,
                tuple(counts),  # (__post_init__ makes tuples of any sequence)
                _float(get("mean")),
                _std(get("std"), present),
                count,
                count - present,
            )
        frequencies = {key: _int(get(f"cat{i}")) or 0 for i, key in enumerate(_listed(m.reference))}
        rest = present - sum(frequencies.values())
        if rest > 0:
            frequencies[OTHER] = rest
        return CategoricalSummary(frequencies, count=count, null_count=count - present)

    def _read_grouped(self, profile: TableProfile, rows: list[tuple[Any, ...]]) -> None:
        request = self.request.buckets
        buckets = None
        if request is not None:
            buckets = profile.buckets = BucketFingerprints.empty(request.buckets, request.columns)
        for part, bucket, n, *fps, segment in rows:
            if part == "buckets":
                # bucket rows come only from a bucket request
                assert request is not None and buckets is not None
                targets = [buckets]
                if request.by is not None:  # one row per (bucket, segment): fold into both
                    label = segment_label(segment)
                    if label not in buckets.segments:
                        empty = BucketFingerprints.empty(request.buckets, request.columns)
                        buckets.segments[label] = empty
                    targets.append(buckets.segments[label])
                for target in targets:
                    _accumulate(target, int(bucket), int(n), [int(f) for f in fps], request.columns)
            elif part in self.top_parts:
                stats = profile.columns[self.top_parts[part]]
                stats.top_share = (
                    (int(n) / stats.non_null) if n is not None and stats.non_null else None
                )
        if profile.buckets is not None and len(profile.buckets.segments) > MAX_SEGMENTS:
            profile.buckets.segments = {}  # too many to keep: the rule says per-segment is off


def _accumulate(
    target: BucketFingerprints, b: int, n: int, fps: list[int], columns: tuple[str, ...]
) -> None:
    target.counts[b] += n
    target.keys[b] ^= fps[0]
    target.rows[b] ^= fps[1]
    for i, column in enumerate(columns):
        target.values[column][b] ^= fps[2 + i]


def plan_profile(dialect: str, t: ibis.Table, request: ProfileRequest) -> ProfilePlan:
    server = for_dialect(dialect)
    schema = tuple((n, str(ty)) for n, ty in t.schema().items())
    plan = ProfilePlan(request, family=server.family, schema=schema)
    hashing = _Hashing(server.native_hash)

    def add(subject: str, stat: str, expr: Any) -> None:
        _add(plan, subject, stat, expr)

    add("", "rows", t.count())
    if request.state_columns and not state_from_buckets(request):
        # the data state: one more XOR in the same scan (the buckets hold it when changeRate runs)
        add(
            "",
            "state",
            hashing.chain([hashing.value(t[c]) for c in request.state_columns]).bit_xor(),
        )
    key_hash = hashing.key(t, request.key) if request.key else None
    for column in request.columns:
        col = t[column]
        kind = ibis_profile(col.type())
        plan.kinds[column] = kind
        add(column, "non_null", t.count(where=present(col)))  # NaN counts as NULL, as in the rules
        add(column, "distinct", col.approx_nunique())
        if column not in _fingerprinted_by_buckets(request):
            value_hash = hashing.value(col)
            term = hashing.chain([key_hash, value_hash]) if key_hash is not None else value_hash
            add(column, "fingerprint", term.bit_xor())
        if kind == "numeric":
            number, finite = finite_number(col)
            add(column, "min", number.min(where=finite))
            add(column, "max", number.max(where=finite))
            add(column, "mean", number.mean(where=finite))
        elif kind == "temporal":
            add(column, "max_time", col.max())
    for rule in request.drifts:
        _plan_drift(plan, t, rule)
    plan.grouped = _grouped_query(plan, t, hashing)
    return plan


def _fingerprinted_by_buckets(request: ProfileRequest) -> tuple[str, ...]:
    """Columns whose fingerprint the change-rate buckets already hold (the same key), so the
    scan does not hash them a second time (hashing is most of a profile's cost)."""
    spec = request.buckets
    if spec is None or spec.key != request.key:
        return ()
    return tuple(c for c in spec.columns if c in request.columns)


def _add(plan: ProfilePlan, subject: str, stat: str, expr: ibis.Value) -> None:
    name = f"{_PREFIX}p{len(plan.names)}"
    plan.names[(subject, stat)] = name
    plan.scan[name] = expr


def finite_number(col: ibis.Column) -> tuple[ibis.Column, ibis.Value]:
    """The column as float64, and the condition that keeps the finite values (NaN and ±inf are
    values in SQL but not numbers a mean or a histogram can use)."""
    number = col.cast("float64")
    finite = col.notnull()
    if col.type().is_floating():
        finite = finite & ~col.isnan() & ~col.isinf()
    return number, finite


def histogram_counts(
    t: ibis.Table, number: ibis.Column, finite: ibis.Value, edges: Sequence[float]
) -> list[ibis.Value]:
    """One count per bin of `edges`, as aggregates for a fused scan. Bin i holds
    inner[i-1] <= x < inner[i] (numpy's searchsorted(side="right"), as `numeric_summary` bins);
    the outer bins take everything below or above."""
    inner = list(edges[1:-1])
    bins = len(edges) - 1
    counts = []
    for i in range(bins):
        cond = finite
        if i > 0:
            cond = cond & (number >= inner[i - 1])
        if i < bins - 1:
            cond = cond & (number < inner[i])
        counts.append(t.count(where=cond))
    return counts


def _plan_drift(plan: ProfilePlan, t: ibis.Table, rule: ir.Rule) -> None:
    m = ir.measure_as(rule, ir.Drift)
    col = t[m.column]
    if isinstance(m.reference, NumericSummary):
        number, finite = finite_number(col)
        _add(plan, rule.id, "present", t.count(where=finite))
        _add(plan, rule.id, "mean", number.mean(where=finite))
        _add(plan, rule.id, "std", number.std(where=finite))
        for i, count in enumerate(histogram_counts(t, number, finite, m.reference.edges)):
            _add(plan, rule.id, f"bin{i}", count)
        return
    kind = ibis_category(col.type())
    _add(plan, rule.id, "present", col.count())
    text = col if kind in ("string", "boolean", "integer", "number") else col.cast("string")
    for i, key in enumerate(_listed(m.reference)):
        value = category_value(key, kind)
        match = (text == ibis.literal(value)) if value is not None else ibis.literal(False)
        _add(plan, rule.id, f"cat{i}", t.count(where=col.notnull() & match))


def _listed(reference: CategoricalSummary) -> list[str]:
    return [k for k in reference.frequencies if k != OTHER]


def _grouped_query(plan: ProfilePlan, t: ibis.Table, hashing: _Hashing) -> ibis.Table | None:
    """One query for what needs a GROUP BY: rows (part, bucket, n, f0, f1, ...)."""
    request = plan.request
    width = 2 + (len(request.buckets.columns) if request.buckets else 0)
    branches = []
    if request.buckets:
        branches.append(_bucket_branch(t, request, hashing))
    for i, column in enumerate(request.top_share):
        part = f"top{i}"
        plan.top_parts[part] = column
        counts = t.filter(t[column].notnull()).group_by(column).aggregate(n=_.count())
        top = counts.aggregate(n=counts.n.max())
        fps = {f"f{j}": ibis.null("int64") for j in range(width)}
        branches.append(top.select(
            part=ibis.literal(part), bucket=ibis.null("int64"), n=top.n.cast("int64"), **fps,
            segment=ibis.null("string"),
        ))  # fmt: skip
    if not branches:
        return None
    query = branches[0]
    for branch in branches[1:]:
        query = query.union(branch)
    return query


def _bucket_branch(t: ibis.Table, request: ProfileRequest, hashing: _Hashing) -> ibis.Table:
    spec = request.buckets
    assert spec is not None  # only planned for a bucket request
    key = f"{_PREFIX}key"
    keyed = t.mutate(**{key: hashing.key(t, spec.key)})
    k = keyed[key]
    terms = {
        f"{_PREFIX}row": hashing.chain([k, *(hashing.value(keyed[c]) for c in spec.row_columns)]),
        **{
            f"{_PREFIX}v{i}": hashing.chain([k, hashing.value(keyed[c])])
            for i, c in enumerate(spec.columns)
        },
    }
    size = spec.buckets
    # with `by`, one row per (bucket, segment); the reader folds them into the table's buckets too
    segment = keyed[spec.by].cast("string") if spec.by else ibis.null("string")
    placed = {f"{_PREFIX}b": ((k % size) + size) % size, key: k, f"{_PREFIX}s": segment}
    hashed = keyed.select(**placed, **terms)
    grouped = hashed.group_by([f"{_PREFIX}b", f"{_PREFIX}s"]).aggregate(
        n=_.count(),
        f0=hashed[key].bit_xor(),
        f1=hashed[f"{_PREFIX}row"].bit_xor(),
        **{f"f{2 + i}": hashed[f"{_PREFIX}v{i}"].bit_xor() for i in range(len(spec.columns))},
    )
    fps = {f"f{j}": grouped[f"f{j}"].cast("int64") for j in range(2 + len(spec.columns))}
    return grouped.select(
        part=ibis.literal("buckets"), bucket=grouped[f"{_PREFIX}b"].cast("int64"),
        n=grouped.n.cast("int64"), **fps, segment=grouped[f"{_PREFIX}s"].cast("string"),
    )  # fmt: skip


class _Hashing:
    """64-bit hashes of values, keys and (key, value) pairs, as ibis expressions.

    `chain` mixes hashes asymmetrically (hash(acc) XOR next, hashed once more at the end), so that
    the XOR of many rows' chained hashes does not split into independent per-column XORs: swapping
    two rows' values changes the fingerprint, and so does swapping a composite key's parts.
    """

    def __init__(self, native: str | None) -> None:
        self.native = native

    def value(self, expr: ibis.Value) -> ibis.Value:
        if self.native == "hash":
            return expr.hash()  # DuckDB hashes NULL to a constant already
        if self.native == "xxhash64":
            return _xxhash64(expr)  # so does Spark (to its seed)
        return expr.cast("string").hash().fill_null(NULL_HASH)

    def chain(self, hashes: list[ibis.Value]) -> ibis.Value:
        acc = hashes[0]
        for h in hashes[1:]:
            acc = self.value(acc) ^ h
        return self.value(acc) if len(hashes) > 1 else acc

    def key(self, t: ibis.Table, key: tuple[str, ...]) -> ibis.Value:
        return self.chain([self.value(t[c]) for c in key])


# ibis's UDF decorator is untyped, and it reads the parameter's annotation as the UDF's input type
# (none: any type), so the parameter stays unannotated
@ibis.udf.scalar.builtin(name="xxhash64")  # type: ignore[untyped-decorator]
def _xxhash64(value) -> dtypes.int64:  # type: ignore[no-untyped-def]
    """Spark's xxhash64, compiled by name (ibis's `hash` is Spark's 32-bit one)."""


def _int(x: Any) -> int | None:
    return None if x is None else int(x)


def _float(x: Any) -> float | None:
    if x is None:
        return None
    value = float(x)
    return value if math.isfinite(value) else None


def _std(x: Any, present: int) -> float | None:
    value = _float(x)
    return None if present < 2 else (max(value, 0.0) if value is not None else None)


def _datetime(x: Any) -> dt.datetime | None:
    if x is None:
        return None
    if isinstance(x, dt.datetime):
        return x
    if isinstance(x, dt.date):
        return dt.datetime.combine(x, dt.time())
    return None
