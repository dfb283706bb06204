"""Release gates, in DESIGN.md's order. Each gate is a small function returning a GateResult;
the release is refused at the first failed gate, and every result is recorded."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from lockgate.ml.spec import LOWER_IS_BETTER, ModelSpec


@dataclass(frozen=True)
class GateResult:
    gate: str
    passed: bool
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def release_gates(
    spec: ModelSpec,
    *,
    receipt: dict[str, Any],
    candidate: dict[str, float],
    champion: dict[str, float] | None,
    champion_release: dict[str, float] | None,
    stop_at_first_failure: bool = True,
) -> list[GateResult]:
    """`candidate`/`champion`: metrics on the same fresh holdout; `champion_release`: the metrics
    the champion had when it was released. Release stops at the first failed gate; a report may
    ask for every gate."""
    gates = [
        _receipt_gate(receipt),
        _requirements_gate(spec, receipt),
        _floors_gate(spec, candidate),
        _champion_gate(spec, candidate, champion),
        _champion_release_gate(spec, candidate, champion_release),
        _calibration_gate(spec, candidate),
    ]
    out = []
    for gate in gates:
        out.append(gate)
        if not gate.passed and stop_at_first_failure:
            break
    return out


def _better(metric: str, a: float, b: float) -> float:
    """How much better `a` is than `b` (positive: better), whatever the metric's direction."""
    return (b - a) if metric in LOWER_IS_BETTER else (a - b)


def _receipt_gate(receipt: dict[str, Any]) -> GateResult:
    if not receipt or not receipt.get("passed"):
        reasons = "; ".join(receipt.get("problems", [])) if receipt else "no receipt"
        return GateResult(
            "validation receipt", False, f"the training data did not pass its contracts: {reasons}"
        )
    names = ", ".join(f"{c['id']} {c['version']}" for c in receipt.get("contracts", []))
    return GateResult("validation receipt", True, f"trained on data that passed {names}")


def _requirements_gate(spec: ModelSpec, receipt: dict[str, Any]) -> GateResult:
    """The spec's `requires:` against the library versions recorded when the model was trained:
    a model fitted (and pickled) with other versions than the project declares is not released."""
    from packaging.specifiers import SpecifierSet
    from packaging.utils import canonicalize_name
    from packaging.version import InvalidVersion, Version

    if not spec.requires:
        return GateResult(
            "training environment", True, "no requirements declared (spec `requires`)"
        )
    recorded = ((receipt or {}).get("environment") or {}).get("packages") or {}
    installed = {canonicalize_name(k): v for k, v in recorded.items()}
    misses: list[str] = []
    seen: list[str] = []
    for name, specifier in spec.requires.items():
        version = installed.get(canonicalize_name(name))
        if version is None:
            misses.append(f"{name} {specifier}: no version recorded at training")
            continue
        try:
            ok = Version(version) in SpecifierSet(specifier)
        except InvalidVersion:
            ok = False
        (seen if ok else misses).append(
            f"{name} {version} {'satisfies' if ok else 'is outside'} {specifier}"
        )
    if misses:
        return GateResult("training environment", False, "; ".join(misses))
    return GateResult("training environment", True, "; ".join(seen))


def _floors_gate(spec: ModelSpec, m: dict[str, float]) -> GateResult:
    misses = []
    for metric, floor in spec.release.floors.items():
        value = m.get(metric, float("nan"))
        ok = not math.isnan(value) and (
            value <= floor if metric in LOWER_IS_BETTER else value >= floor
        )
        if not ok:
            word = "above" if metric in LOWER_IS_BETTER else "below"
            misses.append(f"{metric} {value:.4f} is {word} the floor {floor}")
    if misses:
        return GateResult("metric floors", False, "; ".join(misses))
    shown = ", ".join(
        f"{k} {m.get(k, float('nan')):.4f} (floor {v})" for k, v in spec.release.floors.items()
    )
    return GateResult("metric floors", True, shown or "no floors set")


def _champion_gate(
    spec: ModelSpec, cand: dict[str, float], champ: dict[str, float] | None
) -> GateResult:
    if champ is None:
        return GateResult("not worse than champion", True, "no champion yet")
    metric = spec.metric
    delta = _better(metric, cand[metric], champ[metric])
    ok = delta >= -spec.release.max_drop_vs_champion
    return GateResult(
        "not worse than champion",
        ok,
        f"{metric} {cand[metric]:.4f} vs champion {champ[metric]:.4f} on the same holdout "
        f"(allowed drop {spec.release.max_drop_vs_champion})",
    )


def _champion_release_gate(
    spec: ModelSpec, cand: dict[str, float], released: dict[str, float] | None
) -> GateResult:
    """A "beats the champion" rule alone would promote a model retrained on corrupted data when the
    fresh holdout is corrupted too; the champion's own release-time score is the anchor."""
    if released is None:
        return GateResult("not below champion's release score", True, "no champion yet")
    metric = spec.metric
    delta = _better(metric, cand[metric], released[metric])
    ok = delta >= -spec.release.max_drop_vs_champion_release
    return GateResult(
        "not below champion's release score",
        ok,
        f"{metric} {cand[metric]:.4f} vs {released[metric]:.4f} at the champion's release "
        f"(allowed drop {spec.release.max_drop_vs_champion_release})",
    )


def _calibration_gate(spec: ModelSpec, m: dict[str, float]) -> GateResult:
    gap = abs(m["mean_prediction"] - m["base_rate"])
    ok = gap <= spec.release.max_calibration_gap
    return GateResult(
        "calibration",
        ok,
        f"mean prediction {m['mean_prediction']:.4f} vs base rate {m['base_rate']:.4f} "
        f"(gap {gap:.4f}, allowed {spec.release.max_calibration_gap})",
    )
