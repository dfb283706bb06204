"""Compare two runs' bucket fingerprints: in how many changed buckets did the column change?

Why buckets: the warehouse keeps only the current rows of a dimension table, so "which rows
changed since the last load" cannot be asked of it, and copying every row's hash into the history
store would cost as much as the table. Rows are bucketed by hash(key) % B instead, and per bucket
three XOR fingerprints are kept: of the keys, of whole rows, of (key, column) pairs. Comparing
with the previous run, bucket by bucket:

* keys changed (rows were added or removed): the bucket says nothing about updates; skipped;
* keys equal, rows equal: nothing was touched there (an idle dimension is not a frozen column);
* keys equal, rows changed: rows were updated; the column changed too, or it did not.

Change rate = buckets where the column changed / buckets where some row changed. A live column
that is updated with its rows scores near 1 however its distribution drifts; a frozen one scores 0
from the first load after the freeze, because the rest of the row keeps changing around it.
A bucket is a unit of evidence: with B much smaller than the number of rows, a column frozen in
only some rows still changes in every bucket, so the rate measures whole-column freezes unless B
is raised towards the row count.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from lockgate.contract.rules import ChangeRate
from lockgate.profile.model import MAX_SEGMENTS, BucketFingerprints


@dataclass(frozen=True)
class ChangeOutcome:
    buckets: int  # grid the two runs were compared on
    occupied: int  # buckets holding rows now
    stable: int  # occupied buckets whose keys did not change
    touched: int  # stable buckets in which some row changed
    changed: int  # touched buckets in which the column changed

    @property
    def rate(self) -> float | None:
        return self.changed / self.touched if self.touched else None


def compare_buckets(
    previous: BucketFingerprints, current: BucketFingerprints, column: str, buckets: int
) -> ChangeOutcome | None:
    """None when the previous run has no fingerprint of `column` (the rule is new)."""
    if column not in previous.values or column not in current.values:
        return None
    size = min(previous.buckets, current.buckets, buckets)
    before, now = previous.coarsen(size), current.coarsen(size)
    occupied = now.counts > 0
    stable = occupied & (before.counts == now.counts) & (before.keys == now.keys)
    touched = stable & (before.rows != now.rows)
    changed = touched & (before.values[column] != now.values[column])
    return ChangeOutcome(
        size, int(occupied.sum()), int(stable.sum()), int(touched.sum()), int(changed.sum())
    )


# -- the rate against its own history: partial freezes ---------------------------------------
#
# A bucket rate stays near 1 while a column freezes in only part of the rows (a bucket with one
# live updated row among frozen ones still "changed"). Two steps make a partial freeze visible:
#
# 1. Estimate the share of *updated rows* that changed the column, not of buckets. If updates
#    land on rows independently of their bucket (buckets are a hash of the key), the updated rows
#    per stable bucket are Poisson(λ) and those that changed the column Poisson(p·λ), so
#        touched/stable = 1 - e^(-λ)   and   changed/stable = 1 - e^(-p·λ),
#    hence p = ln(1 - changed/stable) / ln(1 - touched/stable). When every stable bucket was
#    touched (λ too large for the grid), p cannot be told apart from 1: more buckets are needed.
# 2. Compare p with the column's own history: a rate that falls from ~1.0 to ~0.5 means half of
#    the updated rows stopped carrying it, e.g. one region's feed. The drop must exceed both
#    `max_drop` of the usual rate and the history's own spread, and be beyond sampling noise.

RATE_WINDOW = 30  # loads whose rate forms the baseline
RATE_MIN_HISTORY = 3  # loads needed before a drop is judged
NOISE_Z = 3.0  # a drop must be this many binomial standard deviations below the expectation
WHOLE = ""  # segment label of the whole column in a rate point
MAD_TO_SIGMA = 1.4826


def row_share(outcome: ChangeOutcome) -> float | None:
    """The estimated share of updated rows that changed the column (see above); None when it
    cannot be estimated (nothing touched, or every stable bucket touched)."""
    if not outcome.touched or outcome.touched >= outcome.stable:
        return None
    touched = math.log1p(-outcome.touched / outcome.stable)
    if outcome.changed >= outcome.stable:
        return 1.0
    changed = math.log1p(-outcome.changed / outcome.stable)
    return min(max(changed / touched, 0.0), 1.0) + 0.0  # + 0.0: no -0.0 in reports


@dataclass(frozen=True)
class RateVerdict:
    dropped: bool  # the rate fell below its history's band
    share: float | None  # the current estimate
    baseline: float | None  # median of the history (None: not enough history)
    lower: float | None  # the band's lower edge
    history: int  # usable earlier loads

    def describe(self) -> str:
        if self.share is None:
            return "share of updated rows not estimable"
        if self.baseline is None:
            history = f"rate history: {self.history} of {RATE_MIN_HISTORY} loads"
            return f"~{self.share:.0%} of updated rows ({history})"
        usual = f"usually {self.baseline:.0%} (last {self.history} loads)"
        return f"~{self.share:.0%} of updated rows, {usual}"


def judge_rate(outcome: ChangeOutcome, past: list[float], max_drop: float) -> RateVerdict:
    """The current estimate against `past` (earlier loads' estimates, oldest first)."""
    share = row_share(outcome)
    usable = past[-RATE_WINDOW:]
    if share is None or len(usable) < RATE_MIN_HISTORY:
        return RateVerdict(False, share, None, None, len(usable))
    median = statistics.median(usable)
    mad = statistics.median(abs(v - median) for v in usable)
    lower = min((1.0 - max_drop) * median, median - 4.0 * MAD_TO_SIGMA * mad)
    dropped = share < lower and _beyond_noise(outcome, median)
    return RateVerdict(dropped, share, median, lower, len(usable))


def _beyond_noise(outcome: ChangeOutcome, usual: float) -> bool:
    """Is `changed` improbably low if the usual share still held? Each stable bucket changed the
    column with probability 1 - e^(-usual·λ); the count of such buckets is binomial."""
    lam = -math.log1p(-outcome.touched / outcome.stable)
    q = -math.expm1(-usual * lam)
    expected = outcome.stable * q
    sd = math.sqrt(max(outcome.stable * q * (1.0 - q), 1.0))
    return (outcome.changed - expected) / sd < -NOISE_Z


def compare_segments(
    previous: BucketFingerprints, current: BucketFingerprints, column: str, buckets: int
) -> dict[str, ChangeOutcome]:
    """Per segment of the rule's `by` column, the outcome of `compare_buckets` (segments present
    in both runs; a row that moved segment reads as a key change in both)."""
    out: dict[str, ChangeOutcome] = {}
    for label, now in current.segments.items():
        before = previous.segments.get(label)
        if before is None:
            continue
        outcome = compare_buckets(before, now, column, buckets)
        if outcome is not None:
            out[label] = outcome
    return out


def past_shares(history: list[dict[str, float]], segment: str = WHOLE) -> list[float]:
    """A segment's (or the whole column's) estimates from the carried-forward rate history."""
    return [point[segment] for point in history if segment in point]


# -- the verdict of a changeRate rule (lockgate.state.detectors hands the comparison here) ---


def keep_rate_history(
    rule_id: str, previous: BucketFingerprints, current: BucketFingerprints
) -> None:
    """Carry the rule's rate history forward to this run's fingerprints, which the store keeps."""
    past = previous.rate_history.get(rule_id)
    if past is not None and current is not previous:
        current.rate_history[rule_id] = list(past)[-RATE_WINDOW:]


def judge_change(
    rule_id: str,
    m: ChangeRate,
    outcome: ChangeOutcome,
    previous: BucketFingerprints,
    current: BucketFingerprints,
) -> tuple[bool, str]:
    """(passed, observed) of a changeRate rule that has a comparison: `minRate` on the bucket rate,
    then the share of updated rows against its history, for the column and, with `by`, per
    segment. Points that pass join the rate history; failed ones stay out of later baselines."""
    history = previous.rate_history.get(rule_id, [])
    rate = outcome.rate
    assert rate is not None  # detectors judge a comparison only when rows changed (touched > 0)
    text = (
        f"{m.column} changed in {outcome.changed} of {outcome.touched} buckets "
        f"whose rows changed ({rate:.1%})"
    )
    point: dict[str, float] = {}
    whole = judge_rate(outcome, past_shares(history), m.max_drop)
    passed = rate >= m.min_rate and not whole.dropped
    if rate < m.min_rate:
        text = f"frozen? {text}"
    elif whole.dropped:
        text = f"partly frozen? {text}"
    text += f"; {whole.describe()}"
    if passed and whole.share is not None:
        point[WHOLE] = whole.share
    if m.by is not None:
        ok, note = _judge_segments(m, previous, current, history, point)
        passed = passed and ok
        text += note
    current.rate_history[rule_id] = (history + [point] if point else list(history))[-RATE_WINDOW:]
    return passed, text


def _judge_segments(
    m: ChangeRate,
    previous: BucketFingerprints,
    current: BucketFingerprints,
    history: list[dict[str, float]],
    point: dict[str, float],
) -> tuple[bool, str]:
    outcomes = compare_segments(previous, current, m.column, m.buckets)
    if not outcomes:
        why = f"a new `by`, or more than {MAX_SEGMENTS} values"
        return True, f"; by {m.by}: no per-segment fingerprints to compare yet ({why})"
    frozen: list[str] = []
    judged = 0
    for label, outcome in sorted(outcomes.items()):
        if outcome.touched < m.min_changed or outcome.touched > outcome.stable:
            continue
        rate = outcome.rate
        assert rate is not None  # touched >= minChanged >= 1 (the lint's lower bound)
        judged += 1
        verdict = judge_rate(outcome, past_shares(history, label), m.max_drop)
        if rate < m.min_rate or verdict.dropped:
            counts = f"{outcome.changed} of {outcome.touched} buckets"
            frozen.append(f"{label} ({counts}, {verdict.describe()})")
        elif verdict.share is not None:
            point[label] = verdict.share
    note = f"; by {m.by}: {judged} of {len(outcomes)} segments judged"
    if frozen:
        note += f", frozen in {m.by}={'; '.join(frozen)}"
    return not frozen, note
