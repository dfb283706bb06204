"""Training set, out-of-time split, fitting and evaluation for a ModelSpec (scikit-learn).

Deterministic by construction: the same rows give the same model and metrics on any machine and
under any load. Rows are put in one total order (a warehouse returns them in whatever order its
threads produced), estimators that take a `random_state` get a fixed one unless the spec sets it,
and fitting and scoring run on one thread (a parallel sum adds floats in a varying order).
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lockgate.ml.spec import ModelSpec


@dataclass(frozen=True)
class Split:
    train: pd.DataFrame
    holdout: pd.DataFrame
    cutoff: pd.Timestamp  # holdout rows have time >= cutoff


def prepare(spec: ModelSpec, frame: pd.DataFrame) -> pd.DataFrame:
    """The labelled rows with the spec's columns, in time order."""
    missing = [c for c in spec.columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{spec.name}: the source table lacks column(s) {', '.join(missing)}")
    rows = frame
    if spec.where_true:
        rows = rows[rows[spec.where_true].fillna(False).astype(bool)]
    rows = rows[rows[spec.target].notna()]
    columns = list(spec.columns)
    # time first, then every other column: a total order, whatever order the rows came in
    order = [spec.time_column, *(c for c in columns if c != spec.time_column)]
    return rows[columns].sort_values(order, kind="stable").reset_index(drop=True)


def out_of_time_split(spec: ModelSpec, rows: pd.DataFrame) -> Split:
    """The last `holdout_days` of the time column are the holdout: the model is judged on the
    future it did not see, as in production."""
    times = pd.to_datetime(rows[spec.time_column])
    cutoff = times.max().normalize() - pd.Timedelta(days=spec.holdout_days - 1)
    train, holdout = rows[times < cutoff], rows[times >= cutoff]
    if len(train) < spec.min_train_rows:
        raise ValueError(
            f"{spec.name}: {len(train)} training rows before {cutoff.date()}; the spec asks for at least {spec.min_train_rows}"
        )
    if len(holdout) < spec.min_holdout_rows:
        raise ValueError(
            f"{spec.name}: {len(holdout)} holdout rows from {cutoff.date()}; the spec asks for at least {spec.min_holdout_rows}"
        )
    return Split(train.reset_index(drop=True), holdout.reset_index(drop=True), cutoff)


def build_pipeline(spec: ModelSpec):
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    estimator_cls = _estimator_class(spec)
    transformers = []
    if spec.numeric:
        transformers.append(
            (
                "numeric",
                SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
                list(spec.numeric),
            )
        )
    if spec.categorical:
        encoder = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
        categorical = Pipeline(
            [
                ("fill", SimpleImputer(strategy="constant", fill_value="__missing__")),
                ("encode", encoder),
            ]
        )
        transformers.append(("categorical", categorical, list(spec.categorical)))
    params = dict(spec.estimator_params)
    accepted = inspect.signature(estimator_cls).parameters
    if "random_state" in accepted and params.get("random_state") is None:
        params["random_state"] = DEFAULT_RANDOM_STATE
    return Pipeline(
        [("features", ColumnTransformer(transformers)), ("model", estimator_cls(**params))]
    )


DEFAULT_RANDOM_STATE = 0


def _estimator_class(spec: ModelSpec) -> type:
    """The spec's estimator class, refused unless it is a classifier of an allowed package (the
    spec is untrusted: see `lockgate.ml.spec.estimator_refusal`), before anything is called."""
    from sklearn.base import BaseEstimator, ClassifierMixin

    from lockgate.ml.spec import estimator_refusal

    refused = estimator_refusal(spec.estimator_class)
    if refused:
        raise ValueError(f"{spec.name}: {refused}")
    module_name, _, class_name = spec.estimator_class.rpartition(".")
    try:
        found = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        shown = f"{spec.name}: cannot import estimator {spec.estimator_class}: {exc}"
        raise ValueError(shown) from None
    classifier = isinstance(found, type) and issubclass(found, BaseEstimator)
    if not (classifier and issubclass(found, ClassifierMixin)):
        shown = f"{spec.name}: estimator {spec.estimator_class} is not a scikit-learn classifier"
        raise ValueError(shown)  # callers report a bad spec as ValueError
    return found


@contextlib.contextmanager
def single_threaded():
    """BLAS and OpenMP on one thread, joblib (`n_jobs`) sequential: results must not depend on the
    machine's cores or load."""
    from joblib import parallel_config
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1), parallel_config(backend="sequential"):
        yield


def fit(spec: ModelSpec, train: pd.DataFrame):
    model = build_pipeline(spec)
    with single_threaded():
        model.fit(_features(spec, train), train[spec.target].astype(int))
    return model


def evaluate(spec: ModelSpec, model, rows: pd.DataFrame) -> dict[str, float]:
    """Discrimination, probability quality and calibration of `model` on `rows`."""
    from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score

    y = rows[spec.target].astype(int).to_numpy()
    with single_threaded():
        p = model.predict_proba(_features(spec, rows))[:, 1]
    single_class = len(np.unique(y)) < 2
    return {
        "rows": int(len(y)),
        "base_rate": float(y.mean()) if len(y) else float("nan"),
        "mean_prediction": float(p.mean()) if len(p) else float("nan"),
        "roc_auc": float("nan") if single_class else float(roc_auc_score(y, p)),
        "average_precision": float("nan") if single_class else float(average_precision_score(y, p)),
        "log_loss": float(log_loss(y, np.clip(p, 1e-6, 1 - 1e-6), labels=[0, 1])),
        "brier": float(brier_score_loss(y, p)),
    }


def _features(spec: ModelSpec, rows: pd.DataFrame) -> pd.DataFrame:
    out = rows[list(spec.features)].copy()
    for column in spec.numeric:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
    for column in spec.categorical:
        out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out
