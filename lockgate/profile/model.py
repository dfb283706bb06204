"""What a validation run remembers about a table: its profile, and which parts of it to compute.

Engines compute one `TableProfile` per table, in the same pass as the contract's other rules
(the SQL engine adds it to the fused scan, plus one grouped query when change rate or top-value
share is asked for; the frame engine uses pandas). The stateful detectors judge it against the
history store, and the store records it.

Only columns that a stateful rule names are profiled: on a 10M-row table an approximate distinct
count or a fingerprint costs a fraction of a second per column, so profiling every column of every
table would make every check pay for detectors it does not use.

Fingerprints are hashes, and every engine hashes differently (DuckDB's `hash`, PostgreSQL's
`hashtextextended`, pandas' `hash_array`): they are only ever compared with fingerprints of the
same `family`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if (
    TYPE_CHECKING
):  # numpy is imported where fingerprints are used: `lockgate check` starts without it
    import numpy as np

from lockgate.contract import rules as ir
from lockgate.contract.model import Table

#: metrics an anomaly rule may watch; table metrics take no column
TABLE_METRICS = ("rowCount", "rowsAdded")
COLUMN_METRICS = ("nullCount", "nullRate", "distinctCount", "mean", "min", "max", "topShare")
METRICS = TABLE_METRICS + COLUMN_METRICS


@dataclass
class ColumnStats:
    """One column at one run. Which fields are set depends on the column's kind."""

    non_null: int | None = None
    distinct: int | None = None  # approximate on DuckDB (HyperLogLog), exact elsewhere
    minimum: float | None = None  # numeric columns
    maximum: float | None = None
    mean: float | None = None
    max_time: dt.datetime | None = None  # date and timestamp columns
    top_share: float | None = None  # share of the most frequent non-null value, when asked for
    fingerprint: int | None = None  # bit_xor over rows of hash(key, value); see the module doc


@dataclass
class BucketFingerprints:
    """Rows bucketed by hash(key) % buckets; per bucket, XORs of row hashes (order-independent).

    `keys` fingerprints the bucket's set of keys, `rows` its rows (key and all declared columns),
    `values[c]` the pairs (key, c). Arrays are int64, one entry per bucket; empty buckets are 0.

    `segments` holds the same fingerprints per value of a changeRate rule's `by` column (label ->
    fingerprints of that segment's rows), so a freeze can be named by segment. `rate_history` is
    each changeRate rule's recent estimates (rule id -> points oldest first, a point mapping a
    segment label, "" for the whole column, to its share of updated rows): it is carried forward
    from the previous run's fingerprints to this run's, so the store keeps it without a table
    of its own (lockgate.state.change_rate).
    """

    buckets: int
    counts: np.ndarray
    keys: np.ndarray
    rows: np.ndarray
    values: dict[str, np.ndarray]
    segments: dict[str, BucketFingerprints] = field(default_factory=dict)
    rate_history: dict[str, list[dict[str, float]]] = field(default_factory=dict)

    @classmethod
    def empty(cls, buckets: int, columns: Iterable[str]) -> BucketFingerprints:
        import numpy as np

        def zeros() -> np.ndarray:
            return np.zeros(buckets, dtype=np.int64)

        return cls(buckets, zeros(), zeros(), zeros(), {c: zeros() for c in columns})

    def coarsen(self, buckets: int) -> BucketFingerprints:
        """The same fingerprints on fewer buckets: XOR is associative, so bucket b of the coarse
        grid is the XOR of the fine buckets b, b + buckets, b + 2·buckets, ... (both are powers
        of two, so hash % fine % coarse == hash % coarse)."""
        if buckets == self.buckets or not self.buckets:
            return self
        if self.buckets % buckets:
            raise ValueError(f"cannot coarsen {self.buckets} buckets to {buckets}")
        import numpy as np

        def fold(a: np.ndarray, op) -> np.ndarray:
            return op.reduce(a.reshape(-1, buckets), axis=0)

        return BucketFingerprints(
            buckets,
            fold(self.counts, np.add),
            fold(self.keys, np.bitwise_xor),
            fold(self.rows, np.bitwise_xor),
            {c: fold(v, np.bitwise_xor) for c, v in self.values.items()},
            {label: seg.coarsen(buckets) for label, seg in self.segments.items()},
            self.rate_history,
        )

    def to_bytes(self) -> tuple[list, bytes]:
        """(value columns in order, packed int64 little-endian rows: counts, keys, rows, values...).
        With segments or a rate history, the list ends with a mapping {"segments": [labels],
        "rates": {...}} and each segment's block follows the table's, in the labels' order."""
        import numpy as np

        columns: list = list(self.values)
        labels = list(self.segments)
        blocks = [
            self._stacked(columns),
            *(self.segments[label]._stacked(columns) for label in labels),
        ]
        if labels or self.rate_history:
            columns.append({"segments": labels, "rates": self.rate_history})
        return columns, np.concatenate(blocks).astype("<i8").tobytes()

    def _stacked(self, columns: list[str]) -> np.ndarray:
        import numpy as np

        return np.stack([self.counts, self.keys, self.rows, *(self.values[c] for c in columns)])

    @classmethod
    def from_bytes(cls, buckets: int, columns: list, data: bytes) -> BucketFingerprints:
        import numpy as np

        names = [c for c in columns if isinstance(c, str)]
        extra = next((c for c in columns if isinstance(c, dict)), {})
        labels = list(extra.get("segments", []))
        width = 3 + len(names)
        flat = np.frombuffer(data, dtype="<i8")
        stacked = flat.reshape((1 + len(labels)) * width, buckets).astype(np.int64)

        def block(i: int) -> BucketFingerprints:
            part = stacked[i * width : (i + 1) * width]
            values = {c: part[3 + j] for j, c in enumerate(names)}
            return cls(buckets, part[0], part[1], part[2], values)

        whole = block(0)
        whole.segments = {label: block(1 + i) for i, label in enumerate(labels)}
        whole.rate_history = {str(k): list(v) for k, v in dict(extra.get("rates", {})).items()}
        return whole


MAX_SEGMENTS = 50  # values of a `by` column kept per run; beyond that, no per-segment rates
NULL_SEGMENT = "(null)"


def segment_label(value: Any) -> str:
    """How a `by` value names its segment in fingerprints, history and reports."""
    return NULL_SEGMENT if value is None else str(value)


@dataclass
class TableProfile:
    family: str  # whose hash functions made the fingerprints: duckdb, postgres, pandas
    row_count: int | None
    columns: dict[str, ColumnStats] = field(default_factory=dict)
    buckets: BucketFingerprints | None = None
    summaries: dict[str, Any] = field(default_factory=dict)  # drift rule id -> current summary
    # the data state: row count, the XOR over rows of a hash of every declared column, and the
    # column names and types. Two checks with the same state saw the same data (a retry, a manual
    # look), so the second repeats the first one's verdict and adds no point to any baseline.
    state: str | None = None


@dataclass(frozen=True)
class BucketRequest:
    key: tuple[str, ...]
    row_columns: tuple[str, ...]
    columns: tuple[str, ...]  # the change-rate columns
    buckets: int  # the finest grid any rule asks for; coarser rules fold it
    by: str | None = None  # the column whose values split the fingerprints into segments


@dataclass(frozen=True)
class ProfileRequest:
    key: tuple[str, ...]  # the table's key (for column fingerprints); () when it has none
    columns: tuple[str, ...]  # columns that get the standard statistics
    top_share: tuple[str, ...]  # columns whose top-value share is needed (a GROUP BY)
    buckets: BucketRequest | None
    drifts: tuple[ir.Rule, ...]
    state_columns: tuple[str, ...] = ()  # declared columns present: what the data state hashes

    @property
    def needs_grouped_query(self) -> bool:
        return bool(self.buckets or self.top_share)


def profile_request(
    table: Table, rules: Iterable[ir.Rule], present: Collection[str]
) -> ProfileRequest:
    """What to compute for the table's stateful `rules`, given the columns present in the data.

    Rules that name a missing column are expected to have been answered with an error already.
    """
    columns: dict[str, None] = {}
    top: dict[str, None] = {}
    changes: list[ir.ChangeRate] = []
    drifts: list[ir.Rule] = []
    for rule in rules:
        m = rule.measure
        column = getattr(m, "column", None)
        if column is not None:
            columns[column] = None
        if isinstance(m, ir.ConstantColumn) and m.max_top_share is not None:
            top[m.column] = None
        elif isinstance(m, ir.Anomaly) and m.metric == "topShare" and m.column:
            top[m.column] = None
        elif isinstance(m, ir.ChangeRate):
            changes.append(m)
        elif isinstance(m, ir.Drift):
            drifts.append(rule)
    key = (
        table.key_columns
        if table.key_columns and all(k in present for k in table.key_columns)
        else ()
    )
    buckets = None
    if changes:
        first = changes[0]
        if any(m.key != first.key for m in changes):
            # one grouped query buckets the table by one key
            raise ValueError(
                f"the changeRate rules of table {table.name} name different keys; give "
                "them the same key"
            )
        row_columns = tuple(
            c
            for c in dict.fromkeys(c for m in changes for c in m.row_columns)
            if c in present and c not in first.key
        )
        by = {m.by for m in changes if m.by is not None}
        if len(by) > 1:
            names = ", ".join(sorted(by))
            raise ValueError(
                f"the changeRate rules of table {table.name} split by different columns "
                f"({names}); give them the same `by`"
            )
        buckets = BucketRequest(
            key=first.key,
            row_columns=row_columns,
            columns=tuple(dict.fromkeys(m.column for m in changes)),
            buckets=max(m.buckets for m in changes),
            by=next(iter(by), None),
        )
    state_columns = tuple(c.physical_name for c in table.columns if c.physical_name in present)
    return ProfileRequest(key, tuple(columns), tuple(top), buckets, tuple(drifts), state_columns)


def state_from_buckets(request: ProfileRequest) -> bool:
    """Whether the change-rate buckets already hash every row over the state's columns (key and
    row columns), so that the data state folds their row fingerprints instead of hashing again."""
    spec = request.buckets
    return spec is not None and set(spec.key) | set(spec.row_columns) == set(request.state_columns)


def data_state(
    family: str, row_count: int | None, rows_xor: int | None, schema: Iterable[tuple[str, str]]
) -> str | None:
    """The data-state fingerprint as text: `family:rows:xor:schema`. Exact for what a contract
    reads (the same rows in any order give the same state); two identical rows cancel in the
    XOR, but then the row count still differs unless they were replaced by another identical
    pair."""
    if row_count is None or rows_xor is None:
        return None
    import hashlib

    shape = hashlib.sha256("\x1f".join(f"{n}\x1e{t}" for n, t in schema).encode()).hexdigest()[:16]
    return f"{family}:{row_count}:{rows_xor & 0xFFFFFFFFFFFFFFFF:016x}:{shape}"


def metric_value(metric: str, row_count: int | None, stats: ColumnStats | None) -> float | None:
    """One anomaly metric from a profile (rowsAdded needs two profiles: see the detectors)."""
    if metric == "rowCount":
        return None if row_count is None else float(row_count)
    if stats is None:
        return None
    if metric == "nullCount":
        return (
            None
            if row_count is None or stats.non_null is None
            else float(row_count - stats.non_null)
        )
    if metric == "nullRate":
        if not row_count or stats.non_null is None:
            return None  # an empty table has no null rate
        return (row_count - stats.non_null) / row_count
    value = {
        "distinctCount": stats.distinct,
        "mean": stats.mean,
        "min": stats.minimum,
        "max": stats.maximum,
        "topShare": stats.top_share,
    }.get(metric)
    return None if value is None else float(value)
