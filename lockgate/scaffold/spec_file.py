"""The model spec a new project starts from: features chosen from the table's contract, and
defaults for the split, the estimator and the release gates that a reviewer then tightens.

Column and table names come from a contract, which is untrusted input: every one is written as a
YAML scalar that cannot break out of its line (quoted unless it is a plain identifier).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import yaml

from lockgate.contract.model import Column, Table
from lockgate.errors import UsageError

NUMERIC_TYPES = {"integer", "number"}
CATEGORICAL_TYPES = {"string", "boolean"}
TIME_TYPES = {"date", "timestamp", "time"}
# a target must be binary: the metrics and the calibration gate are those of a classifier
TARGET_TYPES = {"boolean", "integer"}

_PLAIN = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_./-]*")


@dataclass(frozen=True)
class Features:
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    left_out: tuple[str, ...]  # "column (why)", shown to the user


def choose_features(
    table: Table, *, target: str, time_column: str, where_true: str | None
) -> Features:
    """Every column that can be a feature: numbers are numeric, strings and booleans categorical.
    Left out: the target, the time and filter columns, keys and `*_id` columns (identifiers
    memorise rows instead of generalising), and dates and timestamps (absolute times do not
    carry to the future the model will score)."""
    _require(table, target, TARGET_TYPES, "--target", "a binary column (boolean, or a 0/1 integer)")
    _require(table, time_column, TIME_TYPES, "--time-column", "a date or timestamp column")
    if where_true:
        _require(table, where_true, {"boolean"}, "--where-true", "a boolean column")
    reserved = {target, time_column, where_true}
    numeric, categorical, left_out = [], [], []
    for column in table.columns:
        name = column.physical_name
        why = _not_a_feature(column, reserved)
        if why:
            if name not in reserved:
                left_out.append(f"{name} ({why})")
        elif column.logical_type in NUMERIC_TYPES:
            numeric.append(name)
        else:
            categorical.append(name)
    if not numeric and not categorical:
        raise UsageError(
            f"table {table.name} has no column usable as a feature "
            f"(left out: {', '.join(left_out)})"
        )
    return Features(tuple(numeric), tuple(categorical), tuple(left_out))


def _not_a_feature(column: Column, reserved: set[str | None]) -> str | None:
    name = column.physical_name
    if name in reserved or column.name in reserved:
        return "target, time or filter"
    if column.primary_key or column.unique:
        return "a key"
    if name.lower() == "id" or name.lower().endswith("_id"):
        return "an identifier"
    if column.logical_type in TIME_TYPES:
        return "a date or time"
    if column.logical_type not in NUMERIC_TYPES | CATEGORICAL_TYPES:
        return f"logicalType {column.logical_type or 'missing'}"
    return None


def _require(table: Table, name: str, types: set[str], option: str, what: str) -> None:
    column = next((c for c in table.columns if name in (c.physical_name, c.name)), None)
    if column is None:
        known = ", ".join(c.physical_name for c in table.columns)
        raise UsageError(
            f"{option} {name!r}: table {table.name} has no such column (columns: {known})"
        )
    if column.logical_type not in types:
        raise UsageError(
            f"{option} {name!r} must be {what}; the contract says logicalType {column.logical_type}"
        )


def render_spec(
    model: str,
    *,
    contract: str,
    table: str,
    target: str,
    time_column: str,
    where_true: str | None,
    features: Features,
    requires: dict[str, str],
) -> str:
    """The spec as YAML, with a comment on each default a reviewer should look at."""
    q = _scalar
    description = f"Probability of {target} for a row of {table}, scored at {time_column}."
    lines = [
        f"# {model}: predicts {target} from {table}, judged on the newest days it never saw.",
        "# Scaffolded by `lockgate new`; review it: drop any feature not known at prediction time",
        "# (a leak scores well on the holdout and fails in production). The code location builds",
        "# this project's guarded Dagster pipeline from this file alone.",
        f"name: {q(model)}",
        f"description: {q(description)}",
        "source:",
        f"  contract: {q(contract)}  # training is refused unless the table passed this contract",
        f"  table: {q(table)}",
    ]
    if where_true:
        lines.append(
            f"  where_true: {q(where_true)}  # train and evaluate on rows whose label is known"
        )
    lines.append("features:")
    for kind, names in (("numeric", features.numeric), ("categorical", features.categorical)):
        if names:
            lines.append(f"  {kind}:")
            lines += [f"    - {q(n)}" for n in names]
    lines += [
        f"target: {q(target)}",
        f"time_column: {q(time_column)}",
        "split:",
        "  holdout_days: 14  # the newest 14 days: an out-of-time holdout",
        "  min_train_rows: 500",
        "  min_holdout_rows: 100",
        "estimator:",
        "  class: sklearn.ensemble.HistGradientBoostingClassifier",
        "  params:",
        "    max_iter: 200",
        "    learning_rate: 0.05",
        "    random_state: 0  # the same data gives the same model",
        "metric: roc_auc",
        "release:",
        "  floors:",
        "    roc_auc: 0.6  # raise it to what the model must never fall below",
        "  max_drop_vs_champion: 0.005  # on the same fresh holdout",
        "  max_drop_vs_champion_release: 0.02  # vs the champion's own score at its release",
        "  max_calibration_gap: 0.05  # |mean prediction - base rate|",
    ]
    if requires:
        lines.append("requires:  # release refuses a model trained with other versions")
        lines += [f"  {q(name)}: {q(spec)}" for name, spec in requires.items()]
    return "\n".join(lines) + "\n"


def _scalar(value: str) -> str:
    """A YAML scalar for `value`: plain when it is a name or path that YAML reads back as the same
    string (not `yes`, `null` or `1.0`), else a double-quoted string (JSON's escaping is valid
    YAML and keeps newlines, quotes and `#` inside the value)."""
    if _PLAIN.fullmatch(value) and yaml.safe_load(value) == value:
        return value
    return json.dumps(value)  # ASCII-only: U+2028 and friends are escaped, not line breaks
