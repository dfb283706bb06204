"""The change-rate math of partial freezes (lockgate.state.change_rate): the share of updated rows
estimated from bucket counts, and its comparison with history. Seeds pinned."""

from __future__ import annotations

import numpy as np
import pytest

from lockgate.state.change_rate import ChangeOutcome, judge_rate, row_share


def _outcome(rows: int, buckets: int, updated: int, share: float, seed: int) -> ChangeOutcome:
    """Buckets of a table in which `updated` random rows were touched and `share` of them also
    changed the column (no keys added or removed: every occupied bucket is stable)."""
    rng = np.random.default_rng(seed)
    bucket = rng.integers(0, buckets, rows)
    touched_rows = rng.choice(rows, updated, replace=False)
    changed_rows = touched_rows[rng.random(updated) < share]
    occupied = len(np.unique(bucket))
    touched = len(np.unique(bucket[touched_rows]))
    changed = len(np.unique(bucket[changed_rows]))
    return ChangeOutcome(buckets, occupied, occupied, touched, changed)


@pytest.mark.parametrize("share", [1.0, 0.9, 0.5, 0.2])
@pytest.mark.parametrize("updated", [300, 1500])
def test_the_estimate_recovers_the_share_of_updated_rows(share, updated):
    outcome = _outcome(rows=20000, buckets=1024, updated=updated, share=share, seed=1)
    assert outcome.rate is not None and outcome.rate > share - 0.01  # buckets overstate it
    assert row_share(outcome) == pytest.approx(share, abs=0.06)


def test_no_estimate_when_every_bucket_was_touched():
    saturated = ChangeOutcome(64, 64, 64, 64, 40)
    assert row_share(saturated) is None
    assert (
        judge_rate(saturated, [1.0] * 10, 0.3).describe() == "share of updated rows not estimable"
    )


def test_a_halved_share_fails_and_day_to_day_noise_does_not():
    history = [row_share(_outcome(20000, 1024, 600, 0.95, seed)) for seed in range(10)]
    assert all(0.88 < h < 1.0 for h in history)
    normal = judge_rate(_outcome(20000, 1024, 400, 0.95, 99), history, 0.3)
    assert not normal.dropped and normal.baseline is not None
    halved = judge_rate(_outcome(20000, 1024, 600, 0.47, 98), history, 0.3)
    assert halved.dropped and halved.share < 0.55


def test_a_small_sample_drop_must_be_beyond_noise():
    """Twelve touched buckets, seven changed: below 0.7 of the usual 1.0, but not improbable."""
    small = ChangeOutcome(1024, 1000, 1000, 12, 7)
    verdict = judge_rate(small, [1.0, 1.0, 1.0, 1.0], 0.3)
    assert verdict.share < 0.7 and not verdict.dropped
    # the same proportions on a hundred times the evidence are a freeze
    large = ChangeOutcome(1024, 1000, 1000, 600, 350)
    assert judge_rate(large, [1.0, 1.0, 1.0, 1.0], 0.3).dropped


def test_too_little_history_is_reported_not_judged():
    verdict = judge_rate(_outcome(20000, 1024, 600, 0.5, 4), [1.0, 1.0], 0.3)
    assert not verdict.dropped and verdict.baseline is None
    assert "rate history: 2 of 3 loads" in verdict.describe()
