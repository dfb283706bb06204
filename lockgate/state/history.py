"""What the detectors read from the history store: a table's earlier runs, oldest first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from lockgate.contract import rules as ir
from lockgate.state.profile import BucketFingerprints, ColumnStats


@dataclass
class PastRun:
    run_id: int
    started_at: dt.datetime
    row_count: int | None
    columns: dict[str, ColumnStats] = field(default_factory=dict)
    failed: frozenset[tuple[str | None, str]] = frozenset()  # (column, metric) judged anomalous

    def is_failed(self, column: str | None, metric: str) -> bool:
        return (column, metric) in self.failed


@dataclass
class TableHistory:
    runs: list[PastRun] = field(default_factory=list)  # oldest first
    buckets: BucketFingerprints | None = None  # the latest earlier run's, same fingerprint family
    unavailable: str | None = None  # why there is no history store, when there is none

    @classmethod
    def missing(cls, reason: str) -> TableHistory:
        return cls(unavailable=reason)


def failed_point(rule: ir.Rule) -> tuple[str | None, str] | None:
    """The (column, metric) a failed result of `rule` marks as failed, so that later baselines
    leave it out; None for rules that keep no baseline."""
    m = rule.measure
    if isinstance(m, ir.Anomaly):
        return (m.column, m.metric)
    if isinstance(m, ir.ConstantColumn):
        return (m.column, "distinctCount")
    return None
