"""The reference project with LOCKGATE_CHECK_ENGINE=spark: real Dagster runs, a real DuckDB
warehouse exported to Parquet, the contracts checked by the session's local Spark. Clean days pass
every contract on Spark; a frozen column fails its change-rate rule, and a separate training run
is refused with the ContractViolation naming it, as on DuckDB."""

from __future__ import annotations

import sqlite3

import dagster as dg
import pytest

from dagster_project.spark_checks import ENGINE_ENV, EXPORTS
from tests.support.pipeline import Project, failure_message

pytestmark = pytest.mark.slow

RULE = "professionals.rating.changeRate"


@pytest.fixture(scope="module")
def on_spark(spark, tmp_path_factory):
    with pytest.MonkeyPatch.context() as env:
        env.setenv(ENGINE_ENV, "spark")
        env.delenv("LOCKGATE_WAREHOUSE", raising=False)  # Project.defs pins its own
        project = Project.create(tmp_path_factory.mktemp("spark-project"))
        clean = project.run("land_and_build", days_if_empty=30)
        frozen = project.run("daily_pipeline", inject=["frozen:professionals.rating"])
        separate = project.run("conversion_pipeline")
        yield project, clean, frozen, separate


def test_clean_days_pass_every_contract_on_spark(on_spark):
    project, clean, _, _ = on_spark
    assert clean.success, clean.get_failed_step_keys()
    assert not _failed_errors(clean), _failed_errors(clean)  # warnings (drift on 30 days) may
    engines = _recorded_engines(project)
    assert engines == {"spark"}, engines  # measured by Spark, not the DuckDB warehouse
    assert not any((project.root / EXPORTS).iterdir())  # each check's export is removed


def test_a_frozen_column_halts_training_on_spark(on_spark):
    _, _, frozen, separate = on_spark
    assert not frozen.success
    failed = _failed_errors(frozen)
    assert [e.check_name for e in failed] == ["professionals_rating_changeRate"], failed
    assert failed[0].description.startswith("FAILED: "), failed[0].description
    assert frozen.is_node_untouched("conversion__training_set")

    message = failure_message(separate, "conversion__training_set")
    assert message.startswith("conversion training refused: "), message
    assert f"rule {RULE} " in message, message
    assert separate.is_node_untouched("conversion__release")


def _failed_errors(result: dg.ExecuteInProcessResult) -> list[dg.AssetCheckEvaluation]:
    return [
        e
        for e in result.get_asset_check_evaluations()
        if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
    ]


def _recorded_engines(project: Project) -> set[str]:
    with sqlite3.connect(project.history) as con:
        return {engine for (engine,) in con.execute("SELECT DISTINCT engine FROM runs")}
