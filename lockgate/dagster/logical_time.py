"""The logical time of a Dagster run: what `validate(..., as_of=...)` judges a load at.

A partitioned run checks its partition (as of the end of its time window: the day's data is
complete then); a scheduled run checks the tick it was launched for, which its re-executions keep
(Dagster copies the parent run's tags); anything else (a manual launch) is checked as of now.
Backfills launched in time order therefore give the verdicts the nightly schedule would have.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

# the tag Dagster's scheduler sets (hidden prefix) and the public spelling, which users may set
SCHEDULED_TAGS = (".dagster/scheduled_execution_time", "dagster/scheduled_execution_time")


def run_logical_time(context: Any) -> dt.datetime | None:
    """The partition's end or the schedule tick of the run `context` belongs to; None for now."""
    end = _partition_end(getattr(context, "op_execution_context", context))
    if end is not None:
        return end
    tags = context.run.tags
    for key in SCHEDULED_TAGS:
        if tags.get(key):
            return scheduled_time(tags[key])
    return None


def _partition_end(op_context: Any) -> dt.datetime | None:
    if not op_context.has_partition_key:
        return None
    try:
        return _utc(op_context.partition_time_window.end)
    except Exception:  # noqa: BLE001 - a static or dynamic partition has no time of its own
        return None


def scheduled_time(text: str) -> dt.datetime | None:
    try:
        return _utc(dt.datetime.fromisoformat(text))
    except ValueError:
        return None


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
