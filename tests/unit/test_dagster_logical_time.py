"""The logical time a Dagster run's contract checks are judged at: a time partition's end, else
the schedule tick of the run's tags, else none (now). Real in-process Dagster runs."""

# no `from __future__ import annotations`: Dagster reads the context annotation at definition time

import datetime as dt

import dagster as dg

from lockgate.dagster.logical_time import run_logical_time

seen: list[dt.datetime | None] = []


def _definitions(partitions_def=None):
    @dg.asset(partitions_def=partitions_def)
    def table() -> None:
        return None

    @dg.asset_check(asset=table)
    def contract(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        seen.append(run_logical_time(context))
        return dg.AssetCheckResult(passed=True)

    return [table], [contract]


def _run(partitions_def=None, **kwargs) -> dt.datetime | None:
    seen.clear()
    assets, checks = _definitions(partitions_def)
    result = dg.materialize([*assets, *checks], instance=dg.DagsterInstance.ephemeral(), **kwargs)
    assert result.success
    return seen[-1]


def test_a_daily_partition_is_checked_as_of_the_end_of_its_day():
    daily = dg.DailyPartitionsDefinition(start_date="2026-03-01")
    assert _run(daily, partition_key="2026-03-04") == dt.datetime(2026, 3, 5, tzinfo=dt.UTC)


def test_a_scheduled_run_is_checked_as_of_its_tick():
    tick = {".dagster/scheduled_execution_time": "2026-03-04T02:30:00+00:00"}
    assert _run(tags=tick) == dt.datetime(2026, 3, 4, 2, 30, tzinfo=dt.UTC)
    public = {"dagster/scheduled_execution_time": "2026-03-04T03:30:00+01:00"}
    assert _run(tags=public) == dt.datetime(2026, 3, 4, 2, 30, tzinfo=dt.UTC)


def test_a_static_partition_or_a_manual_run_has_no_time_of_its_own():
    static = dg.StaticPartitionsDefinition(["eu", "us"])
    assert _run(static, partition_key="eu") is None
    assert _run() is None
