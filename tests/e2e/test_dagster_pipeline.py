"""The reference code location end to end, in-process on a real DuckDB warehouse, real dbt,
real Dagster runs: a clean run releases a champion; every upstream failure of the simulator
halts training and release in the same run (blocking checks) and in a separate run (the guards
raise ContractViolation naming the rule); a model retrained on corrupted data is refused at
release; rollback restores the previous champion; a second ML project is one spec file."""

from __future__ import annotations

import os

import dagster as dg
import pytest

from lockgate.registry import ModelRegistry
from tests.support.cli import REPO, lockgate
from tests.support.pipeline import Project, failure_message, release_summary

pytestmark = pytest.mark.slow

ML_STEPS = (
    "conversion__training_set",
    "conversion__model",
    "conversion__evaluation",
    "conversion__release",
)

# upstream failure -> the rule the guard must name
FAILURES = {
    "frozen:professionals.rating": "professionals.rating.changeRate",
    "nulls:quotes.price_eur": "quotes.price_eur.required",
    "constant:service_requests.budget_eur": "service_requests.budget_eur.minimum",
    "drop_column:professionals.rating": "professionals.rating.required",
    "rename_column:customers.segment": "customers.segment.required",
    "duplicate_keys:quotes": "quotes.quote_id.primaryKey",
    "partial_load:service_requests": "requests_latest_load_volume",
    "unit_change:quotes.price_eur": "quotes.price_eur.maximum",
    "stale:hires": "hires_latest_load_volume",
    "broken_join_key:service_requests.customer_id": "service_requests.customer_id.relationship",
}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    """45 clean days up to the session's pinned clock (2026-06-29), one full daily run: warehouse
    built, contracts passed, champion v1. Measured under that clock: roc_auc 0.6467 (floor 0.60),
    calibration gap 0.0018 (allowed 0.05); training is deterministic, so these are exact."""
    saved = os.environ.get("LOCKGATE_WAREHOUSE")
    root = tmp_path_factory.mktemp("baseline")
    project = Project.create(root)
    result = project.run("daily_pipeline", days_if_empty=45)
    assert result.success, f"{result.get_failed_step_keys()}\n{release_summary(project)}"
    yield project
    if saved is None:
        os.environ.pop("LOCKGATE_WAREHOUSE", None)
    else:
        os.environ["LOCKGATE_WAREHOUSE"] = saved


def test_clean_run_validates_everything_and_releases_a_champion(baseline):
    registry = ModelRegistry(baseline.registry)
    assert registry.aliases("conversion")["champion"] == "v1"
    champion = registry.get("conversion", "v1")
    assert champion.receipt["passed"] is True
    validated = {c["id"] for c in champion.receipt["contracts"]}
    assert {
        "features-conversion",
        "raw-professionals",
        "raw-service-requests",
        "raw-hires",
    } <= validated
    assert champion.release["passed"] is True
    # far from the floor and from chance, whatever the gate's tolerance: the model learned
    assert champion.metrics["roc_auc"] > 0.60, release_summary(baseline)
    assert abs(champion.metrics["mean_prediction"] - champion.metrics["base_rate"]) < 0.02, (
        release_summary(baseline)
    )


@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_upstream_failures_halt_training_and_release(baseline, tmp_path, failure):
    project = baseline.copy_to(tmp_path / "case")
    same_run = project.run("daily_pipeline", inject=[failure])
    assert not same_run.success
    for step in ML_STEPS:
        assert same_run.is_node_untouched(step), f"{failure}: {step} ran in the same run"
    assert not any(
        e.asset_key.path[0] == "conversion" for e in same_run.get_asset_materialization_events()
    )

    # a separate launch (a schedule, a manual run, an automation) cannot train on it either
    separate = project.run("conversion_pipeline")
    assert not separate.success
    message = failure_message(separate, "conversion__training_set")
    assert message.startswith("conversion training refused: "), (
        message
    )  # the ContractViolation text
    assert f"rule {FAILURES[failure]} " in message, message
    assert separate.is_node_untouched("conversion__release")
    assert ModelRegistry(project.registry).aliases("conversion")["champion"] == "v1"


def test_check_results_carry_their_own_rule_and_the_rule_table_once(baseline, tmp_path):
    from dagster._serdes import serialize_value

    project = baseline.copy_to(tmp_path / "case")
    result = project.run("daily_pipeline", inject=["duplicate_keys:quotes"])
    evaluations = result.get_asset_check_evaluations()
    evaluation = next(e for e in evaluations if e.check_name == "quotes_quote_id_primaryKey")
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    meta = evaluation.metadata
    assert meta["contract"].value == "raw-quotes" and meta["contract_version"].value == "1.0.0"
    assert meta["rule"].value == "quotes.quote_id.primaryKey" and meta["column"].value == "quote_id"
    assert meta["expected"].value == "quote_id unique (failing rows = 0)"
    assert (
        meta["result"].value.startswith("quote_id unique: ")
        and "rows break it (allowed: 0)" in meta["result"].value
    )
    samples = meta["failing_rows_sample"].value.records
    assert (
        samples
        and samples[0].data["duplicate_count"] >= 2
        and samples[0].data["quote_id"].startswith("q_")
    )

    # the contract-wide table: once per failing contract in the run, on its first failed check
    tables = [e for e in evaluations if "contract_rule_results" in e.metadata]
    assert [(e.metadata["contract"].value, e.passed) for e in tables] == [("raw-quotes", False)]
    rules = [r.data for r in tables[0].metadata["contract_rule_results"].value.records]
    failed = [r["rule"] for r in rules if not r["passed"]]
    assert (
        sorted(failed) == ["quotes.duplicateValues", "quotes.quote_id.primaryKey"]
        and len(rules) == 27
    )
    assert [r["rule"] for r in rules[: len(failed)]] == sorted(failed)  # failures first

    # every other evaluation carries its own rule only: small, whatever the size of its contract
    sizes = {e.check_name: len(serialize_value(e)) for e in evaluations if e not in tables}
    assert max(sizes.values()) < 4_000, sorted(sizes.items(), key=lambda kv: -kv[1])[:3]
    passing = next(
        e for e in evaluations if e.passed and e.check_name == "quotes_price_eur_required"
    )
    assert (
        "failing_rows_sample" not in passing.metadata
        and "contract_rule_results" not in passing.metadata
    )


def test_a_refused_training_is_a_dagster_failure_naming_the_rule(baseline, tmp_path):
    project = baseline.copy_to(tmp_path / "case")
    assert not project.run("daily_pipeline", inject=["unit_change:quotes.price_eur"]).success
    separate = project.run("conversion_pipeline")
    data = separate.failure_data_for_node("conversion__training_set")
    failure = data.user_failure_data
    assert failure is not None and failure.description.startswith("conversion training refused: ")
    meta = {k: v.value for k, v in failure.metadata.items()}
    assert (meta["contract"], meta["version"], meta["rule"], meta["column"]) == (
        "raw-quotes",
        "1.0.0",
        "quotes.price_eur.maximum",
        "price_eur",
    )
    assert meta["expected"] == "price_eur <= 5000 (failing rows = 0)" and int(meta["observed"]) > 0
    assert meta["samples"].records and "price_eur" in meta["samples"].records[0].data
    assert data.error.cause is None  # no "The above exception was caused by" under it


def test_a_model_retrained_on_corrupted_data_is_refused_at_release(baseline, tmp_path):
    project = baseline.copy_to(tmp_path / "case")
    assert not project.run("daily_pipeline", inject=["frozen:professionals.rating"]).success
    training = [dg.AssetKey(["conversion", s]) for s in ("training_set", "model", "evaluation")]
    forced = project.run(
        "conversion_pipeline",
        override="incident 42: retrain although ratings are frozen",
        assets=training,
    )
    assert forced.success
    registry = ModelRegistry(project.registry)
    v2 = registry.get("conversion", "v2")
    assert (
        v2.receipt["passed"] is False
        and "professionals.rating.changeRate" in v2.receipt["problems"][0]
    )

    # the next day is clean and validated again; the model trained on the frozen day still cannot ship
    assert project.run("land_and_build").success
    release = project.run("conversion_pipeline", assets=[dg.AssetKey(["conversion", "release"])])
    assert not release.success
    message = failure_message(release, "conversion__release")
    assert message.startswith(
        "conversion v2 refused at release: gate 'validation receipt' failed"
    ), message
    failure = release.failure_data_for_node("conversion__release").user_failure_data
    assert failure.metadata["failed_gate"].value == "validation receipt"
    # the release asset's own page says why (an observation in the run's event log)
    logged = [
        e.dagster_event
        for e in project.instance.all_logs(release.run_id)
        if e.dagster_event is not None
    ]
    observed = [
        e.event_specific_data.asset_observation
        for e in logged
        if e.event_type_value == "ASSET_OBSERVATION"
    ]
    (why,) = [
        o.description for o in observed if o.asset_key == dg.AssetKey(["conversion", "release"])
    ]
    assert why.startswith("conversion v2 refused at release: gate 'validation receipt' failed"), why
    assert registry.aliases("conversion")["champion"] == "v1"
    assert registry.get("conversion", "v2").release["failed_gate"] == "validation receipt"


def test_rollback_restores_the_previous_champion(baseline, tmp_path):
    project = baseline.copy_to(tmp_path / "case")
    retrain = project.run(
        "conversion_pipeline"
    )  # same validated data: the same model (deterministic)
    assert retrain.success, f"{retrain.get_failed_step_keys()}\n{release_summary(project)}"
    registry = ModelRegistry(project.registry)
    assert registry.get("conversion", "v2").metrics == registry.get("conversion", "v1").metrics, (
        release_summary(project)
    )
    assert registry.aliases("conversion") == {
        "champion": "v2",
        "previous": "v1",
        "history": ["v1", "v2"],
    }

    listed = lockgate("registry", "list", "--registry", project.registry)
    assert (
        listed.returncode == 0
        and "conversion" in listed.stdout
        and "v2" in listed.stdout
        and "champion" in listed.stdout
    )
    rolled = lockgate("registry", "rollback", "conversion", "--registry", project.registry)
    assert rolled.returncode == 0, rolled.stderr
    assert "champion v1 (previous: none)" in rolled.stdout
    assert registry.aliases("conversion")["champion"] == "v1"
    events = [e["action"] for e in registry.events("conversion")]
    assert events == ["promote", "promote", "rollback"]


# A second ML project: this file and nothing else (no Python), on the same contracted feature table.
SECOND_SPEC = """\
name: conversion_baseline
description: A logistic-regression baseline for the conversion model, on four features.
owner: data-science
source:
  contract: {contract}
  table: features_conversion
  where_true: label_available
features:
  numeric: [budget_eur, requested_hour]
  categorical: [category, region]
target: converted
time_column: requested_at
split:
  holdout_days: 14
  min_train_rows: 500
  min_holdout_rows: 100
estimator:
  class: sklearn.linear_model.LogisticRegression
  params: {{max_iter: 500}}
metric: roc_auc
release:
  floors: {{roc_auc: 0.5}}
  max_drop_vs_champion: 0.01
  max_drop_vs_champion_release: 0.05
  max_calibration_gap: 0.05
"""


def test_a_second_ml_project_is_one_spec_file(baseline, tmp_path):
    features = REPO / "contracts" / "features" / "features_conversion.odcs.yaml"
    specs = tmp_path / "models"
    specs.mkdir()
    conversion = (REPO / "contracts" / "models" / "conversion.yaml").read_text()
    (specs / "conversion.yaml").write_text(
        conversion.replace("../features/features_conversion.odcs.yaml", str(features))
    )
    (specs / "conversion_baseline.yaml").write_text(SECOND_SPEC.format(contract=features))
    project = baseline.copy_to(tmp_path / "case", model_specs=specs)

    keys = {k.to_user_string() for k in project.defs().resolve_all_asset_keys()}
    assert {
        f"conversion_baseline/{s}" for s in ("training_set", "model", "evaluation", "release")
    } <= keys
    trained = project.run("conversion_baseline_pipeline")
    # measured under the pinned clock: roc_auc 0.5994 (floor 0.5), calibration gap 0.0029 (0.05)
    assert trained.success, (
        f"{trained.get_failed_step_keys()}\n{release_summary(project, 'conversion_baseline')}"
    )
    registry = ModelRegistry(project.registry)
    assert registry.aliases("conversion_baseline")["champion"] == "v1"
    assert registry.aliases("conversion")["champion"] == "v1"  # the first project is untouched
    receipt = registry.get("conversion_baseline", "v1").receipt
    assert receipt["passed"] and {"features-conversion", "raw-service-requests"} <= {
        c["id"] for c in receipt["contracts"]
    }

    # guarded like the first: an upstream contract failing refuses its training in a separate run
    assert not project.run("land_and_build", inject=["nulls:quotes.price_eur"]).success
    refused = project.run("conversion_baseline_pipeline")
    message = failure_message(refused, "conversion_baseline__training_set")
    assert message.startswith("conversion_baseline training refused: "), (
        message
    )  # a dagster.Failure
    assert "rule quotes.price_eur.required " in message, message
    assert registry.aliases("conversion_baseline")["champion"] == "v1"
