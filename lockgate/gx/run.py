"""Validate pandas frames with exported suites in Great Expectations, and build GX Data Docs.

Everything GX happens in an ephemeral (in-memory) context that is configured here rather than
discovered: no `gx/` project folder, no temporary docs site (GX's default ephemeral context creates
one under /tmp), analytics and progress bars off. One checkpoint per table, because a checkpoint
passes the same batch parameters (the dataframe) to all its validations.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lockgate.gx.frames import prepare

SITE = "lockgate"


@dataclass(frozen=True)
class Outcome:
    """One expectation's result, tied back to the lockgate rule it came from."""

    table: str
    rule: str
    severity: str  # lockgate's: error | warning | info
    expectation: str
    success: bool
    error: str | None = None  # why GX could not evaluate it (missing table or column, ...)

    @property
    def blocking(self) -> bool:
        return self.severity == "error"


@dataclass
class GxRun:
    outcomes: list[Outcome] = field(default_factory=list)
    missing_tables: list[str] = field(default_factory=list)
    index: Path | None = None

    @property
    def passed(self) -> bool:
        """True when every error-severity expectation passed (warnings and info never fail it)."""
        return all(o.success for o in self.outcomes if o.blocking)

    def by_rule(self) -> dict[str, bool]:
        """A rule passes in GX when all of its expectations pass."""
        verdicts: dict[str, bool] = {}
        for o in self.outcomes:
            verdicts[o.rule] = verdicts.get(o.rule, True) and o.success
        return verdicts


def validate(
    suites: Mapping[str, Mapping[str, Any]],
    frames: Mapping[str, Any],
    *,
    docs_dir: Path | None = None,
    run_name: str = "lockgate",
) -> GxRun:
    """Run each table's suite on its frame (None or absent: the table does not exist).

    With `docs_dir`, GX Data Docs (suites and validation results) are written there.
    """
    gx = _import_gx()
    from great_expectations.core.run_identifier import RunIdentifier

    context = _context(gx, docs_dir)
    source = context.data_sources.add_pandas("lockgate")
    run = GxRun()
    run_id = RunIdentifier(run_name=run_name)
    for table, suite_json in suites.items():
        df = frames.get(table)
        if df is None:
            run.missing_tables.append(table)
            run.outcomes.extend(_not_run(table, suite_json, f"table {table} does not exist"))
            continue
        batch = source.add_dataframe_asset(name=table).add_batch_definition_whole_dataframe(
            "whole table"
        )
        suite = context.suites.add(gx.ExpectationSuite(**copy.deepcopy(dict(suite_json))))
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=suite.name, data=batch, suite=suite)
        )
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(
                name=suite.name,
                validation_definitions=[definition],
                result_format={"result_format": "SUMMARY"},
            )
        )
        result = checkpoint.run(
            batch_parameters={"dataframe": prepare(df, suite_json)}, run_id=run_id
        )
        for validation in result.run_results.values():
            run.outcomes.extend(_outcome(table, r) for r in validation.results)
    if docs_dir is not None:
        context.build_data_docs(site_names=[SITE])
        run.index = docs_dir / "index.html"
    return run


def _import_gx():
    # GX 1.24 sends nothing itself, but older 1.x releases read this before sending usage statistics.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    return gx


def _context(gx, docs_dir: Path | None):
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    sites = {}
    if docs_dir is not None:
        sites[SITE] = {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(docs_dir),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        data_docs_sites=sites,
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _outcome(table: str, result) -> Outcome:
    config = result.expectation_config
    meta = config.meta or {}
    info = result.exception_info or {}
    error = info.get("exception_message") if info.get("raised_exception") else None
    return Outcome(
        table=table,
        rule=meta.get("lockgate_rule", "?"),
        severity=meta.get("severity", "error"),
        expectation=config.type,
        success=bool(result.success),
        error=error,
    )


def _not_run(table: str, suite_json: Mapping[str, Any], why: str) -> list[Outcome]:
    return [
        Outcome(table, e["meta"]["lockgate_rule"], e["meta"]["severity"], e["type"], False, why)
        for e in suite_json.get("expectations", [])
    ]
