"""What the detectors read from the history store: a table's earlier loads, oldest first, and
what a retry repeats: the verdicts of its data state's first check."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from lockgate.contract import rules as ir
from lockgate.profile.model import BucketFingerprints, ColumnStats


@dataclass
class PastRun:
    """One earlier load: the first check of one data state of the table."""

    run_id: int
    as_of: dt.datetime  # the logical time of that check
    row_count: int | None
    columns: dict[str, ColumnStats] = field(default_factory=dict)
    failed: frozenset[tuple[str | None, str]] = frozenset()  # (column, metric) judged anomalous
    state: str | None = None  # the data-state fingerprint (None in stores older than loads)

    def is_failed(self, column: str | None, metric: str) -> bool:
        return (column, metric) in self.failed


@dataclass
class TableHistory:
    runs: list[PastRun] = field(default_factory=list)  # oldest first
    buckets: BucketFingerprints | None = None  # the latest earlier run's, same fingerprint family
    unavailable: str | None = None  # why there is no history store, when there is none
    state_since: dt.datetime | None = None  # logical time the current data state was first checked
    as_of: dt.datetime | None = None  # the logical time of the check being judged

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


@dataclass(frozen=True)
class StoredVerdict:
    passed: bool
    observed: Any
    expected: str
    failed_rows: int | None
    samples: tuple[dict[str, Any], ...]
    severity: str | None = None


@dataclass(frozen=True)
class Load:
    """The first check of a data state under one contract content: its run and verdicts."""

    run_id: int
    as_of: dt.datetime | None
    verdicts: dict[str, StoredVerdict]  # rule id -> verdict (rules that errored are left out)


def judged_every_check(rule: ir.Rule) -> bool:
    """Rules judged again at every check, never repeated from an earlier check of the same data:
    the time rules (freshness: the data ages while it sits still; advancement: idle time) and the
    rules that read more than the table's own data (a `type: sql` query may read any table, a
    relationship reads the referenced table), whose verdict the table's state does not fix."""
    return isinstance(rule.measure, (ir.LatestValue, ir.Advancement, ir.SqlValue, ir.Orphans))
