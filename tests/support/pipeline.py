"""Run the reference code location in-process on a private warehouse, history and registry.

Each run happens at a pinned moment of lockgate's clock (LOCKGATE_TODAY), derived from the data:
into an empty warehouse at the session's pinned day; otherwise a run that lands happens the
morning after the day it lands (as the daily schedule would), and any other run the morning
after the newest load. So the landed days, every freshness verdict and the trained models are
the same on every day the tests run, and no load is ever later than the clock.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from lockgate import clock


@dataclass
class Project:
    root: Path
    instance: dg.DagsterInstance
    model_specs: Path | None = None  # None: the repository's contracts/models/

    @property
    def warehouse(self) -> Path:
        return self.root / "marketplace.duckdb"

    @property
    def history(self) -> Path:
        return self.root / "history.sqlite"

    @property
    def registry(self) -> Path:
        return self.root / "registry"

    def defs(self) -> dg.Definitions:
        os.environ["LOCKGATE_WAREHOUSE"] = str(self.warehouse)
        from dagster_project.definitions import build_definitions

        if self.model_specs is None:
            return build_definitions(str(self.history), self.registry)
        return build_definitions(str(self.history), self.registry, self.model_specs)

    def run(
        self,
        job: str,
        *,
        inject: list[str] = (),
        days_if_empty: int = 45,
        override: str | None = None,
        assets=None,
        tags=None,
    ) -> dg.ExecuteInProcessResult:
        config: dict = {"ops": {}}
        definitions = self.defs()
        job_def = definitions.resolve_job_def(job)
        if any(n.name == "upstream_etl" for n in job_def.nodes_in_topological_order):
            config["ops"]["upstream_etl"] = {
                "config": {"days_if_empty": days_if_empty, "inject": list(inject)}
            }
        if override is not None:
            config["ops"]["conversion__training_set"] = {
                "config": {"override_guard": True, "reason": override}
            }
        lands = "upstream_etl" in config["ops"] and (
            assets is None or any(k.path[0] == "raw" for k in assets)
        )
        with clock.pinned_to(self.clock_for(lands=lands)):
            return job_def.execute_in_process(
                run_config=config,
                instance=self.instance,
                raise_on_error=False,
                asset_selection=assets,
                tags=tags,
            )

    def last_landed_day(self) -> dt.date | None:
        from dagster_project.simulator import DuckDBTarget, status

        if not self.warehouse.exists():
            return None
        state = status(DuckDBTarget(self.warehouse)).state
        return state.last_day if state else None

    def clock_for(self, *, lands: bool) -> dt.date:
        """The pinned day of the next run: see the module's docstring."""
        last = self.last_landed_day()
        if last is None:
            return clock.today()
        return last + dt.timedelta(days=2 if lands else 1)

    def reexecute(
        self, run_id: str, *, from_failure: bool = True, steps: list[str] | None = None
    ) -> dg.JobExecutionResult:
        """Re-execute a daily_pipeline run as the UI's "re-execute from failure" (or a run retry
        with the FROM_FAILURE strategy) does: the failed and skipped steps, with the parent's
        run config and tags (the UI copies them; execute_job only takes the ones given)."""
        os.environ[PROJECT_ENV] = str(self.root)
        parent = self.instance.get_run_by_id(run_id)
        if from_failure:
            options = dg.ReexecutionOptions.from_failure(run_id, self.instance)
        else:
            options = dg.ReexecutionOptions(parent_run_id=run_id, step_selection=steps)
        config = {**parent.run_config, "execution": {"config": {"in_process": {}}}}
        tags = {k: v for k, v in parent.tags.items() if not k.startswith("dagster/")}
        with clock.pinned_to(self.clock_for(lands=False)):
            return dg.execute_job(
                dg.reconstructable(daily_pipeline),
                self.instance,
                run_config=config,
                tags=tags,
                reexecution_options=options,
            )

    def copy_to(self, target: Path, *, model_specs: Path | None = None) -> "Project":
        shutil.copytree(self.root, target, ignore=shutil.ignore_patterns("dagster_home"))
        return Project.create(target, model_specs=model_specs)

    @classmethod
    def create(cls, root: Path, *, model_specs: Path | None = None) -> "Project":
        home = root / "dagster_home"
        home.mkdir(parents=True, exist_ok=True)
        return cls(
            root,
            dg.DagsterInstance.local_temp(str(home), overrides={"telemetry": {"enabled": False}}),
            model_specs,
        )


PROJECT_ENV = "LOCKGATE_TEST_PROJECT"


def daily_pipeline() -> dg.JobDefinition:
    """The daily job of the project in $LOCKGATE_TEST_PROJECT: `execute_job` rebuilds a job by
    importing a module-level function like this one."""
    return Project(Path(os.environ[PROJECT_ENV]), None).defs().resolve_job_def("daily_pipeline")


def failure_message(result: dg.ExecuteInProcessResult, step: str) -> str:
    data = result.failure_data_for_node(step)
    assert data is not None, f"{step} did not fail; failed steps: {result.get_failed_step_keys()}"
    text = data.error.message
    if (
        data.user_failure_data is not None
    ):  # a dagster.Failure: its description is what the UI shows
        text = f"{data.user_failure_data.description}\n{text}"
    cause = data.error.cause
    while cause is not None:
        text += "\n" + cause.message
        cause = cause.cause
    return text


def release_summary(project: Project, model: str = "conversion") -> str:
    """Every version's measured metrics and release gates, for assertion messages."""
    from lockgate.registry import ModelRegistry

    lines = []
    for version in ModelRegistry(project.registry).versions(model):
        m = version.metrics or {}
        lines.append(
            f"{model} {version.version}: roc_auc {m.get('roc_auc', float('nan')):.4f}, mean prediction "
            f"{m.get('mean_prediction', float('nan')):.4f} vs base rate {m.get('base_rate', float('nan')):.4f}"
        )
        lines += [
            f"  {'pass' if g['passed'] else 'FAIL'}  {g['gate']}: {g['detail']}"
            for g in (version.release or {}).get("gates", [])
        ]
    return "\n".join(lines) or f"no {model} version registered"
