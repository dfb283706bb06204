"""Retries cannot launder a frozen column. After a frozen column halts the scheduled daily run,
"re-execute from failure" (what a run retry policy with the FROM_FAILURE strategy also does) and
re-executing the check step with the ML steps still refuse training and release, and the check
shown is still the failing changeRate: the retry checks the same data, so it repeats the load's
verdict instead of comparing the load with itself. Real Dagster runs, real dbt, real DuckDB."""

from __future__ import annotations

import datetime as dt
import os

import dagster as dg
import pytest

from lockgate.registry import ModelRegistry
from lockgate.state.store import open_store
from tests.support.pipeline import Project, failure_message

pytestmark = pytest.mark.slow

RULE, CHECK = "professionals.rating.changeRate", "professionals_rating_changeRate"
# The schedule tick the halted run was launched for: two minutes into the pinned day that run
# plays (tests/support/pipeline.py), after the 23:30 load it lands; freshness is judged at it.
TICK_AFTER = dt.timedelta(minutes=2)
ML_STEPS = (
    "conversion__training_set",
    "conversion__model",
    "conversion__evaluation",
    "conversion__release",
)


@pytest.fixture(scope="module")
def frozen(tmp_path_factory):
    """45 clean days and a released champion, then a scheduled daily run whose landing froze
    professionals.rating: the blocking changeRate check halts it."""
    saved = {k: os.environ.get(k) for k in ("LOCKGATE_WAREHOUSE", "LOCKGATE_TEST_PROJECT")}
    project = Project.create(tmp_path_factory.mktemp("retries"))
    assert project.run("daily_pipeline", days_if_empty=45).success
    day = project.clock_for(lands=True)
    tick = dt.datetime.combine(day, dt.time(0, 0), tzinfo=dt.UTC) + TICK_AFTER
    halted = project.run(
        "daily_pipeline",
        inject=["frozen:professionals.rating"],
        tags={".dagster/scheduled_execution_time": tick.isoformat()},
    )
    assert not halted.success
    yield project, halted, tick
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def changerate_evaluation(instance: dg.DagsterInstance, run_id: str):
    records = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    found = [r.event_log_entry.dagster_event.event_specific_data for r in records]
    return next(e for e in found if e.check_name == CHECK)


def test_reexecution_from_failure_and_retries_still_refuse_training_and_release(frozen):
    project, halted, tick = frozen
    first = changerate_evaluation(project.instance, halted.run_id)
    assert not first.passed and first.metadata["observed"].value.startswith(
        "frozen? rating changed in 0 of "
    )
    for step in ML_STEPS:
        assert halted.is_node_untouched(step)

    parent = halted.run_id
    for attempt in range(
        2
    ):  # the UI's button, then a run retry (FROM_FAILURE) of that re-execution
        again = project.reexecute(parent)
        assert not again.success
        shown = changerate_evaluation(project.instance, again.run_id)
        assert not shown.passed, f"attempt {attempt}: {shown.metadata['observed'].value}"
        assert shown.metadata["observed"].value == first.metadata["observed"].value
        steps = {
            e.step_key for e in again.all_events if e.event_type == dg.DagsterEventType.STEP_SUCCESS
        }
        assert not steps & set(ML_STEPS), steps
        parent = again.run_id

    # the check step and the ML steps re-executed by hand: the check fails first, nothing trains
    manual = project.reexecute(
        parent, from_failure=False, steps=["contract_raw_professionals", *ML_STEPS]
    )
    assert not manual.success
    assert not changerate_evaluation(project.instance, manual.run_id).passed

    with open_store(project.history) as store:
        latest = store.latest_validation("raw-professionals", "local", "professionals")
        runs = store.recent_runs("professionals", contract_id="raw-professionals", limit=4)
    assert [r["rule"] for r in latest["results"] if not r["passed"]] == [
        RULE
    ]  # what the guards read
    assert latest["as_of"] == tick.replace(tzinfo=None)  # the schedule tick, kept on re-execution
    assert [r["retry_of"] is not None for r in runs] == [True, True, True, False]

    # a separate launch (a schedule, a manual run) cannot train on it either, and says why
    separate = project.run("conversion_pipeline")
    assert not separate.success
    message = failure_message(separate, "conversion__training_set")
    assert "conversion training refused" in message and f"rule {RULE} " in message
    release = project.run("conversion_pipeline", assets=[dg.AssetKey(["conversion", "release"])])
    assert not release.success
    assert ModelRegistry(project.registry).aliases("conversion")["champion"] == "v1"
