"""Model specs (`contracts/models/*.yaml`): loading with `file:line:col` findings, like
contracts."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lockgate.contract.findings import Finding
from lockgate.contract.source import DocPath, SourceDoc, load_source
from lockgate.errors import ContractError

METRICS = ("roc_auc", "average_precision", "log_loss", "brier")
LOWER_IS_BETTER = {"log_loss", "brier"}
MONITORING_ACTIONS = ("alert", "rollback")  # what a failed monitoring window does besides alerting

_KEYS: dict[DocPath, tuple[str, ...]] = {
    (): (
        "apiVersion",
        "kind",
        "name",
        "description",
        "owner",
        "source",
        "features",
        "target",
        "time_column",
        "split",
        "estimator",
        "metric",
        "release",
        "onMonitoringFailure",
        "requires",
    ),
    ("source",): ("contract", "table", "server", "where_true"),
    ("features",): ("numeric", "categorical"),
    ("split",): ("holdout_days", "min_train_rows", "min_holdout_rows"),
    ("estimator",): ("class", "params"),
    ("release",): (
        "floors",
        "max_drop_vs_champion",
        "max_drop_vs_champion_release",
        "max_calibration_gap",
    ),
}


@dataclass(frozen=True)
class ReleasePolicy:
    floors: dict[str, float] = field(default_factory=dict)  # metric -> minimum (maximum for losses)
    max_drop_vs_champion: float = 0.0  # on the same fresh holdout
    max_drop_vs_champion_release: float = 0.02  # vs the champion's own score when it was released
    max_calibration_gap: float = 0.05  # |mean prediction - base rate|


@dataclass(frozen=True)
class ModelSpec:
    name: str
    path: Path
    contract_path: Path
    table: str
    server: str | None
    where_true: str | None
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    target: str
    time_column: str
    holdout_days: int
    min_train_rows: int
    min_holdout_rows: int
    estimator_class: str
    estimator_params: dict[str, Any]
    metric: str
    release: ReleasePolicy
    description: str = ""
    on_monitoring_failure: str = "alert"
    # distribution name -> version specifier the training environment must satisfy at release
    requires: dict[str, str] = field(default_factory=dict)

    @property
    def features(self) -> tuple[str, ...]:
        return self.numeric + self.categorical

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the pipeline reads (for lineage and the training snapshot)."""
        extra = (self.where_true,) if self.where_true else ()
        return tuple(dict.fromkeys(self.features + (self.target, self.time_column) + extra))


def load_spec(path: str | Path) -> ModelSpec:
    doc = load_source(path)
    findings = list(doc.findings)
    if doc.data is not None:
        findings += _check(doc)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise ContractError(findings)
    return _build(Path(path), doc.data)


def discover_specs(directory: str | Path) -> list[ModelSpec]:
    return [load_spec(p) for p in sorted(Path(directory).glob("*.yaml"))]


def _check(doc: SourceDoc) -> list[Finding]:
    out: list[Finding] = []
    data = doc.data

    def err(path: DocPath, message: str, code: str, key: bool = False) -> None:
        out.append(Finding(doc.locate(path, key=key), message, "error", code))

    if not isinstance(data, dict):
        err((), "expected a model spec mapping (name, source, features, target, ...)", "spec")
        return out
    for parent, allowed in _KEYS.items():
        node: Any = data
        for part in parent:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            continue
        for key in node:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = (
                    f"did you mean '{close[0]}'?"
                    if close
                    else f"expected one of {', '.join(allowed)}"
                )
                err(parent + (key,), f"unknown key '{key}'; {hint}", "unknown-key", key=True)
    for required in ("name", "source", "features", "target", "time_column", "estimator"):
        if required not in data:
            err((), f"missing required key '{required}'", "missing-field")
    source = data.get("source") or {}
    for required in ("contract", "table"):
        if isinstance(source, dict) and required not in source:
            err(("source",), f"source needs '{required}'", "missing-field")
    if isinstance(source, dict) and "contract" in source:
        contract = Path(doc.file).parent / str(source["contract"])
        if not contract.exists():
            err(("source", "contract"), f"contract file {contract} does not exist", "missing-file")
    features = data.get("features") or {}
    if isinstance(features, dict) and not (features.get("numeric") or features.get("categorical")):
        err(("features",), "features needs at least one of numeric, categorical", "missing-field")
    metric = data.get("metric", "roc_auc")
    if metric not in METRICS:
        err(
            ("metric",),
            f"unknown metric {metric!r}; expected one of {', '.join(METRICS)}",
            "invalid-value",
        )
    floors = (data.get("release") or {}).get("floors") or {}
    for name in floors if isinstance(floors, dict) else ():
        if name not in METRICS:
            err(
                ("release", "floors", name),
                f"unknown metric {name!r}; expected one of {', '.join(METRICS)}",
                "invalid-value",
                key=True,
            )
    action = data.get("onMonitoringFailure", "alert")
    if action not in MONITORING_ACTIONS:
        err(
            ("onMonitoringFailure",),
            f"onMonitoringFailure must be one of {', '.join(MONITORING_ACTIONS)}, got {action!r}",
            "invalid-value",
        )
    out += _check_requires(doc, data.get("requires"))
    estimator = data.get("estimator") or {}
    refused = estimator_refusal(estimator.get("class")) if isinstance(estimator, dict) else None
    if refused:
        err(("estimator", "class"), refused, "invalid-value")
    return out


# `estimator.class` is imported and called with the spec's `params`: a spec in a pull request
# naming `subprocess.Popen` would run a program at training time. Only these packages' modules
# are imported, and only a classifier class of them is called (lockgate.ml.training).
ESTIMATOR_PACKAGES = ("sklearn", "lightgbm", "xgboost", "catboost")


def estimator_refusal(path: Any) -> str | None:
    """Why `estimator.class` may not be imported, or None."""
    text = str(path or "")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+", text):
        return (
            "estimator.class must be an import path, e.g. sklearn.linear_model.LogisticRegression"
        )
    if text.split(".", 1)[0] not in ESTIMATOR_PACKAGES:
        return (
            f"estimator.class {text!r}: only classifiers of {', '.join(ESTIMATOR_PACKAGES)} "
            "may be named (a spec must not choose what code runs)"
        )
    return None


def _check_requires(doc: SourceDoc, requires: Any) -> list[Finding]:
    """`requires: {scikit-learn: ">=1.9,<2"}`: PEP 440 specifiers, checked here so that a typo is a
    lint error at its line, not a refused release."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    if requires is None:
        return []
    if not isinstance(requires, dict):
        message = (
            "requires must map a distribution to a version specifier, e.g. {scikit-learn: "
            '">=1.9,<2"}'
        )
        return [Finding(doc.locate(("requires",)), message, "error", "invalid-value")]
    out = []
    for name, specifier in requires.items():
        where = doc.locate(("requires", name))
        if not isinstance(name, str) or not _DISTRIBUTION.fullmatch(name):
            out.append(
                Finding(
                    doc.locate(("requires", name), key=True),
                    f"invalid distribution name {name!r}",
                    "error",
                    "invalid-value",
                )
            )
            continue
        try:
            SpecifierSet(str(specifier))
        except InvalidSpecifier:
            out.append(
                Finding(
                    where,
                    f"invalid version specifier {specifier!r} for {name} (PEP 440, e.g. "
                    "'>=1.9,<2')",
                    "error",
                    "invalid-value",
                )
            )
    return out


_DISTRIBUTION = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")


def _build(path: Path, data: dict[str, Any]) -> ModelSpec:
    source, features, split = data["source"], data["features"], data.get("split") or {}
    release = data.get("release") or {}
    return ModelSpec(
        name=str(data["name"]),
        path=path,
        contract_path=(path.parent / source["contract"]),
        table=str(source["table"]),
        server=source.get("server"),
        where_true=source.get("where_true"),
        numeric=tuple(features.get("numeric") or ()),
        categorical=tuple(features.get("categorical") or ()),
        target=str(data["target"]),
        time_column=str(data["time_column"]),
        holdout_days=int(split.get("holdout_days", 14)),
        min_train_rows=int(split.get("min_train_rows", 200)),
        min_holdout_rows=int(split.get("min_holdout_rows", 100)),
        estimator_class=str(data["estimator"]["class"]),
        estimator_params=dict(data["estimator"].get("params") or {}),
        metric=str(data.get("metric", "roc_auc")),
        release=ReleasePolicy(
            floors={k: float(v) for k, v in (release.get("floors") or {}).items()},
            max_drop_vs_champion=float(release.get("max_drop_vs_champion", 0.0)),
            max_drop_vs_champion_release=float(release.get("max_drop_vs_champion_release", 0.02)),
            max_calibration_gap=float(release.get("max_calibration_gap", 0.05)),
        ),
        description=str(data.get("description", "")),
        on_monitoring_failure=str(data.get("onMonitoringFailure", "alert")),
        requires={str(k): str(v) for k, v in (data.get("requires") or {}).items()},
    )
