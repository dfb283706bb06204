"""Judge one metric value (null rate, row count, ...) against the metric's own history.

Silent ETL failures rarely break a fixed threshold; they show up as a null rate or a volume
that is unlike the previous loads. Three properties make this usable as a blocking rule:

* **Robust statistics.** The baseline is the median and the spread is the median absolute
  deviation (MAD), so one earlier outlier does not widen the band for a month.
* **Failed points stay out of the baseline.** A persistent failure must keep firing on its
  second and third day instead of becoming the new normal, so points that were themselves judged
  failed are skipped. The tested point is never part of its own baseline.
* **A minimum tolerance.** A constant history has MAD 0; without a floor, any change at all
  would fail. The band is never narrower than ``min_abs_tolerance`` or ``min_rel_tolerance``
  times the median, yet a jump far beyond that floor still fires.

**Weekly seasonality** (``seasonality="weekly"``). A table loaded less on weekends is not
anomalous every Saturday. The level is then the median of the window's points on the same
weekday (UTC, from each point's logical time), and the spread the MAD of every point's deviation
from its own weekday's median (weekdays with two or more points), so a Monday is compared with
Mondays while every day informs the noise. Without an earlier point on the same weekday, the
plain band is used, widened to the range the history has shown (padded by the minimum
tolerances); a weekday that was never seen yet can only be judged against the others.

The module is pure: no I/O and no third-party imports, so the history store and the rules can
call it cheaply.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Literal, get_args

from lockgate.contract.rules import AnomalyDirection, Seasonality

#: Scales a MAD to the standard deviation of a normal distribution.
MAD_TO_SIGMA = 1.4826

AnomalyStatus = Literal["pass", "fail", "insufficient_history", "not_computable"]
# the words of an anomaly rule are the Rule IR's (one vocabulary for the contract and the math)
Direction = AnomalyDirection
_DIRECTIONS: tuple[Direction, ...] = get_args(AnomalyDirection)
SEASONALITIES: tuple[Seasonality, ...] = get_args(Seasonality)
#: same-weekday points needed before a weekly baseline replaces the widened plain one
SEASONAL_MIN_POINTS = 1
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class HistoryPoint:
    """One earlier observation of a metric, as the history store keeps it.

    ``failed`` marks points that were themselves judged anomalous; they are left out of the
    baseline so that a failure that persists does not become the reference for later runs.
    """

    value: float | None
    failed: bool = False
    at: dt.datetime | None = None  # the load's logical time (read by weekly seasonality)


@dataclass(frozen=True)
class AnomalyVerdict:
    """The outcome of :func:`judge_anomaly`, with everything a report needs to explain it."""

    status: AnomalyStatus
    value: float | None  # the tested point
    baseline: float | None  # median of the baseline window
    lower: float | None  # accepted band, after the minimum tolerance
    upper: float | None
    score: float | None  # signed robust z-score; None when it cannot be computed (MAD 0, ...)
    history_size: int  # usable points in the baseline window
    message: str  # one readable sentence


@dataclass(frozen=True)
class _Baseline:
    """The usable part of the history: the most recent non-failed, finite points."""

    values: tuple[float, ...]
    failed_skipped: int  # failed points met while collecting the window
    times: tuple[dt.datetime | None, ...] = ()  # logical time of each value, same order


def judge_anomaly(
    value: float | None,
    history: Iterable[float | HistoryPoint | None] | None,
    *,
    window: int = 30,
    min_history: int = 7,
    threshold: float = 4.0,
    min_abs_tolerance: float = 0.0,
    min_rel_tolerance: float = 0.05,
    direction: Direction = "both",
    metric_name: str = "value",
    seasonality: Seasonality = "none",
    at: dt.datetime | None = None,
) -> AnomalyVerdict:
    """Judge ``value`` against ``history`` (oldest first) with a robust z-score.

    The baseline is the last ``window`` usable points of ``history``: failed points, None, NaN
    and anything that is not a finite number are skipped. The accepted band is
    ``median ± max(threshold · 1.4826 · MAD, min_abs_tolerance, min_rel_tolerance · |median|)``
    and is inclusive. ``direction`` "up" only fails above the band, "down" only below it.

    Never raises on odd data: a missing tested value gives ``not_computable`` and fewer than
    ``min_history`` usable points give ``insufficient_history`` (neither is a failure).
    With ``seasonality="weekly"``, ``at`` is the tested point's logical time and the history
    points carry theirs (see the module docstring). Raises ValueError only for invalid parameters.
    """
    _check_parameters(
        window, min_history, threshold, min_abs_tolerance, min_rel_tolerance, direction
    )
    if seasonality not in SEASONALITIES:
        raise ValueError(f"seasonality must be one of {SEASONALITIES}, got {seasonality!r}")
    baseline = _recent_baseline(history, window)
    tested = _finite_float(value)
    if tested is None:
        return _not_computable(value, baseline, metric_name)
    if len(baseline.values) < min_history:
        return _insufficient_history(tested, baseline, min_history, metric_name)

    season = _weekly(baseline, at) if seasonality == "weekly" else None
    if season is not None and season.level is not None:
        median, mad = season.level, season.mad
    else:
        median = statistics.median(baseline.values)
        mad = statistics.median(abs(v - median) for v in baseline.values)
    half_width = max(
        threshold * MAD_TO_SIGMA * mad, min_abs_tolerance, min_rel_tolerance * abs(median)
    )
    lower, upper = median - half_width, median + half_width
    if season is not None and season.level is None:  # no same-weekday point yet
        low, high = min(baseline.values), max(baseline.values)
        lower = min(lower, low - max(min_abs_tolerance, min_rel_tolerance * abs(low)))
        upper = max(upper, high + max(min_abs_tolerance, min_rel_tolerance * abs(high)))
    score = (tested - median) / (MAD_TO_SIGMA * mad) if mad > 0 else None
    side = _side_of_band(tested, lower, upper)
    status: AnomalyStatus = "fail" if _fires(side, direction) else "pass"
    message = _band_message(
        metric_name, tested, side, direction, lower, upper, median, score, baseline
    )
    if season is not None:
        message += season.note
    return AnomalyVerdict(
        status, tested, median, lower, upper, score, len(baseline.values), message
    )


def _check_parameters(
    window, min_history, threshold, min_abs_tolerance, min_rel_tolerance, direction
) -> None:
    """Reject parameters that would make every verdict meaningless, with a message saying why."""
    if not _is_int(window) or window < 1:
        raise ValueError(f"window must be an integer ≥ 1, got {window!r}")
    if not _is_int(min_history) or min_history < 1:
        raise ValueError(f"min_history must be an integer ≥ 1, got {min_history!r}")
    if min_history > window:
        raise ValueError(
            f"min_history ({min_history}) cannot exceed window ({window}): "
            "the history would never be sufficient"
        )
    if not _is_finite_number(threshold) or threshold <= 0:
        raise ValueError(f"threshold must be a finite number > 0, got {threshold!r}")
    for name, tolerance in (
        ("min_abs_tolerance", min_abs_tolerance),
        ("min_rel_tolerance", min_rel_tolerance),
    ):
        if not _is_finite_number(tolerance) or tolerance < 0:
            raise ValueError(f"{name} must be a finite number ≥ 0, got {tolerance!r}")
    if direction not in _DIRECTIONS:
        raise ValueError(f"direction must be one of {_DIRECTIONS}, got {direction!r}")


def _is_int(x) -> bool:
    return isinstance(x, Integral) and not isinstance(x, bool)


def _is_finite_number(x) -> bool:
    return isinstance(x, Real) and not isinstance(x, bool) and math.isfinite(x)


def _recent_baseline(history, window: int) -> _Baseline:
    """Collect the last ``window`` usable points, walking back from the newest one."""
    values: list[float] = []
    times: list[dt.datetime | None] = []
    failed_skipped = 0
    for point in reversed(_as_list(history)):
        number, failed = _unpack(point)
        if failed:
            failed_skipped += 1
        elif number is not None:
            values.append(number)
            times.append(point.at if isinstance(point, HistoryPoint) else None)
            if len(values) == window:
                break
    values.reverse()
    times.reverse()
    return _Baseline(tuple(values), failed_skipped, tuple(times))


@dataclass(frozen=True)
class _Season:
    level: float | None  # median of the same weekday; None: too few points, use the fallback
    mad: float  # MAD of every point's deviation from its own weekday's median
    note: str  # what the report adds to the sentence


def _weekly(baseline: _Baseline, at: dt.datetime | None) -> _Season:
    """The same-weekday level and the deseasonalised spread of the baseline window."""
    if at is None:
        return _Season(None, 0.0, "; weekly seasonality: the load has no logical time")
    day = _weekday(at)
    by_day: dict[int, list[float]] = {}
    for value, time in zip(baseline.values, baseline.times):
        if time is not None:
            by_day.setdefault(_weekday(time), []).append(value)
    same = by_day.get(day, [])
    name = _WEEKDAYS[day]
    if len(same) < SEASONAL_MIN_POINTS:
        note = f"; weekly: no earlier {name} in the window, so judged against the range of all days"
        return _Season(None, 0.0, note)
    medians = {d: statistics.median(vs) for d, vs in by_day.items()}
    # only weekdays with 2+ points say anything about noise (one point is its own median)
    deviations = [v - medians[d] for d, vs in by_day.items() if len(vs) > 1 for v in vs]
    mad = statistics.median(abs(x) for x in deviations) if deviations else 0.0
    earlier = f"{len(same)} earlier {name}" + ("s" if len(same) > 1 else "")
    return _Season(medians[day], mad, f"; weekly: compared with {earlier}")


def _weekday(time: dt.datetime) -> int:
    """The weekday in UTC (naive times are UTC already)."""
    if time.tzinfo is not None:
        time = time.astimezone(dt.UTC)
    return time.weekday()


def _as_list(history) -> list:
    """Accept any iterable (or None); something that is not iterable counts as no history."""
    if history is None or isinstance(history, (str, bytes)):
        return []
    try:
        return list(history)
    except TypeError:
        return []


def _unpack(point) -> tuple[float | None, bool]:
    if isinstance(point, HistoryPoint):
        return _finite_float(point.value), bool(point.failed)
    return _finite_float(point), False


def _finite_float(x) -> float | None:
    """``x`` as a float, or None when it is missing, not a number, NaN or infinite."""
    if x is None or isinstance(x, (bool, str, bytes)):
        return None
    try:
        number = float(x)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _side_of_band(value: float, lower: float, upper: float) -> Literal["above", "below", "within"]:
    if value > upper:
        return "above"
    if value < lower:
        return "below"
    return "within"


def _fires(side: str, direction: str) -> bool:
    return (side == "above" and direction in ("up", "both")) or (
        side == "below" and direction in ("down", "both")
    )


def _not_computable(value, baseline: _Baseline, metric_name: str) -> AnomalyVerdict:
    reason = "is missing" if value is None else f"is not a finite number ({value!r})"
    message = f"{metric_name} cannot be judged: the tested value {reason}"
    return AnomalyVerdict(
        "not_computable", None, None, None, None, None, len(baseline.values), message
    )


def _insufficient_history(
    tested: float, baseline: _Baseline, min_history: int, metric_name: str
) -> AnomalyVerdict:
    size = len(baseline.values)
    message = (
        f"{metric_name} {tested:.4g} not judged: "
        f"{_runs(size)} of usable history, {min_history} needed"
        f"{_failed_note(baseline)}"
    )
    return AnomalyVerdict("insufficient_history", tested, None, None, None, None, size, message)


def _band_message(
    metric_name, tested, side, direction, lower, upper, median, score, baseline: _Baseline
) -> str:
    """E.g. "null rate 0.412 is above the accepted band [0.010, 0.031] (median 0.020 over
    14 runs, robust z = 38.2)"."""
    scale = upper - lower if upper > lower else max(abs(tested), abs(median))
    decimals = _decimals(scale)
    spread = f"robust z = {score:.1f}" if score is not None else "no spread in history"
    context = (
        f"median {_fmt(median, decimals)} over {_runs(len(baseline.values))}"
        f"{_failed_note(baseline)}, {spread}"
    )
    band = f"[{_fmt(lower, decimals)}, {_fmt(upper, decimals)}]"
    sentence = f"{metric_name} {_fmt(tested, decimals)} is {side} the accepted band {band}"
    if side != "within" and not _fires(side, direction):
        watched = "increases" if direction == "up" else "decreases"
        sentence += f" but only {watched} are checked"
    return f"{sentence} ({context})"


def _decimals(scale: float) -> int:
    """Enough decimals to show about two significant digits of ``scale`` (3 when it is 0)."""
    if not scale > 0 or not math.isfinite(scale):
        return 3
    return min(max(1 - math.floor(math.log10(scale)), 0), 12)


def _fmt(x: float, decimals: int) -> str:
    return f"{x:.{decimals}f}"


def _runs(n: int) -> str:
    return f"{n} run" if n == 1 else f"{n} runs"


def _failed_note(baseline: _Baseline) -> str:
    n = baseline.failed_skipped
    if n == 0:
        return ""
    return f", {n} failed {'run' if n == 1 else 'runs'} excluded"
