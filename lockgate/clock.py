"""The one clock of a lockgate deployment: what "today" and "now" are for the data.

`LOCKGATE_TODAY` (an ISO date, e.g. `2026-06-30`; optional) pins the clock: `now()` is then
that date at 00:00:00 UTC, and `today()` that date. Unset, the clock is the real UTC time.

Everything that judges or produces data against time reads it here: the reference simulator
(which day it may land: never a load later than `now()`), freshness and history rules (the
`now=` of `validate`), the training split and the release gates downstream of them. Tests pin
it, so the data, the trained model and every metric are the same on every day and machine.

Bookkeeping about the *act* of running (when a validation started, whether the data was
written after it was validated) stays on the wall clock: it orders real events, not data.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator

from lockgate.errors import LockgateError

ENV = "LOCKGATE_TODAY"


def pinned() -> dt.date | None:
    """The date `LOCKGATE_TODAY` pins, or None when the clock is the real one."""
    text = os.environ.get(ENV, "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise LockgateError(f"{ENV}={text!r} is not an ISO date (YYYY-MM-DD)") from None


def now() -> dt.datetime:
    """The current moment, timezone-aware UTC: `LOCKGATE_TODAY` 00:00 when it is set."""
    day = pinned()
    if day is None:
        return dt.datetime.now(dt.UTC)
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=dt.UTC)


def now_naive() -> dt.datetime:
    """`now()` as naive UTC, the convention of the warehouse's timestamp columns."""
    return now().replace(tzinfo=None)


def today() -> dt.date:
    """The current UTC date: `LOCKGATE_TODAY` when it is set."""
    return now().date()


@contextlib.contextmanager
def pinned_to(day: dt.date) -> Iterator[dt.date]:
    """Pin the clock to `day` for the duration (of this process and the ones it starts), e.g. a
    demo or a test playing successive days; the previous setting is restored afterwards."""
    saved = os.environ.get(ENV)
    os.environ[ENV] = day.isoformat()
    try:
        yield day
    finally:
        if saved is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = saved
