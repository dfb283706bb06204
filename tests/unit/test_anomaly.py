"""judge_anomaly: a metric against its own history (robust z, failed points, tolerance floor)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lockgate.state.anomaly import MAD_TO_SIGMA, AnomalyVerdict, HistoryPoint, judge_anomaly


def noisy_history(center: float, spread: float, n: int, seed: int = 0) -> list[float]:
    rng = np.random.default_rng(seed)
    return [float(x) for x in center + spread * rng.standard_normal(n)]


# --------------------------------------------------------------------------- the arithmetic


def test_band_and_score_are_the_documented_numbers():
    history = [1, 2, 3, 4, 5, 6, 7, 8, 9]  # median 5, MAD 2
    verdict = judge_anomaly(20.0, history)

    assert verdict.baseline == 5
    assert verdict.score == pytest.approx(15 / (MAD_TO_SIGMA * 2))  # 5.0587
    half_width = 4.0 * MAD_TO_SIGMA * 2  # 11.86 > 5% of 5
    assert verdict.lower == pytest.approx(5 - half_width)
    assert verdict.upper == pytest.approx(5 + half_width)
    assert verdict.status == "fail"
    assert verdict.history_size == 9
    assert verdict.value == 20.0


def test_value_on_the_band_edge_passes_and_just_beyond_fails():
    history = [1, 2, 3, 4, 5, 6, 7, 8, 9]
    upper = 5 + 4.0 * MAD_TO_SIGMA * 2
    assert judge_anomaly(upper, history).status == "pass"
    assert judge_anomaly(upper + 1e-9, history).status == "fail"


def test_message_reads_as_one_sentence_with_the_numbers():
    history = [
        0.019,
        0.020,
        0.021,
        0.020,
        0.018,
        0.022,
        0.020,
        0.019,
        0.021,
        0.020,
        0.020,
        0.019,
        0.021,
        0.020,
    ]
    verdict = judge_anomaly(0.412, history, metric_name="null rate")

    assert verdict.status == "fail"
    assert verdict.message.startswith("null rate 0.412 is above the accepted band [0.0")
    assert "(median 0.020 over 14 runs, robust z = " in verdict.message
    assert f"robust z = {verdict.score:.1f})" in verdict.message


def test_verdict_is_frozen():
    verdict = judge_anomaly(1.0, [1.0] * 10)
    assert isinstance(verdict, AnomalyVerdict)
    with pytest.raises(AttributeError):
        verdict.status = "fail"  # type: ignore[misc]


# -------------------------------------------------------------- constant histories (MAD 0)


def test_jump_from_a_constant_history_fires():
    verdict = judge_anomaly(0.5, [0.0] * 14, min_abs_tolerance=0.01, metric_name="null rate")

    assert verdict.status == "fail"
    assert (verdict.lower, verdict.upper) == (pytest.approx(-0.01), pytest.approx(0.01))
    assert verdict.score is None  # no spread: a z-score would be infinite
    assert "no spread in history" in verdict.message


def test_constant_history_does_not_mean_zero_tolerance():
    # 10,000 rows every day; 10,300 is within the 5% relative floor, 10,600 is not
    history = [10_000.0] * 20
    assert judge_anomaly(10_300.0, history).status == "pass"
    assert judge_anomaly(9_700.0, history).status == "pass"
    assert judge_anomaly(10_600.0, history).status == "fail"


def test_tiny_noise_does_not_shrink_the_band_below_the_tolerance():
    # MAD is 5e-6, so 0.0205 is 67 robust sigmas away, yet well inside 5% of the median
    history = [0.02000, 0.02001] * 10
    verdict = judge_anomaly(0.0205, history)

    assert verdict.score is not None and verdict.score > 60
    assert verdict.status == "pass"
    assert verdict.upper == pytest.approx(0.020005 * 1.05)


def test_absolute_tolerance_applies_when_it_is_the_widest():
    history = [0.001, 0.0011, 0.0009, 0.001, 0.001, 0.0012, 0.001]
    verdict = judge_anomaly(0.008, history, min_abs_tolerance=0.01)
    assert verdict.status == "pass"
    assert verdict.upper == pytest.approx(0.011)


# ----------------------------------------------------------------------- the history itself


def test_persistent_failure_keeps_firing_on_later_days():
    history: list[float | HistoryPoint] = [HistoryPoint(v) for v in noisy_history(0.02, 0.002, 20)]
    for day in range(1, 4):
        verdict = judge_anomaly(0.40, history, min_abs_tolerance=0.01)
        assert verdict.status == "fail", f"day {day}: {verdict.message}"
        assert verdict.baseline == pytest.approx(0.02, abs=0.002)
        history.append(HistoryPoint(0.40, failed=verdict.status == "fail"))
    assert "3 failed runs excluded" in judge_anomaly(0.40, history).message


def test_persistent_failure_is_not_absorbed_even_after_it_outlasts_half_the_window():
    healthy = noisy_history(0.02, 0.002, 30)
    failed_days = [HistoryPoint(0.40, failed=True)] * 20
    verdict = judge_anomaly(0.40, [*healthy, *failed_days], min_abs_tolerance=0.01)
    assert verdict.status == "fail"
    # the same days, had they not been marked failed, would now be the normal
    absorbed = judge_anomaly(0.40, [*healthy, *[0.40] * 20], min_abs_tolerance=0.01)
    assert absorbed.status == "pass"


def test_slowly_trending_healthy_metric_does_not_fire():
    # row count growing 0.5% a day for 200 days (2.7x), with 1% noise; today continues the trend
    rng = np.random.default_rng(3)
    days = np.arange(201)
    counts = 10_000 * 1.005**days * (1 + 0.01 * rng.standard_normal(days.size))
    history, today = [float(c) for c in counts[:-1]], float(counts[-1])

    verdict = judge_anomaly(today, history)
    assert verdict.status == "pass", verdict.message
    assert verdict.history_size == 30  # only the last window: the level of 200 days ago is gone
    assert today > 1.06 * verdict.baseline  # above the median of the window, yet healthy
    # a real break on the same day still fires, either way
    assert judge_anomaly(1.5 * today, history).status == "fail"
    assert judge_anomaly(0.6 * today, history).status == "fail"


def test_only_the_last_window_usable_points_are_used():
    old_regime = [100.0] * 50
    new_regime = [10.0, 11.0, 9.0, 10.5, 9.5, 10.0, 10.2, 9.8]
    verdict = judge_anomaly(10.1, [*old_regime, *new_regime], window=8)
    assert verdict.history_size == 8
    assert verdict.baseline == pytest.approx(10.0)
    assert verdict.status == "pass"


def test_window_counts_usable_points_not_raw_entries():
    history = [5.0, None, 5.0, HistoryPoint(99.0, failed=True), 5.0, float("nan"), 5.0]
    verdict = judge_anomaly(5.0, history, window=3, min_history=3)
    assert verdict.history_size == 3
    assert verdict.baseline == 5.0


def test_none_nan_and_odd_points_are_skipped():
    history = [
        1.0,
        None,
        2.0,
        float("nan"),
        3.0,
        "n/a",
        float("inf"),
        HistoryPoint(None),
        4.0,
        np.float64(5.0),
        6,
        7.0,
    ]
    verdict = judge_anomaly(4.0, history)
    assert verdict.history_size == 7
    assert verdict.baseline == 4.0
    assert verdict.status == "pass"


def test_insufficient_history_is_not_a_failure():
    verdict = judge_anomaly(1e9, [1.0] * 6, min_history=7, metric_name="row count")
    assert verdict.status == "insufficient_history"
    assert verdict.history_size == 6
    assert (verdict.baseline, verdict.lower, verdict.upper, verdict.score) == (None,) * 4
    assert verdict.message == "row count 1e+09 not judged: 6 runs of usable history, 7 needed"


def test_failed_points_do_not_count_towards_min_history():
    history = [1.0] * 5 + [HistoryPoint(50.0, failed=True)] * 5
    verdict = judge_anomaly(50.0, history, min_history=7)
    assert verdict.status == "insufficient_history"
    assert verdict.history_size == 5
    assert "5 failed runs excluded" in verdict.message


@pytest.mark.parametrize("history", [[], None, 42, "abc", iter([]), [None, float("nan")]])
def test_empty_or_odd_history_never_raises(history):
    verdict = judge_anomaly(1.0, history)
    assert verdict.status == "insufficient_history"
    assert verdict.history_size == 0


# ------------------------------------------------------------------------ the tested value


@pytest.mark.parametrize("value", [None, float("nan"), float("inf"), "12", object()])
def test_missing_or_non_numeric_value_is_not_computable(value):
    verdict = judge_anomaly(value, [1.0] * 10, metric_name="null rate")
    assert verdict.status == "not_computable"
    assert verdict.value is None and verdict.score is None
    assert verdict.history_size == 10
    assert verdict.message.startswith("null rate cannot be judged: the tested value")


def test_not_computable_takes_precedence_over_insufficient_history():
    assert judge_anomaly(None, []).status == "not_computable"


# ------------------------------------------------------------------------------- direction


@pytest.mark.parametrize(
    ("direction", "value", "status"),
    [
        ("both", 150.0, "fail"),
        ("both", 50.0, "fail"),
        ("both", 101.0, "pass"),
        ("up", 150.0, "fail"),
        ("up", 50.0, "pass"),
        ("down", 150.0, "pass"),
        ("down", 50.0, "fail"),
    ],
)
def test_direction_decides_which_side_fires(direction, value, status):
    history = [100.0, 101.0, 99.0, 100.0, 102.0, 98.0, 100.0, 101.0]
    assert judge_anomaly(value, history, direction=direction).status == status


def test_ignored_side_is_still_explained():
    history = [100.0, 101.0, 99.0, 100.0, 102.0, 98.0, 100.0, 101.0]
    verdict = judge_anomaly(50.0, history, direction="up", metric_name="row count")
    assert verdict.status == "pass"
    assert "is below the accepted band" in verdict.message
    assert "but only increases are checked" in verdict.message
    assert verdict.score is not None and verdict.score < -30


# ---------------------------------------------------------------------------- parameters


@pytest.mark.parametrize(
    ("kwargs", "complaint"),
    [
        ({"window": 0}, "window"),
        ({"window": 2.5}, "window"),
        ({"min_history": 0}, "min_history"),
        ({"window": 5, "min_history": 7}, "cannot exceed window"),
        ({"threshold": 0}, "threshold"),
        ({"threshold": math.nan}, "threshold"),
        ({"min_abs_tolerance": -0.1}, "min_abs_tolerance"),
        ({"min_rel_tolerance": math.inf}, "min_rel_tolerance"),
        ({"direction": "sideways"}, "direction"),
    ],
)
def test_invalid_parameters_raise_value_error(kwargs, complaint):
    with pytest.raises(ValueError, match=complaint):
        judge_anomaly(1.0, [1.0] * 10, **kwargs)
