"""lockgate's Dagster factories across runs, on a tiny DuckDB table (no dbt):

- automation: an asset guarded by `lockgate.dagster.ml.GUARDED` is not requested after a run whose
  blocking contract check failed, and is requested after a run whose checks passed (or only a
  warning failed); a plain `eager()` control asset is requested either way, so the guard is what
  makes the difference. The reference project's training set carries the same condition.
- sensors: `lockgate_sensors` writes an alert naming the failed WARN check of a green run, and
  one naming the failed blocking check of a failed run.

Automation conditions are evaluated with `evaluate_automation_conditions`, which decides what a
tick would request without launching runs: after a tick that requests something, the test
materializes what was requested and runs one settle tick before changing the upstream data
(docs/research/dagster-1.13-memo.md, section 3)."""

# no `from __future__ import annotations`: Dagster reads the config annotations at definition time

import json
import textwrap
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from lockgate.dagster import LockgateResource, build_contract_checks, lockgate_sensors
from lockgate.dagster.ml import GUARDED

WIDGETS = dg.AssetKey("widgets")
GUARDED_KEY = dg.AssetKey("guarded_report")
UNGUARDED_KEY = dg.AssetKey("unguarded_report")
BLOCKING_CHECK = "widgets_price_minimum"  # severity error (the default): blocking
WARNING_CHECK = "widgets_colour_nullValues"  # severity warning: a WARN check, never blocking


def write_contract(folder: Path, database: Path) -> Path:
    path = folder / "widgets.odcs.yaml"
    path.write_text(
        textwrap.dedent(
            f"""\
            apiVersion: v3.1.0
            kind: DataContract
            id: tiny-widgets
            name: Tiny widgets
            version: 1.2.0
            status: active
            servers:
              - server: local
                type: duckdb
                database: {database}
                schema: main
            schema:
              - name: widgets
                physicalType: table
                properties:
                  - name: widget_id
                    logicalType: integer
                    primaryKey: true
                  - name: price
                    logicalType: number
                    required: true
                    logicalTypeOptions:
                      minimum: 0
                  - name: colour
                    logicalType: string
                    quality:
                      - metric: nullValues
                        mustBe: 0
                        severity: warning
            """
        )
    )
    return path


class WidgetsConfig(dg.Config):
    mode: str = "good"  # good | bad (negative prices: blocking) | warn (missing colours: warning)


class Tiny:
    """An upstream asset writing `main.widgets`, its contract as checks, and two downstream
    assets: one guarded by lockgate's automation condition, one plain eager (the control)."""

    def __init__(self, root: Path):
        self.database = root / "tiny.duckdb"
        self.contract = write_contract(root, self.database)
        self.resources = {
            "lockgate": LockgateResource(
                history=str(root / "history.sqlite"), registry=str(root / "registry")
            )
        }
        database = self.database

        @dg.asset(key=WIDGETS)
        def widgets(config: WidgetsConfig) -> None:
            price = "-5.0" if config.mode == "bad" else "10.0 + i"
            colour = "CAST(NULL AS VARCHAR)" if config.mode == "warn" else "'blue'"
            with duckdb.connect(str(database)) as con:
                con.execute(
                    "CREATE OR REPLACE TABLE main.widgets AS SELECT i AS widget_id, "
                    f"{price} AS price, {colour} AS colour FROM range(20) t(i)"
                )

        @dg.asset(key=GUARDED_KEY, deps=[WIDGETS], automation_condition=GUARDED)
        def guarded_report() -> None:
            pass

        @dg.asset(
            key=UNGUARDED_KEY, deps=[WIDGETS], automation_condition=dg.AutomationCondition.eager()
        )
        def unguarded_report() -> None:
            pass

        (self.checks,) = build_contract_checks(
            contracts=[self.contract], asset_key_for=lambda contract, table: WIDGETS
        )
        self.assets = [widgets, guarded_report, unguarded_report]
        self.defs = dg.Definitions(
            assets=self.assets, asset_checks=[self.checks], resources=self.resources
        )

    def land(self, instance: dg.DagsterInstance, mode: str) -> dg.ExecuteInProcessResult:
        """Materialize `widgets` with the given data and run its contract checks."""
        return dg.materialize(
            [*self.assets, self.checks],
            instance=instance,
            selection=dg.AssetSelection.assets(WIDGETS),  # includes the asset's checks
            run_config={"ops": {"widgets": {"config": {"mode": mode}}}},
            resources=self.resources,
            raise_on_error=False,
        )

    def materialize(self, instance: dg.DagsterInstance, keys) -> dg.ExecuteInProcessResult:
        result = dg.materialize(
            [*self.assets, self.checks],
            instance=instance,
            selection=list(keys),
            resources=self.resources,
            raise_on_error=False,
        )
        assert result.success, result.get_failed_step_keys()
        return result


def verdicts(result: dg.ExecuteInProcessResult) -> dict[str, tuple[bool, dg.AssetCheckSeverity]]:
    return {e.check_name: (e.passed, e.severity) for e in result.get_asset_check_evaluations()}


@pytest.fixture
def tiny(tmp_path) -> Tiny:
    return Tiny(tmp_path)


@pytest.fixture
def instance(tmp_path):
    with dg.DagsterInstance.ephemeral() as inst:
        yield inst


def test_the_contract_becomes_one_blocking_error_check_per_error_rule_and_warn_checks_for_warnings(
    tiny,
):
    specs = {spec.name: spec for spec in tiny.checks.check_specs}
    assert specs[BLOCKING_CHECK].blocking is True
    assert specs[WARNING_CHECK].blocking is False
    assert {s.asset_key for s in specs.values()} == {WIDGETS}
    assert all(s.metadata["lockgate/contract"] == "tiny-widgets" for s in specs.values())


class Ticks:
    """`evaluate_automation_conditions` with its cursor carried over, like the daemon's ticks."""

    def __init__(self, tiny: Tiny, instance: dg.DagsterInstance):
        self.tiny, self.instance, self.cursor = tiny, instance, None

    def tick(self) -> set[dg.AssetKey]:
        result = dg.evaluate_automation_conditions(
            defs=self.tiny.defs, instance=self.instance, cursor=self.cursor
        )
        self.cursor = result.cursor
        return {
            key for key in (WIDGETS, GUARDED_KEY, UNGUARDED_KEY) if result.get_num_requested(key)
        }

    def tick_and_settle(self) -> set[dg.AssetKey]:
        """One tick; then, as the daemon would, run what it requested, and tick once more (which
        must request nothing) so the next upstream change is seen as new."""
        requested = self.tick()
        if requested:
            self.tiny.materialize(self.instance, requested)
            assert self.tick() == set(), "the settle tick requested again"
        return requested


def test_guarded_asset_is_not_requested_after_a_failed_blocking_check_and_is_after_a_pass(
    tiny, instance
):
    ticks = Ticks(tiny, instance)
    # everything exists once, from clean data; a first tick sees nothing new
    first = dg.materialize(
        [*tiny.assets, tiny.checks],
        instance=instance,
        run_config={"ops": {"widgets": {"config": {"mode": "good"}}}},
        resources=tiny.resources,
    )
    assert first.success
    assert ticks.tick_and_settle() == set()

    bad = tiny.land(instance, "bad")
    assert not bad.success and bad.get_failed_step_keys() == {tiny.checks.node_def.name}
    assert verdicts(bad)[BLOCKING_CHECK] == (False, dg.AssetCheckSeverity.ERROR)
    # eager alone would build on the bad data; the guard does not
    assert ticks.tick_and_settle() == {UNGUARDED_KEY}

    good = tiny.land(instance, "good")
    assert good.success and verdicts(good)[BLOCKING_CHECK] == (True, dg.AssetCheckSeverity.ERROR)
    assert ticks.tick_and_settle() == {GUARDED_KEY, UNGUARDED_KEY}

    bad_again = tiny.land(instance, "bad")
    assert not bad_again.success
    assert ticks.tick_and_settle() == {UNGUARDED_KEY}

    # a failed warning is reported, never blocking
    warned = tiny.land(instance, "warn")
    assert warned.success
    assert verdicts(warned)[WARNING_CHECK] == (False, dg.AssetCheckSeverity.WARN)
    assert verdicts(warned)[BLOCKING_CHECK] == (True, dg.AssetCheckSeverity.ERROR)
    assert ticks.tick_and_settle() == {GUARDED_KEY, UNGUARDED_KEY}


def test_a_check_that_never_ran_blocks_the_guarded_asset(tiny, instance):
    ticks = Ticks(tiny, instance)
    first = dg.materialize(
        [*tiny.assets, tiny.checks],
        instance=instance,
        run_config={"ops": {"widgets": {"config": {"mode": "good"}}}},
        resources=tiny.resources,
    )
    assert first.success
    assert ticks.tick_and_settle() == set()

    unchecked = dg.materialize(
        [*tiny.assets, tiny.checks],
        instance=instance,
        resources=tiny.resources,
        selection=dg.AssetSelection.assets(WIDGETS).without_checks(),
        run_config={"ops": {"widgets": {"config": {"mode": "good"}}}},
    )
    assert unchecked.success and unchecked.get_asset_check_evaluations() == []
    assert ticks.tick_and_settle() == {UNGUARDED_KEY}


def labels(condition: dg.AutomationCondition) -> list[str]:
    out = [condition.get_label() or type(condition).__name__]
    for child in condition.children:
        out += labels(child)
    return out


def test_reference_training_set_is_guarded_by_blocking_checks(monkeypatch, tmp_path, dbt_manifest):
    monkeypatch.setenv("LOCKGATE_WAREHOUSE", str(tmp_path / "marketplace.duckdb"))
    from dagster_project.definitions import build_definitions

    graph = build_definitions(
        str(tmp_path / "history.sqlite"), tmp_path / "registry"
    ).resolve_asset_graph()
    condition = graph.get(dg.AssetKey(["conversion", "training_set"])).automation_condition
    assert condition is not None
    # eager() AND all_deps_blocking_checks_passed(): both at the top, so both are required
    assert type(condition).__name__ == "AndAutomationCondition", condition
    assert sorted(child.get_label() for child in condition.children) == [
        "all_deps_blocking_checks_passed",
        "eager",
    ]
    assert "all_blocking_checks_passed" in labels(condition)
    # and the training set's upstream really has blocking checks for that condition to wait for
    (source,) = graph.get(dg.AssetKey(["conversion", "training_set"])).parent_keys
    blocking = [
        k
        for k in graph.asset_check_keys
        if k.asset_key == source and graph.get_check_spec(k).blocking
    ]
    assert blocking, f"no blocking checks on {source.to_user_string()}"


# ---------------------------------------------------------------------------------------------
# sensors


def sensors(alerts: Path) -> dict[str, dg.SensorDefinition]:
    return {s.name: s for s in lockgate_sensors(alerts)}


def read_alerts(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_a_green_run_with_a_failed_warning_raises_an_alert_naming_the_check(
    tiny, instance, tmp_path
):
    alerts = tmp_path / "alerts" / "alerts.jsonl"
    warn_sensor = sensors(alerts)["lockgate_check_warnings"]

    clean = tiny.land(instance, "good")
    assert clean.success
    context = dg.build_run_status_sensor_context(
        sensor_name="lockgate_check_warnings",
        dagster_event=clean.get_run_success_event(),
        dagster_instance=instance,
        dagster_run=clean.dagster_run,
    )
    assert isinstance(warn_sensor(context), dg.SkipReason)
    assert read_alerts(alerts) == []

    warned = tiny.land(instance, "warn")
    assert warned.success
    context = dg.build_run_status_sensor_context(
        sensor_name="lockgate_check_warnings",
        dagster_event=warned.get_run_success_event(),
        dagster_instance=instance,
        dagster_run=warned.dagster_run,
    )
    warn_sensor(context)
    (alert,) = read_alerts(alerts)
    assert alert["kind"] == "checks failed in a green run"
    assert alert["run_id"] == warned.run_id
    assert alert["detail"] == [f"widgets:{WARNING_CHECK} [WARN]"]


def test_a_run_stopped_by_a_blocking_check_raises_an_alert_with_the_failed_check(
    tiny, instance, tmp_path
):
    alerts = tmp_path / "alerts.jsonl"
    failure_sensor = sensors(alerts)["lockgate_run_failure"]

    bad = tiny.land(instance, "bad")
    assert not bad.success
    context = dg.build_run_status_sensor_context(
        sensor_name="lockgate_run_failure",
        dagster_event=bad.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=bad.dagster_run,
    ).for_run_failure()
    failure_sensor(context)
    (alert,) = read_alerts(alerts)
    assert alert["kind"] == "run failed" and alert["run_id"] == bad.run_id
    assert alert["detail"]["failed_checks"] == [f"widgets:{BLOCKING_CHECK} [ERROR]"]
    assert tiny.checks.node_def.name in alert["detail"]["message"]  # the step that stopped the run
