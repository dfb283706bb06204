"""Drift on summaries: numeric histograms (Wasserstein/std, PSI, JS) and categorical frequencies."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.stats import wasserstein_distance

from lockgate.profile.drift import (
    OTHER,
    PSI_EPSILON,
    CategoricalSummary,
    DriftVerdict,
    NumericSummary,
    categorical_drift,
    categorical_summary,
    numeric_drift,
    numeric_summary,
    summary_from_dict,
    summary_to_dict,
)

N = 10_000


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def profiles(reference: np.ndarray, current: np.ndarray) -> tuple[NumericSummary, NumericSummary]:
    """The reference profile from training data; the current one on the reference's edges."""
    ref = numeric_summary(reference)
    return ref, numeric_summary(current, edges=ref.edges)


# ------------------------------------------------------------------------ numeric summaries


def test_numeric_summary_counts_moments_and_nulls():
    s = numeric_summary([1.0, 2.0, None, 3.0, float("nan"), 4.0, float("inf")], bins=2)
    assert (s.count, s.null_count, s.non_null) == (7, 3, 4)
    assert s.mean == 2.5
    assert s.std == pytest.approx(np.std([1, 2, 3, 4], ddof=1))
    assert sum(s.counts) == 4
    assert s.edges[0] == 1.0 and s.edges[-1] == 4.0


def test_quantile_edges_hold_similar_mass_and_refine_the_tails():
    s = numeric_summary(rng().normal(size=N), bins=20)
    assert len(s.counts) == 26  # 20 equal-mass bins, the two outer ones cut at 0.1%, 1%, 2.5%
    expected_mass = [0.001, 0.009, 0.015, 0.025] + [0.05] * 18 + [0.025, 0.015, 0.009, 0.001]
    assert np.array(s.counts) == pytest.approx(N * np.array(expected_mass), abs=1)
    assert all(b > a for a, b in zip(s.edges, s.edges[1:], strict=False))


def test_quantile_edges_dedupe_ties():
    values = np.concatenate([np.zeros(6_000), rng().exponential(size=4_000) + 1])
    s = numeric_summary(values, bins=20)
    assert s.edges.count(0.0) == 1
    assert all(b > a for a, b in zip(s.edges, s.edges[1:], strict=False))
    assert s.counts[0] == 6_000  # every zero in one bin; the next edge is above 1


def test_low_cardinality_column_gets_one_bin_per_value():
    s = numeric_summary([1, 1, 2, 2, 2, 3, 5], bins=20)
    assert s.edges == (1.0, 1.5, 2.5, 4.0, 5.0)
    assert s.counts == (2, 3, 1, 1)


def test_values_outside_the_edges_count_in_the_outer_bins():
    s = numeric_summary([-100.0, 0.0, 0.5, 1.0, 1.5, 2.0, 100.0], edges=[0.0, 1.0, 2.0])
    # bins are [0, 1) and [1, 2], each extended outwards
    assert s.counts == (3, 4)


def test_constant_column_is_one_point_mass_bin():
    s = numeric_summary([7.0] * 5)
    assert s.edges == (7.0, 7.0)
    assert s.counts == (5,)
    assert (s.mean, s.std) == (7.0, 0.0)


def test_all_null_column_has_no_edges_and_no_moments():
    s = numeric_summary([None, float("nan")])
    assert (s.edges, s.counts, s.mean, s.std, s.count, s.null_count) == ((), (), None, None, 2, 2)


def test_numeric_summary_reads_pandas_nullable_arrays():
    series = pd.Series([1.5, None, 2.5], dtype="Float64")
    s = numeric_summary(series)
    assert (s.count, s.null_count, s.mean) == (3, 1, 2.0)


def test_numeric_summary_rejects_text_and_bad_edges():
    with pytest.raises(ValueError, match="non-numeric"):
        numeric_summary([1.0, "abc", None])
    with pytest.raises(ValueError, match="strictly increasing"):
        numeric_summary([1.0, 2.0], edges=[0.0, 2.0, 1.0])
    with pytest.raises(ValueError, match="bins"):
        numeric_summary([1.0, 2.0], bins=0)


def test_inconsistent_summary_is_rejected_at_construction():
    with pytest.raises(ValueError, match="must equal count - null_count"):
        NumericSummary(edges=(0.0, 1.0), counts=(5,), mean=0.5, std=0.3, count=10, null_count=0)
    with pytest.raises(ValueError, match="need 2 counts"):
        NumericSummary(edges=(0.0, 1.0, 2.0), counts=(5,), mean=1, std=1, count=5, null_count=0)


# -------------------------------------------------------------------- categorical summaries


def test_categorical_summary_keeps_top_values_and_pools_the_rest():
    values = ["a"] * 5 + ["b"] * 3 + ["c"] * 2 + ["d"] * 2 + ["e"] + [None, float("nan")]
    s = categorical_summary(values, top=2)
    assert dict(s.frequencies) == {"a": 5, "b": 3, OTHER: 5}
    assert (s.count, s.null_count, s.other) == (15, 2, 5)


def test_categorical_summary_orders_ties_by_key():
    s = categorical_summary(["z", "y", "x", "y", "z"], top=50)
    assert list(s.frequencies) == ["y", "z", "x"]


def test_categorical_summary_treats_pandas_na_as_null():
    s = categorical_summary(pd.Series(["a", None, "b", pd.NA], dtype="string"))
    assert (s.count, s.null_count) == (4, 2)


# ------------------------------------------------------------------------------ JSON files


def test_numeric_summary_round_trips_through_json():
    s = numeric_summary(rng(1).lognormal(size=1_000))
    text = json.dumps(summary_to_dict(s))
    assert summary_from_dict(json.loads(text)) == s
    assert list(json.loads(text)) == [
        "kind",
        "count",
        "null_count",
        "mean",
        "std",
        "edges",
        "counts",
    ]


def test_categorical_summary_round_trips_through_json_in_stable_order():
    s = categorical_summary(["b", "a", "b", "c", None] * 3, top=2)
    text = json.dumps(summary_to_dict(s))
    back = summary_from_dict(json.loads(text))
    assert back == s
    assert list(back.frequencies) == ["b", "a", OTHER]
    assert json.dumps(summary_to_dict(back)) == text


@pytest.mark.parametrize(
    "summary",
    [
        numeric_summary([]),
        numeric_summary([None]),
        numeric_summary([3.0, 3.0]),
        categorical_summary([]),
    ],
)
def test_degenerate_summaries_round_trip(summary):
    assert summary_from_dict(json.loads(json.dumps(summary_to_dict(summary)))) == summary


def test_summary_from_dict_rejects_unknown_kind_and_fields():
    with pytest.raises(ValueError, match="unknown summary kind"):
        summary_from_dict({"kind": "histogram"})
    data = summary_to_dict(categorical_summary(["a"]))
    with pytest.raises(ValueError, match="unknown fields \\['frequency'\\]"):
        summary_from_dict({**data, "frequency": {}})


# ---------------------------------------------------------------------------- numeric drift


def test_identical_distributions_pass_with_zero_score():
    ref = numeric_summary(rng().normal(50, 10, N))
    for method in ("wasserstein", "psi", "jensen_shannon"):
        verdict = numeric_drift(ref, ref, method=method)
        assert verdict.status == "pass"
        assert verdict.score == pytest.approx(0.0, abs=1e-12)


def test_sampling_noise_at_10k_rows_passes():
    ref, cur = profiles(rng(1).normal(50, 10, N), rng(2).normal(50, 10, N))
    wasserstein = numeric_drift(ref, cur)
    assert wasserstein.status == "pass"
    assert wasserstein.score < 0.04
    psi = numeric_drift(ref, cur, method="psi")
    assert psi.status == "pass" and psi.score < 0.02
    js = numeric_drift(ref, cur, method="jensen_shannon")
    assert js.status == "pass" and js.score < 0.05


def test_mean_shift_of_half_a_std_fails_with_a_readable_message():
    ref, cur = profiles(rng(1).normal(50, 10, N), rng(2).normal(55, 10, N))
    verdict = numeric_drift(ref, cur, column_name="amount")
    assert verdict.status == "fail"
    assert verdict.score == pytest.approx(0.5, abs=0.05)
    assert (verdict.warn_at, verdict.fail_at) == (None, 0.1)
    assert verdict.message == (
        "amount drifted: Wasserstein/std = 0.53 ≥ 0.10 (reference mean 49.9, current mean 55.1)"
    )


def test_frozen_column_registers_as_drift():
    # an upstream job stopped updating the column: every row now holds one stale value
    ref, cur = profiles(rng(1).normal(50, 10, N), np.full(N, 50.0))
    verdict = numeric_drift(ref, cur)
    assert verdict.status == "fail"
    assert verdict.score == pytest.approx(math.sqrt(2 / math.pi), abs=0.05)  # E|Z| for Z ~ N(0,1)


def test_shift_beyond_the_reference_range_does_not_saturate():
    ref, cur = profiles(rng(1).normal(0, 1, N), rng(2).normal(10, 1, N))
    assert numeric_drift(ref, cur).score == pytest.approx(10.0, rel=0.02)


def _realistic_columns(shift: float, scale: float, seed: int) -> dict[str, np.ndarray]:
    g = rng(seed)

    def zero_inflated():
        return np.where(g.random(N) < 0.6, 0.0, g.lognormal(2, 0.8 * scale, N)) + shift * 9

    return {
        "normal": g.normal(shift, scale, N),
        "lognormal amount": g.lognormal(0, 0.75 * scale, N) + shift * 1.15,
        "exponential duration": g.exponential(scale, N) + shift,
        "bimodal": np.concatenate([g.normal(-2, scale, N // 2), g.normal(2, scale, N // 2)])
        + shift * 2.2,
        "student-t (heavy tails)": g.standard_t(3, N) * scale + shift * 1.7,
        "poisson count": (g.poisson(3 * scale, N) + round(shift * 1.7)).astype(float),
        "zero-inflated": zero_inflated(),
    }


# stated tolerance of the histogram approximation, in units of the reference std
ABS_TOL, REL_TOL = 0.02, 0.10


@pytest.mark.parametrize(
    ("shift", "scale"), [(0.0, 1.0), (0.1, 1.0), (0.5, 1.0), (2.0, 1.0), (0.0, 1.3), (0.0, 0.8)]
)
def test_histogram_wasserstein_matches_scipy_on_raw_rows(shift, scale):
    references = _realistic_columns(0.0, 1.0, seed=11)
    currents = _realistic_columns(shift, scale, seed=12)
    for name, reference in references.items():
        current = currents[name]
        exact = wasserstein_distance(reference, current) / reference.std(ddof=1)
        approx = numeric_drift(*profiles(reference, current)).score
        assert abs(approx - exact) <= ABS_TOL + REL_TOL * exact, (
            f"{name}: histogram {approx:.4f} vs raw rows {exact:.4f}"
        )


def test_cdf_gap_changing_sign_inside_a_bin_is_integrated_exactly():
    # U[0, 3] against U[1, 2]: W1 = 0.5 exactly, although the CDF gap changes sign in bin [1, 2)
    edges = (0.0, 1.0, 2.0, 3.0)
    ref = NumericSummary(
        edges, (100, 100, 100), mean=1.5, std=math.sqrt(0.75), count=300, null_count=0
    )
    cur = NumericSummary(
        edges, (0, 300, 0), mean=1.5, std=math.sqrt(1 / 12), count=300, null_count=0
    )
    assert numeric_drift(ref, cur).score == pytest.approx(0.5 / math.sqrt(0.75))


def test_score_never_exceeds_the_independent_coupling_bound():
    # the current mass sits in a very wide outer bin: read as uniform over [1, 100] it would
    # score ~50 std, but W1 <= sqrt(Δmean² + std_ref² + std_cur²) whatever the shape inside the bin
    edges = (0.0, 1.0, 100.0)
    ref = NumericSummary(edges, (99, 1), mean=0.6, std=1.0, count=100, null_count=0)
    cur = NumericSummary(edges, (0, 100), mean=2.0, std=0.5, count=100, null_count=0)
    assert numeric_drift(ref, cur).score == pytest.approx(math.hypot(1.4, 1.0, 0.5))


def test_psi_levels_warn_and_fail():
    edges = (0.0, 1.0, 2.0, 3.0, 4.0)
    ref = NumericSummary(edges, (250, 250, 250, 250), mean=2.0, std=1.15, count=1000, null_count=0)

    def current(counts):
        return NumericSummary(edges, counts, mean=2.0, std=1.15, count=1000, null_count=0)

    small = numeric_drift(ref, current((350, 250, 250, 150)), method="psi")
    assert small.score == pytest.approx(0.1 * math.log(1.4) - 0.1 * math.log(0.6))  # 0.0847
    assert small.status == "pass"

    medium = numeric_drift(ref, current((400, 250, 250, 100)), method="psi")
    assert medium.score == pytest.approx(0.15 * math.log(1.6) - 0.15 * math.log(0.4))  # 0.2080
    assert medium.status == "warn"
    assert (medium.warn_at, medium.fail_at) == (0.1, 0.25)
    assert "may be drifting: PSI = 0.21 ≥ 0.10 (warn level; fails at 0.25)" in medium.message

    large = numeric_drift(ref, current((450, 250, 250, 50)), method="psi")
    assert large.score == pytest.approx(0.2 * math.log(1.8) - 0.2 * math.log(0.2))  # 0.4394
    assert large.status == "fail"


def test_custom_thresholds_are_respected():
    ref, cur = profiles(rng(1).normal(0, 1, N), rng(2).normal(0.07, 1, N))
    assert numeric_drift(ref, cur).status == "pass"
    assert numeric_drift(ref, cur, warn_at=0.05).status == "warn"
    assert numeric_drift(ref, cur, fail_at=0.05).status == "fail"
    assert numeric_drift(ref, cur, warn_at=0.05, fail_at=math.inf).status == "warn"


def test_not_computable_cases_never_raise():
    data = numeric_summary(rng().normal(size=100))
    empty = numeric_summary([])
    all_null = numeric_summary([None] * 10, edges=data.edges)
    constant = numeric_summary([3.0] * 100)
    on_other_edges = numeric_summary(rng(2).normal(size=100), bins=5)

    cases = {
        (empty, data, "wasserstein"): "the reference is empty (0 rows)",
        (data, empty, "wasserstein"): "the current is empty (0 rows)",
        (data, all_null, "psi"): "the current has no non-null values (all 10 rows are null)",
        (all_null, data, "jensen_shannon"): "the reference has no non-null values",
        (
            constant,
            numeric_summary(rng().normal(size=10), edges=constant.edges),
            "wasserstein",
        ): "the reference is constant",
        (constant, constant, "psi"): "single bin",
        (data, on_other_edges, "wasserstein"): "not on the reference's bin edges",
    }
    for (reference, current, method), reason in cases.items():
        verdict = numeric_drift(reference, current, method=method, column_name="amount")
        assert verdict.status == "not_computable", reason
        assert verdict.score is None
        assert verdict.message.startswith("amount drift not computable: ")
        assert reason in verdict.message


def test_reference_std_below_rounding_noise_counts_as_constant():
    ref = NumericSummary((0.1, 0.2), (10,), mean=0.1, std=1e-17, count=10, null_count=0)
    assert numeric_drift(ref, ref).status == "not_computable"


def test_numeric_summary_on_an_empty_reference_edges_does_not_raise():
    empty = numeric_summary([])
    current = numeric_summary([1.0, 2.0], edges=empty.edges)
    assert numeric_drift(empty, current).status == "not_computable"


def test_invalid_drift_parameters_raise():
    s = numeric_summary([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="method"):
        numeric_drift(s, s, method="kolmogorov")
    with pytest.raises(ValueError, match="warn_at"):
        numeric_drift(s, s, warn_at=0.5, fail_at=0.2)
    with pytest.raises(ValueError, match="fail_at"):
        numeric_drift(s, s, fail_at=-1)
    with pytest.raises(TypeError, match="NumericSummary"):
        numeric_drift(s, categorical_summary(["a"]))


# ------------------------------------------------------------------------ categorical drift


def _draw(probabilities: dict[str, float], n: int, seed: int) -> list[str]:
    keys = list(probabilities)
    return list(rng(seed).choice(keys, size=n, p=list(probabilities.values())))


MARKET = {"plumbing": 0.4, "cleaning": 0.3, "painting": 0.2, "moving": 0.1}


def test_identical_categorical_distributions_pass():
    s = categorical_summary(_draw(MARKET, N, 1))
    for method in ("jensen_shannon", "psi"):
        verdict = categorical_drift(s, s, method=method)
        assert verdict.status == "pass"
        assert verdict.score == pytest.approx(0.0, abs=1e-12)


def test_categorical_sampling_noise_passes():
    ref = categorical_summary(_draw(MARKET, N, 1))
    cur = categorical_summary(_draw(MARKET, N, 2))
    assert categorical_drift(ref, cur).score < 0.02
    assert categorical_drift(ref, cur, method="psi").score < 0.005


def test_twenty_percent_mass_moving_to_a_new_category_fails():
    ref = CategoricalSummary({"a": 400, "b": 300, "c": 200, "d": 100}, count=1000, null_count=0)
    cur = CategoricalSummary(
        {"a": 320, "b": 240, "c": 160, "d": 80, "new": 200}, count=1000, null_count=0
    )
    verdict = categorical_drift(ref, cur, column_name="service")

    # JS divergence of p and 0.8 p + 0.2 δ_new: (log2(1/0.9) + 0.8 log2(0.8/0.9) + 0.2) / 2
    divergence = (math.log2(1 / 0.9) + 0.8 * math.log2(0.8 / 0.9) + 0.2 * math.log2(2)) / 2
    assert verdict.score == pytest.approx(math.sqrt(divergence))  # 0.329
    assert verdict.score == pytest.approx(
        jensenshannon([0.4, 0.3, 0.2, 0.1, 0], [0.32, 0.24, 0.16, 0.08, 0.2], base=2)
    )
    assert verdict.status == "fail"
    assert verdict.message == (
        "service drifted: Jensen-Shannon distance = 0.33 ≥ 0.10 "
        "(largest change: 'new' 0.0% → 20.0%)"
    )


def test_categorical_psi_uses_epsilon_for_an_empty_bin():
    ref = CategoricalSummary({"a": 500, "b": 500}, count=1000, null_count=0)
    cur = CategoricalSummary({"a": 500, "b": 400, "c": 100}, count=1000, null_count=0)
    verdict = categorical_drift(ref, cur, method="psi")

    assert PSI_EPSILON == 1e-4
    p = np.array([0.5, 0.5, 1e-4]) / 1.0001  # the empty bin floored at epsilon, renormalised
    q = np.array([0.5, 0.4, 0.1])
    assert verdict.score == pytest.approx(float(np.sum((q - p) * np.log(q / p))))
    assert verdict.score == pytest.approx(0.7124, abs=1e-4)
    assert verdict.status == "fail"


def test_different_top_lists_do_not_invent_drift():
    # the same data summarised with different top-k: a value in the reference's pooled tail that
    # makes the current's top list must not look new
    values = _draw({f"v{i:02d}": w for i, w in enumerate(np.linspace(2, 1, 30) / 45)}, N, 3)
    truncated = categorical_summary(values, top=5)
    complete = categorical_summary(values, top=50)
    for ref, cur in ((truncated, complete), (complete, truncated), (truncated, truncated)):
        assert categorical_drift(ref, cur).score == pytest.approx(0.0, abs=1e-12)


def test_new_category_against_a_pooled_reference_still_registers():
    ref = categorical_summary(["a"] * 500 + ["b"] * 300 + [f"t{i}" for i in range(200)], top=2)
    cur = categorical_summary(
        ["a"] * 400 + ["b"] * 240 + [f"t{i}" for i in range(160)] + ["new"] * 200, top=50
    )
    verdict = categorical_drift(ref, cur)
    assert verdict.status == "fail"  # the pooled bin grew from 20% to 36%
    assert "other values 20.0% → 36.0%" in verdict.message


def test_categorical_not_computable_cases():
    s = categorical_summary(["a", "b"])
    for ref, cur, reason in [
        (categorical_summary([]), s, "the reference is empty"),
        (s, categorical_summary([None, None]), "the current has no non-null values"),
    ]:
        verdict = categorical_drift(ref, cur, column_name="service")
        assert verdict.status == "not_computable"
        assert reason in verdict.message


def test_categorical_drift_rejects_wasserstein():
    s = categorical_summary(["a"])
    with pytest.raises(ValueError, match="method"):
        categorical_drift(s, s, method="wasserstein")


def test_verdict_is_frozen():
    s = categorical_summary(["a"])
    verdict = categorical_drift(s, s)
    assert isinstance(verdict, DriftVerdict)
    with pytest.raises(AttributeError):
        verdict.status = "fail"  # type: ignore[misc]
