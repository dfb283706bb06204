"""Run the reference code location in-process on a private warehouse, history and registry."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import dagster as dg


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

    def run(self, job: str, *, inject: list[str] = (), days_if_empty: int = 45, override: str | None = None, assets=None) -> dg.ExecuteInProcessResult:
        config: dict = {"ops": {}}
        definitions = self.defs()
        job_def = definitions.resolve_job_def(job)
        if any(n.name == "upstream_etl" for n in job_def.nodes_in_topological_order):
            config["ops"]["upstream_etl"] = {"config": {"days_if_empty": days_if_empty, "inject": list(inject)}}
        if override is not None:
            config["ops"]["conversion__training_set"] = {"config": {"override_guard": True, "reason": override}}
        return job_def.execute_in_process(run_config=config, instance=self.instance, raise_on_error=False, asset_selection=assets)

    def copy_to(self, target: Path, *, model_specs: Path | None = None) -> "Project":
        shutil.copytree(self.root, target, ignore=shutil.ignore_patterns("dagster_home"))
        return Project.create(target, model_specs=model_specs)

    @classmethod
    def create(cls, root: Path, *, model_specs: Path | None = None) -> "Project":
        home = root / "dagster_home"
        home.mkdir(parents=True, exist_ok=True)
        return cls(root, dg.DagsterInstance.local_temp(str(home), overrides={"telemetry": {"enabled": False}}), model_specs)


def failure_message(result: dg.ExecuteInProcessResult, step: str) -> str:
    data = result.failure_data_for_node(step)
    assert data is not None, f"{step} did not fail; failed steps: {result.get_failed_step_keys()}"
    text = data.error.message
    if data.user_failure_data is not None:  # a dagster.Failure: its description is what the UI shows
        text = f"{data.user_failure_data.description}\n{text}"
    cause = data.error.cause
    while cause is not None:
        text += "\n" + cause.message
        cause = cause.cause
    return text
