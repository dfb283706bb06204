"""Check one window of the prediction log against a model version's monitoring contract.

The verdict goes to the history store like any other validation (the window is the load, its
end the logical time, so re-checking a window gives the same verdict). A failed blocking rule
on the champion of a spec with `onMonitoringFailure: rollback` moves the champion alias back
(`ModelRegistry.rollback`); the server follows the alias without a restart.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from lockgate.contract.loader import load_contract
from lockgate.contract.model import Contract
from lockgate.ml.spec import ModelSpec
from lockgate.monitor.contract import (
    PREDICTION,
    REFERENCE_NAME,
    MonitoringPolicy,
    monitoring_document,
    predictions_table,
    write_document,
)
from lockgate.monitor.window import Window, read_window, require_log
from lockgate.registry import ModelRegistry, RegistryError
from lockgate.results.model import ValidationResult


def default_monitoring_root() -> Path:
    return Path(os.environ.get("LOCKGATE_MONITORING", ".lockgate/monitoring"))


@dataclass
class MonitorOutcome:
    model: str
    version: str
    window: Window
    result: ValidationResult
    action: str | None = None  # what the policy did, e.g. "rolled back from v2 to v1"
    champion_after: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[Any]:
        return [r for r in self.result.results if not r.passed]

    @property
    def passed(self) -> bool:
        return not any(r.blocking_failure for r in self.result.results)


def monitoring_contract(
    spec: ModelSpec,
    registry: ModelRegistry,
    version: str,
    *,
    root: Path | None = None,
    reference_frame: pd.DataFrame | None = None,
    policy: MonitoringPolicy | None = None,
) -> Contract:
    """The version's monitoring contract, generated (with its reference profile) on first use.

    The reference profile summarises the rows the version was trained on and its own
    predictions on them: given as `reference_frame` (the source table's rows), or read from
    the feature contract's server.
    """
    policy = policy or MonitoringPolicy()
    folder = (root or default_monitoring_root()) / spec.name / version
    features = load_contract(spec.contract_path)
    reference_path = folder / REFERENCE_NAME
    if not reference_path.exists():
        frame = reference_frame if reference_frame is not None else _source_rows(spec, features)
        _write_reference(spec, registry, version, features, frame, folder)
    from lockgate.state.reference import load_reference

    reference = load_reference(reference_path)
    document = monitoring_document(spec, features, version, policy=policy, reference=reference)
    return load_contract(write_document(folder, document))


def _write_reference(spec, registry, version, features, frame, folder: Path) -> None:
    from lockgate.ml.training import _features, out_of_time_split, prepare
    from lockgate.state.reference_build import reference_from_frames

    model = registry.get(spec.name, version).load_model()
    train = out_of_time_split(spec, prepare(spec, frame)).train
    rows = _features(spec, train)
    rows[PREDICTION] = model.predict_proba(rows)[:, 1]
    # the contract without drift rules describes the table the reference summarises
    bare = load_contract(write_document(folder, monitoring_document(spec, features, version)))
    profile = reference_from_frames(bare, {predictions_table(spec): rows})
    profile.source = f"{spec.name} {version}: training rows and their predictions"
    tmp = folder / f".{REFERENCE_NAME}.tmp"
    tmp.write_text(profile.to_json(), encoding="utf-8")
    tmp.replace(folder / REFERENCE_NAME)


def _source_rows(spec: ModelSpec, features: Contract) -> pd.DataFrame:
    from lockgate.connectors import connect

    table = features.table(spec.table)
    server = features.server(spec.server)
    if table is None or server is None:
        raise RegistryError(
            f"{spec.name}: no training rows to build the monitoring reference from "
            f"(contract {features.id} names no server with table {spec.table})"
        )
    with connect(server) as connector:
        return connector.fetch_frame(table.physical_name)


def monitor(
    spec: ModelSpec,
    *,
    log: Path,
    window: Window,
    registry: ModelRegistry,
    version: str | None = None,
    history=None,
    root: Path | None = None,
    reference_frame: pd.DataFrame | None = None,
    policy: MonitoringPolicy | None = None,
) -> MonitorOutcome:
    """Check `window` of the log for `version` (default: the current champion)."""
    from lockgate.validation import validate_frames

    require_log(log)
    champion = registry.aliases(spec.name).get("champion")
    version = version or champion
    if not version:
        raise RegistryError(f"model {spec.name!r} has no champion to monitor")
    contract = monitoring_contract(
        spec, registry, version, root=root, reference_frame=reference_frame, policy=policy
    )
    source = contract.table(predictions_table(spec))
    assert source is not None  # monitoring_contract declares the predictions table
    integers = tuple(c.physical_name for c in source.columns if c.logical_type == "integer")
    frames = read_window(log, spec, window, version, integers)
    result = validate_frames(contract, frames, now=window.end, history=history)
    outcome = MonitorOutcome(spec.name, version, window, result, champion_after=champion)
    if not outcome.passed and spec.on_monitoring_failure == "rollback":
        _roll_back(outcome, registry, champion)
    return outcome


def _roll_back(outcome: MonitorOutcome, registry: ModelRegistry, champion: str | None) -> None:
    if champion != outcome.version:
        outcome.notes.append(
            f"{outcome.version} is no longer the champion ({champion}); nothing to roll back"
        )
        return
    try:
        aliases = registry.rollback(outcome.model)
    except RegistryError as exc:
        outcome.notes.append(f"rollback refused: {exc}")
        return
    outcome.champion_after = aliases["champion"]
    outcome.action = (
        f"rolled back {outcome.model} from {outcome.version} to {aliases['champion']} "
        "(onMonitoringFailure: rollback)"
    )


def parse_duration(text: str) -> dt.timedelta:
    """`30m`, `1h`, `2d`, `90s`."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    text = text.strip()
    if len(text) < 2 or text[-1] not in units or not text[:-1].isdigit() or int(text[:-1]) <= 0:
        raise ValueError(f"expected a duration such as 30m, 1h or 2d, got {text!r}")
    return dt.timedelta(seconds=int(text[:-1]) * units[text[-1]])
