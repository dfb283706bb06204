"""ML pipeline specs (`contracts/models/*.yaml`): the part the blast radius needs.

A spec names the contract and table its training data comes from, and the columns the model
reads. Reading only those keys keeps `lockgate diff` working while the rest of the spec format
evolves with the Dagster pipeline factory.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SPEC_GLOBS = ("*.yaml", "*.yml")


@dataclass(frozen=True)
class ModelSpec:
    name: str
    path: Path
    contract: Path  # resolved: the spec gives it relative to its own file
    table: str
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    target: str | None
    time_column: str | None

    def roles(self) -> dict[str, str]:
        """Column -> what the model uses it for."""
        roles = {c: "numeric feature" for c in self.numeric}
        roles.update({c: "categorical feature" for c in self.categorical})
        if self.time_column:
            roles[self.time_column] = "time column"
        if self.target:
            roles[self.target] = "target"
        return roles


def load_specs(directory: Path) -> tuple[list[ModelSpec], list[str]]:
    """Every spec under `directory` (not recursive), and a note per file that is not one."""
    specs, notes = [], []
    files = sorted({p for g in SPEC_GLOBS for p in directory.glob(g)})
    for path in files:
        if path.name.endswith((".odcs.yaml", ".odcs.yml")):
            continue  # a model's data contract living next to the specs
        try:
            specs.append(parse_spec(path))
        except (OSError, yaml.YAMLError, ValueError) as exc:
            notes.append(f"{path}: not read as a model spec: {str(exc).splitlines()[0]}")
    return specs, notes


def parse_spec(path: Path) -> ModelSpec:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("expected a mapping")
    source = data.get("source")
    if not isinstance(data.get("name"), str) or not isinstance(source, dict):
        raise ValueError("expected `name` and `source: {contract, table}`")
    if not isinstance(source.get("contract"), str) or not isinstance(source.get("table"), str):
        raise ValueError("source needs `contract` (a path relative to the spec) and `table`")
    raw_features = data.get("features")
    features = raw_features if isinstance(raw_features, dict) else {}
    return ModelSpec(
        name=data["name"],
        path=path,
        contract=(path.parent / source["contract"]).resolve(),
        table=source["table"],
        numeric=_names(features.get("numeric")),
        categorical=_names(features.get("categorical")),
        target=data.get("target") if isinstance(data.get("target"), str) else None,
        time_column=data.get("time_column") if isinstance(data.get("time_column"), str) else None,
    )


def _names(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(
        v if isinstance(v, str) else str(v.get("name")) for v in value if isinstance(v, (str, dict))
    )
