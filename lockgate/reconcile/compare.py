"""Compare the two sides' bucket summaries, drill into the differing buckets, classify each key.

The outcome is counts and key hashes only; `verdict` fetches sample values for a few of them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from lockgate.reconcile.side import BucketSummary, KeyRow, Side


@dataclass
class Differences:
    """What the drill-down found. Key lists hold key hashes."""

    columns: tuple[str, ...]
    missing: list[int] = field(default_factory=list)  # in the source, not in the warehouse
    extra: list[int] = field(default_factory=list)  # in the warehouse, not in the source
    duplicated: dict[str, list[int]] = field(
        default_factory=lambda: {"source": [], "warehouse": []}
    )
    differing: dict[str, list[int]] = field(default_factory=dict)  # column -> keys
    late: list[int] = field(default_factory=list)  # changed at the source after the cutoff
    null_keys: dict[str, int] = field(default_factory=lambda: {"source": 0, "warehouse": 0})
    buckets_drilled: int = 0
    # buckets that differ but were not drilled (over the drill budget): each hides >= 1 key
    unseen_keys: int = 0  # of them, those whose keys differ
    unseen_columns: dict[str, int] = field(default_factory=dict)  # column -> those it differs in
    buckets_skipped: int = 0
    rows: dict[str, dict[int, list[KeyRow]]] = field(default_factory=dict)  # role -> drilled rows

    @property
    def key_problems(self) -> int:
        return (
            len(self.missing)
            + len(self.extra)
            + sum(len(v) for v in self.duplicated.values())
            + sum(self.null_keys.values())
        )


def watermark(summary: dict[int, BucketSummary]) -> Any:
    """The latest `since` value of a side (its last load, for the warehouse)."""
    values = [b.latest_since for b in summary.values() if b.latest_since is not None]
    return max(values) if values else None


def as_utc(value: Any) -> dt.datetime | None:
    """A timestamp as an aware UTC datetime (naive ones are read as UTC); None otherwise."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    return None


def differing_buckets(
    src: dict[int, BucketSummary], wh: dict[int, BucketSummary], width: int
) -> tuple[list[int], set[int]]:
    """Buckets to drill (fingerprints differ, or a side repeats a key), and the positions of the
    columns whose fingerprints differ in any of them."""
    empty = BucketSummary(0, 0, 0, (0,) * width)
    chosen, columns = [], set()
    for bucket in sorted(set(src) | set(wh)):
        if bucket < 0:
            continue  # NULL keys: counted, never matched
        s, w = src.get(bucket, empty), wh.get(bucket, empty)
        if s.duplicates or w.duplicates or (s.rows, s.key_sum) != (w.rows, w.key_sum):
            chosen.append(bucket)
        for i in range(width):
            if s.column_sums[i] != w.column_sums[i]:
                columns.add(i)
                if bucket not in chosen:
                    chosen.append(bucket)
    return chosen, columns


def within_budget(
    chosen: list[int], src: dict[int, BucketSummary], wh: dict[int, BucketSummary], budget: int
) -> tuple[list[int], list[int]]:
    """(buckets to drill, buckets left out): drill until `budget` rows per side, at least one."""
    drilled: list[int] = []
    skipped: list[int] = []
    total = 0
    for bucket in chosen:
        rows = max(src[bucket].rows if bucket in src else 0, wh[bucket].rows if bucket in wh else 0)
        if drilled and total + rows > budget:
            skipped.append(bucket)
        else:
            drilled.append(bucket)
            total += rows
    return drilled, skipped


def unseen(
    out: Differences,
    skipped: list[int],
    src: dict[int, BucketSummary],
    wh: dict[int, BucketSummary],
) -> None:
    """Lower bounds from the summaries of the buckets left out: one key per differing figure."""
    empty = BucketSummary(0, 0, 0, (0,) * len(out.columns))
    out.buckets_skipped = len(skipped)
    out.unseen_columns = {c: 0 for c in out.columns}
    for bucket in skipped:
        s, w = src.get(bucket, empty), wh.get(bucket, empty)
        if s.duplicates or w.duplicates or (s.rows, s.key_sum) != (w.rows, w.key_sum):
            out.unseen_keys += 1
        for i, column in enumerate(out.columns):
            if s.column_sums[i] != w.column_sums[i]:
                out.unseen_columns[column] += 1


def classify(
    columns: tuple[str, ...],
    wanted: tuple[int, ...],
    src_rows: dict[int, list[KeyRow]],
    wh_rows: dict[int, list[KeyRow]],
    cutoff: dt.datetime | None,
) -> Differences:
    """Each drilled key: missing, extra, duplicated, late, or equal but for some columns."""
    out = Differences(columns, differing={c: [] for c in columns})
    out.rows = {"source": src_rows, "warehouse": wh_rows}
    for kh in sorted(set(src_rows) | set(wh_rows)):
        s, w = src_rows.get(kh, []), wh_rows.get(kh, [])
        if len(s) > 1 or len(w) > 1:
            for role, rows in (("source", s), ("warehouse", w)):
                if len(rows) > 1:
                    out.duplicated[role].append(kh)
            continue
        late = cutoff is not None and any(_after(r.since, cutoff) for r in s)
        if not w:
            (out.late if late else out.missing).append(kh)
            continue
        if not s:
            out.extra.append(kh)
            continue
        changed = [columns[pos] for j, pos in enumerate(wanted) if s[0].cells[j] != w[0].cells[j]]
        if changed and late:
            out.late.append(kh)
            continue
        for column in changed:
            out.differing[column].append(kh)
    return out


def _after(value: Any, cutoff: dt.datetime) -> bool:
    moment = as_utc(value)
    return moment is not None and moment > cutoff


def reconcile_sides(
    source: Side,
    warehouse: Side,
    key: tuple[str, ...],
    columns: tuple[str, ...],
    since: str | None,
    buckets: int,
    cutoff_for,
    drill_rows: int = 100_000,
) -> tuple[Differences, dt.datetime | None]:
    """Summaries of both sides, then the drill-down. `cutoff_for(warehouse_watermark)` gives the
    time after which source changes are late (None: nothing is late)."""
    wh_since = since if since and since in warehouse.types else None
    src_since = since if since and since in source.types else None
    src = source.summary(key, columns, src_since, buckets)
    wh = warehouse.summary(key, columns, wh_since, buckets)
    cutoff = cutoff_for(as_utc(watermark(wh)))
    chosen, positions = differing_buckets(src, wh, len(columns))
    chosen, skipped = within_budget(chosen, src, wh, drill_rows)
    wanted = tuple(sorted(positions))
    src_rows = source.drill(key, columns, wanted, src_since, buckets, chosen)
    wh_rows = warehouse.drill(key, columns, wanted, wh_since, buckets, chosen)
    out = classify(columns, wanted, src_rows, wh_rows, cutoff)
    out.buckets_drilled = len(chosen)
    unseen(out, skipped, src, wh)
    out.null_keys = {
        "source": src.get(-1, BucketSummary(0, 0, 0, ())).rows,
        "warehouse": wh.get(-1, BucketSummary(0, 0, 0, ())).rows,
    }
    return out, cutoff
