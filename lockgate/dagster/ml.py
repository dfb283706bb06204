"""An ML project from its spec: training set -> model -> evaluation -> release, as Dagster assets.

Adding a project is adding a spec file: nothing here is specific to one model. Training and
release guard themselves (they read the latest validations of every upstream contract and raise
ContractViolation), because blocking checks only stop steps inside the run where they failed.
"""

# no `from __future__ import annotations`: Dagster reads the config annotations at definition time

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg

from lockgate.contract.loader import load_contract
from lockgate.contract.model import Contract
from lockgate.dagster.failures import release_failure, violation_failure
from lockgate.dagster.resources import LockgateResource
from lockgate.errors import LockgateError
from lockgate.guard import ContractViolation, require_validated
from lockgate.ml.gates import GateResult, release_gates
from lockgate.ml.spec import ModelSpec, load_spec
from lockgate.registry import ModelRegistry, ModelVersion

GUARDED = dg.AutomationCondition.eager() & dg.AutomationCondition.all_deps_blocking_checks_passed()


class TrainingConfig(dg.Config):
    override_guard: bool = False  # train on data whose contracts failed (recorded in the receipt)
    reason: str = ""  # why the guard was overridden; required with override_guard


@dataclass(frozen=True)
class Upstream:
    contract: Path
    asset_key: dg.AssetKey


def ml_pipeline_assets(
    spec_path: str | Path, *, source_key: dg.AssetKey, upstream: Sequence[Upstream]
) -> list[dg.AssetsDefinition]:
    """The spec's training set, model, evaluation and release assets (group: the spec's name).
    They need the `lockgate` resource (LockgateResource) for the history store and registry."""
    spec = load_spec(spec_path)
    return [
        training_set_asset(spec, source_key, upstream),
        model_asset(spec),
        evaluation_asset(spec),
        release_asset(spec, upstream),
    ]


def guard(
    context: dg.AssetExecutionContext,
    lockgate: LockgateResource,
    upstream: Sequence[Upstream],
    stage: str,
    override: TrainingConfig | None = None,
) -> dict[str, Any]:
    """The receipt of the upstream contracts' latest validations; ContractViolation when one
    failed, never ran, or predates the data (unless `override` says to go on, and why)."""
    # lazy: the store's modules (numpy) load when an asset runs, not when the code location loads
    from lockgate.state.store import open_store

    contracts = [load_contract(u.contract) for u in upstream]
    written = _materialized_at(context, upstream, contracts)
    with open_store(lockgate.history) as store:
        try:
            receipt = require_validated(
                contracts, store=store, stage=stage, server=lockgate.server, changed_since=written
            )
        except ContractViolation as exc:
            if override is None or not override.override_guard:
                raise
            if not override.reason.strip():
                raise LockgateError(
                    "override_guard needs a reason (it is recorded in the model's receipt)"
                ) from exc
            context.log.warning(f"GUARD OVERRIDDEN ({override.reason}): {exc}")
            receipt = {
                "stage": stage,
                "passed": False,
                "override": override.reason,
                "contracts": [],
                "problems": [v.describe() for v in exc.violations],
            }
    return receipt


def training_set_asset(
    spec: ModelSpec, source_key: dg.AssetKey, upstream: Sequence[Upstream]
) -> dg.AssetsDefinition:
    @dg.asset(
        key=[spec.name, "training_set"],
        deps=[source_key],
        group_name=spec.name,
        automation_condition=GUARDED,
        description=(
            f"{spec.name}: labelled rows of {spec.table} "
            f"with an out-of-time holdout of {spec.holdout_days} days"
        ),
    )
    def training_set(
        context: dg.AssetExecutionContext, config: TrainingConfig, lockgate: LockgateResource
    ) -> dg.Output:
        return _training_set(context, config, lockgate, spec, upstream)

    return training_set


def _training_set(
    context: dg.AssetExecutionContext,
    config: TrainingConfig,
    lockgate: LockgateResource,
    spec: ModelSpec,
    upstream: Sequence[Upstream],
) -> dg.Output:
    from lockgate.ml.training import out_of_time_split, prepare  # lazy: pandas, scikit-learn

    try:
        receipt = guard(context, lockgate, upstream, f"{spec.name} training", config)
    except ContractViolation as exc:
        raise violation_failure(exc) from None  # shown as is in the UI, not as a traceback
    frame = _read_source(spec, lockgate)
    rows = prepare(spec, frame)
    split = out_of_time_split(spec, rows)
    times = rows[spec.time_column]
    receipt["snapshot"] = {
        "table": spec.table,
        "rows": int(len(frame)),
        "labelled_rows": int(len(rows)),
        "max_time": str(times.max()),
    }
    value = {
        "train": split.train,
        "holdout": split.holdout,
        "cutoff": str(split.cutoff),
        "receipt": receipt,
    }
    return dg.Output(
        value,
        metadata={
            "train_rows": len(split.train),
            "holdout_rows": len(split.holdout),
            "holdout_from": str(split.cutoff.date()),
            "base_rate": float(rows[spec.target].astype(int).mean()),
            "receipt_passed": receipt["passed"],
            "contracts": dg.MetadataValue.json(receipt.get("contracts", [])),
        },
    )


def model_asset(spec: ModelSpec) -> dg.AssetsDefinition:
    @dg.asset(
        key=[spec.name, "model"],
        ins={"data": dg.AssetIn([spec.name, "training_set"])},
        group_name=spec.name,
        automation_condition=dg.AutomationCondition.eager(),
    )
    def model(
        context: dg.AssetExecutionContext, data: dict, lockgate: LockgateResource
    ) -> dg.Output:
        return _model(context, data, lockgate, spec)

    return model


def _model(
    context: dg.AssetExecutionContext, data: dict, lockgate: LockgateResource, spec: ModelSpec
) -> dg.Output:
    from lockgate.ml.environment import training_environment
    from lockgate.ml.training import evaluate, fit  # lazy: scikit-learn

    fitted = fit(spec, data["train"])
    metrics = evaluate(spec, fitted, data["holdout"])
    # what the model was fitted with, for review and for the release gate on `requires`
    environment = training_environment(spec.path, tuple(spec.requires))
    record = {
        "spec": str(spec.path),
        "estimator": spec.estimator_class,
        "params": spec.estimator_params,
        "metrics": metrics,
        "receipt": {**data["receipt"], "environment": environment},
        "holdout_from": data["cutoff"],
        "trained_by_run": context.run.run_id,
    }
    version = ModelRegistry(lockgate.registry_path).register(spec.name, fitted, record)
    context.log.info(
        f"registered {spec.name} {version.version}: "
        f"{spec.metric} {metrics[spec.metric]:.4f} on the holdout"
    )
    return dg.Output(
        version.version,
        metadata={
            "version": version.version,
            spec.metric: metrics[spec.metric],
            "receipt_passed": bool(data["receipt"].get("passed")),
        },
    )


def evaluation_asset(spec: ModelSpec) -> dg.AssetsDefinition:
    @dg.asset(
        key=[spec.name, "evaluation"],
        ins={
            "version": dg.AssetIn([spec.name, "model"]),
            "data": dg.AssetIn([spec.name, "training_set"]),
        },
        group_name=spec.name,
        automation_condition=dg.AutomationCondition.eager(),
    )
    def evaluation(version: str, data: dict, lockgate: LockgateResource) -> dg.Output:
        return _evaluation(version, data, lockgate, spec)

    return evaluation


def _evaluation(version: str, data: dict, lockgate: LockgateResource, spec: ModelSpec) -> dg.Output:
    from lockgate.ml.training import evaluate  # lazy: scikit-learn

    registry = ModelRegistry(lockgate.registry_path)
    candidate = registry.get(spec.name, version)
    champion = registry.alias(spec.name, "champion")
    champion_now = evaluate(spec, champion.load_model(), data["holdout"]) if champion else None
    champion_release = (champion.release or {}).get("candidate") if champion else None
    gates = release_gates(
        spec,
        receipt=candidate.receipt,
        candidate=candidate.metrics,
        champion=champion_now,
        champion_release=champion_release,
        stop_at_first_failure=False,
    )
    report = {
        "version": version,
        "champion": champion.version if champion else None,
        "candidate": candidate.metrics,
        "champion_on_holdout": champion_now,
        "champion_at_release": champion_release,
        "gates": [g.to_dict() for g in gates],
    }
    return dg.Output(
        report,
        metadata={
            "gates": dg.MetadataValue.md(_gates_markdown(gates)),
            "champion": report["champion"] or "none",
        },
    )


def release_asset(spec: ModelSpec, upstream: Sequence[Upstream]) -> dg.AssetsDefinition:
    @dg.asset(
        key=[spec.name, "release"],
        ins={"report": dg.AssetIn([spec.name, "evaluation"])},
        group_name=spec.name,
        automation_condition=dg.AutomationCondition.eager(),
    )
    def release(
        context: dg.AssetExecutionContext, report: dict, lockgate: LockgateResource
    ) -> dg.MaterializeResult:
        return _release(context, report, lockgate, spec, upstream)

    return release


def _release(
    context: dg.AssetExecutionContext,
    report: dict,
    lockgate: LockgateResource,
    spec: ModelSpec,
    upstream: Sequence[Upstream],
) -> dg.MaterializeResult:
    registry = ModelRegistry(lockgate.registry_path)
    candidate = registry.get(spec.name, report["version"])
    gates = [GateResult(**g) for g in report["gates"]]
    failed = next((g for g in gates if not g.passed), None)
    context.log.info(f"release gates for {spec.name} {candidate.version}:\n{_gates_text(gates)}")
    try:
        # the data must still be what was validated
        receipt = guard(context, lockgate, upstream, f"{spec.name} release")
    except ContractViolation as exc:
        _refuse(context, registry, candidate, report, "upstream contracts", str(exc))
        raise violation_failure(exc) from None
    except LockgateError as exc:
        _refuse(context, registry, candidate, report, "upstream contracts", str(exc))
        raise
    if failed is not None:
        why = (
            f"{spec.name} {candidate.version} refused at release: "
            f"gate '{failed.gate}' failed: {failed.detail}"
        )
        _refuse(context, registry, candidate, report, failed.gate, why)
        raise release_failure(f"{why}\n" + _gates_text(gates), report["gates"], failed.gate)
    registry.record_release(
        candidate,
        {
            "passed": True,
            "gates": report["gates"],
            "candidate": candidate.metrics,
            "release_receipt": receipt,
        },
    )
    aliases = registry.promote(spec.name, candidate.version)
    context.log.info(
        f"{spec.name} {candidate.version} is the champion (previous: {aliases['previous']})"
    )
    return dg.MaterializeResult(
        metadata={
            "champion": aliases["champion"],
            "previous": aliases["previous"] or "none",
            "gates": dg.MetadataValue.md(_gates_markdown(gates)),
        }
    )


def _refuse(
    context: dg.AssetExecutionContext,
    registry: ModelRegistry,
    candidate: ModelVersion,
    report: dict,
    gate: str,
    why: str,
) -> None:
    """Record the refusal in the registry and, on the release asset's own page, say why."""
    registry.record_release(
        candidate,
        {
            "passed": False,
            "failed_gate": gate,
            "gates": report["gates"],
            "candidate": candidate.metrics,
        },
    )
    context.log_event(dg.AssetObservation(
        asset_key=context.asset_key, description=why,
        metadata={"refused": candidate.version, "failed_gate": gate, "reason": why},
    ))  # fmt: skip


def _read_source(spec: ModelSpec, lockgate: LockgateResource) -> Any:
    from lockgate.connectors import connect  # lazy: ibis, and the server's driver

    contract = load_contract(spec.contract_path)
    table = contract.table(spec.table)
    if table is None:
        raise LockgateError(f"{spec.name}: contract {contract.id} has no table {spec.table!r}")
    server = contract.server(spec.server or lockgate.server)
    if server is None:
        raise LockgateError(
            f"{spec.name}: contract {contract.id} has no server {spec.server or lockgate.server!r}"
        )
    with connect(server) as connector:
        return connector.fetch_frame(table.physical_name)


def _materialized_at(
    context: dg.AssetExecutionContext, upstream: Sequence[Upstream], contracts: list[Contract]
) -> dict[str, Any]:
    """When each upstream table was last written, from Dagster's event log (a validation that
    started before that no longer vouches for the data). `contracts` are `upstream`'s, loaded."""
    out = {}
    for u, contract in zip(upstream, contracts, strict=True):
        event = context.instance.get_latest_materialization_event(u.asset_key)
        if event is None:
            continue
        for table in contract.tables:
            out[table.name] = dt.datetime.fromtimestamp(event.timestamp, dt.UTC)
    return out


def _gates_text(gates: Sequence[GateResult]) -> str:
    return "\n".join(f"  {'pass' if g.passed else 'FAIL'}  {g.gate}: {g.detail}" for g in gates)


def _gates_markdown(gates: Sequence[GateResult]) -> str:
    rows = "\n".join(f"| {'✅' if g.passed else '❌'} | {g.gate} | {g.detail} |" for g in gates)
    return "| | gate | detail |\n|---|---|---|\n" + rows
