"""Compare two runs' bucket fingerprints: in how many changed buckets did the column change?

Why buckets: the warehouse keeps only the current rows of a dimension table, so "which rows
changed since the last load" cannot be asked of it, and copying every row's hash into the history
store would cost as much as the table. Rows are bucketed by hash(key) % B instead, and per bucket
three XOR fingerprints are kept: of the keys, of whole rows, of (key, column) pairs. Comparing
with the previous run, bucket by bucket:

* keys changed (rows were added or removed): the bucket says nothing about updates; skipped;
* keys equal, rows equal: nothing was touched there (an idle dimension is not a frozen column);
* keys equal, rows changed: rows were updated; the column changed too, or it did not.

Change rate = buckets where the column changed / buckets where some row changed. A live column
that is updated with its rows scores near 1 however its distribution drifts; a frozen one scores 0
from the first load after the freeze, because the rest of the row keeps changing around it.
A bucket is a unit of evidence: with B much smaller than the number of rows, a column frozen in
only some rows still changes in every bucket, so the rate measures whole-column freezes unless B
is raised towards the row count.
"""

from __future__ import annotations

from dataclasses import dataclass

from lockgate.state.profile import BucketFingerprints


@dataclass(frozen=True)
class ChangeOutcome:
    buckets: int  # grid the two runs were compared on
    occupied: int  # buckets holding rows now
    stable: int  # occupied buckets whose keys did not change
    touched: int  # stable buckets in which some row changed
    changed: int  # touched buckets in which the column changed

    @property
    def rate(self) -> float | None:
        return self.changed / self.touched if self.touched else None


def compare_buckets(previous: BucketFingerprints, current: BucketFingerprints, column: str, buckets: int) -> ChangeOutcome | None:
    """None when the previous run has no fingerprint of `column` (the rule is new)."""
    if column not in previous.values or column not in current.values:
        return None
    size = min(previous.buckets, current.buckets, buckets)
    before, now = previous.coarsen(size), current.coarsen(size)
    occupied = now.counts > 0
    stable = occupied & (before.counts == now.counts) & (before.keys == now.keys)
    touched = stable & (before.rows != now.rows)
    changed = touched & (before.values[column] != now.values[column])
    return ChangeOutcome(size, int(occupied.sum()), int(stable.sum()), int(touched.sum()), int(changed.sum()))
