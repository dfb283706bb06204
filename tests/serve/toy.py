"""A small model project for the serving tests: a feature contract with record rules, a spec, a
generated frame, and a registry with two released versions (v1, v2) trained on it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: toy-features
name: Toy features
version: 1.0.0
status: active
schema:
  - name: events
    physicalType: table
    properties:
      - name: event_id
        logicalType: string
        primaryKey: true
      - name: x1
        logicalType: number
        required: true
        logicalTypeOptions: {minimum: -10, maximum: 10}
      - name: x2
        logicalType: number
        logicalTypeOptions: {exclusiveMinimum: -50}
        quality:
          - metric: nullValues
            mustBeLessOrEqualTo: 5
            unit: percent
      - name: n
        logicalType: integer
        required: true
        logicalTypeOptions: {minimum: 0, maximum: 100}
      - name: color
        logicalType: string
        required: true
        quality:
          - metric: invalidValues
            arguments: {validValues: [red, blue, green]}
            mustBe: 0
      - name: code
        logicalType: string
        logicalTypeOptions: {pattern: '^[A-Z]{2}[0-9]$', maxLength: 3}
        quality:
          - metric: missingValues
            arguments: {missingValues: ['', 'N/A']}
            mustBe: 0
      - name: ts
        logicalType: timestamp
        required: true
      - name: labelled
        logicalType: boolean
        required: true
      - name: y
        logicalType: boolean
        required: true
"""

SPEC = """\
name: toy
description: A toy classifier for the serving tests.
source:
  contract: ../contracts/toy.odcs.yaml
  table: events
  where_true: labelled
features:
  numeric: [x1, x2, n]
  categorical: [color, code]
target: y
time_column: ts
split:
  holdout_days: 10
  min_train_rows: 100
  min_holdout_rows: 50
estimator:
  class: sklearn.linear_model.LogisticRegression
  params: {max_iter: 200}
metric: roc_auc
"""

FEATURES = ("x1", "x2", "n", "color", "code")


def toy_frame(n: int = 1500, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    count = rng.integers(0, 50, size=n)
    color = rng.choice(["red", "blue", "green"], size=n)
    code = rng.choice(["AB1", "CD2", "EF3"], size=n)
    logit = 1.5 * x1 - x2 + (color == "red") * 0.8 + count / 50
    y = rng.random(n) < 1 / (1 + np.exp(-logit))
    ts = pd.Timestamp("2026-01-01") + pd.to_timedelta(np.sort(rng.uniform(0, 60, size=n)), unit="D")
    return pd.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(n)],
            "x1": x1,
            "x2": x2,
            "n": count,
            "color": color,
            "code": code,
            "ts": ts,
            "labelled": True,
            "y": y,
        }
    )


def records(frame: pd.DataFrame, count: int, start: int = 0) -> list[dict]:
    rows = frame.iloc[start : start + count][list(FEATURES)]
    return [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
        for _, row in rows.iterrows()
    ]


@dataclass(frozen=True)
class ToyProject:
    root: Path
    specs: Path
    registry: Path
    frame: pd.DataFrame

    @property
    def contract(self) -> Path:
        return self.root / "contracts" / "toy.odcs.yaml"


def write_project(root: Path) -> tuple[Path, Path]:
    specs = root / "specs"
    specs.mkdir(parents=True, exist_ok=True)
    (root / "contracts").mkdir(exist_ok=True)
    (root / "contracts" / "toy.odcs.yaml").write_text(CONTRACT)
    (specs / "toy.yaml").write_text(SPEC)
    return specs, root / "registry"


def train_and_release(
    specs: Path, registry_root: Path, frame: pd.DataFrame, *, versions: int = 2
) -> None:
    """Register `versions` models (v1 on the first half of the frame, later ones on all of it),
    each with a passing receipt and release record; the last one is the champion."""
    from lockgate.ml.spec import load_spec
    from lockgate.ml.training import evaluate, fit, out_of_time_split, prepare
    from lockgate.registry import ModelRegistry

    spec = load_spec(specs / "toy.yaml")
    registry = ModelRegistry(registry_root)
    rows = prepare(spec, frame)
    for number in range(versions):
        data = rows.iloc[: len(rows) // 2] if number == 0 else rows
        split = out_of_time_split(spec, data.reset_index(drop=True))
        model = fit(spec, split.train)
        metrics = evaluate(spec, model, split.holdout)
        receipt = {
            "passed": True,
            "contracts": [{"id": "toy-features", "version": "1.0.0"}],
            "problems": [],
        }
        version = registry.register(spec.name, model, {"metrics": metrics, "receipt": receipt})
        registry.record_release(version, {"passed": True, "gates": [], "candidate": metrics})
        registry.promote(spec.name, version.version)
