"""Training is a function of the rows, not of their order, the machine's cores or its load."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lockgate.ml.spec import load_spec
from lockgate.ml.training import evaluate, fit, out_of_time_split, prepare

SPEC = """\
name: toy
source: {{contract: toy.odcs.yaml, table: events}}
features:
  numeric: [x1, x2]
  categorical: [color]
target: y
time_column: ts
split: {{holdout_days: 10, min_train_rows: 100, min_holdout_rows: 50}}
estimator:
  class: sklearn.ensemble.HistGradientBoostingClassifier
  params: {params}
metric: roc_auc
"""


def _spec(tmp_path, params: str):
    (tmp_path / "toy.odcs.yaml").write_text("apiVersion: v3.1.0\n")
    (tmp_path / "toy.yaml").write_text(SPEC.format(params=params))
    return load_spec(tmp_path / "toy.yaml")


def _frame(n: int = 12_000) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    color = rng.choice(["red", "blue", "green"], size=n)
    y = rng.random(n) < 1 / (1 + np.exp(-(1.2 * x1 - x2 + (color == "red") * 0.8)))
    # whole seconds: many rows share a timestamp, as requests landed by the simulator do
    seconds = np.sort(rng.integers(0, 60 * 86_400, size=n))
    ts = pd.Timestamp("2026-01-01") + pd.to_timedelta(seconds // 600 * 600, unit="s")
    return pd.DataFrame({"ts": ts, "x1": x1, "x2": x2, "color": color, "y": y})


@pytest.mark.parametrize("params", ["{max_iter: 50}", "{max_iter: 50, random_state: 0}"])
def test_the_same_rows_in_any_order_give_the_same_model(tmp_path, params):
    """Early stopping (on by default above 10k rows) draws its validation rows by position: without
    one total row order and a fixed seed, two runs on the same table trained different models."""
    spec = _spec(tmp_path, params)
    frame = _frame()
    metrics = []
    for order in (frame, frame.sample(frac=1.0, random_state=1), frame[::-1]):
        split = out_of_time_split(spec, prepare(spec, order.reset_index(drop=True)))
        model = fit(spec, split.train)
        assert model.named_steps["model"].do_early_stopping_  # it draws validation rows by position
        metrics.append(evaluate(spec, model, split.holdout))
    assert metrics[0] == metrics[1] == metrics[2], metrics
    assert metrics[0]["roc_auc"] > 0.7, metrics[0]
