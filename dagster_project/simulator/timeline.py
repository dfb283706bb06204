"""Simulated time: day indexes, business minutes and the timestamps they land as.

Events are placed on an "absolute business minute" axis (day index * BUSINESS_MINUTES + minute
of the business day). A delay measured on that axis never lands outside business hours, and the
day an event belongs to is simply ``minute // BUSINESS_MINUTES``. Timestamps are naive UTC.

"Now" is lockgate's one clock (`lockgate.clock`, pinned by `LOCKGATE_TODAY`), never the system
time read here: a day may be landed once its load time has passed on that clock.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from lockgate import clock

from .config import BUSINESS_MINUTES, LOAD_TIME, OPEN_HOUR

US_PER_SECOND = 1_000_000
US_PER_DAY = 86_400 * US_PER_SECOND


def today_utc() -> dt.date:
    """Today on lockgate's clock (`LOCKGATE_TODAY` when set, else the real UTC date)."""
    return clock.today()


def last_complete_day() -> dt.date:
    """The newest day whose load (at LOAD_TIME) has already run on lockgate's clock."""
    now = clock.now_naive()
    hh, mm = LOAD_TIME
    return now.date() if now.time() >= dt.time(hh, mm) else now.date() - dt.timedelta(days=1)


def day_date(start: dt.date, day: int) -> dt.date:
    return start + dt.timedelta(days=day)


def day_index(start: dt.date, day: dt.date) -> int:
    return (day - start).days


def _epoch_us(start: dt.date) -> np.int64:
    return np.datetime64(start, "us").astype(np.int64)


def business_timestamps(start: dt.date, minutes: np.ndarray) -> np.ndarray:
    """Absolute business minutes -> datetime64[us], truncated to whole seconds."""
    minutes = np.asarray(minutes, dtype=np.float64)
    days = np.floor(minutes / BUSINESS_MINUTES)
    seconds = np.floor((minutes - days * BUSINESS_MINUTES) * 60.0)
    us = (
        _epoch_us(start)
        + days.astype(np.int64) * US_PER_DAY
        + OPEN_HOUR * 3600 * US_PER_SECOND
        + seconds.astype(np.int64) * US_PER_SECOND
    )
    return us.astype("datetime64[us]")


def loaded_at(start: dt.date, day: int) -> np.datetime64:
    """The `_loaded_at` of the load of `day`: after the day's business hours, same date."""
    hh, mm = LOAD_TIME
    us = _epoch_us(start) + day * US_PER_DAY + (hh * 3600 + mm * 60) * US_PER_SECOND
    return np.datetime64(int(us), "us")


def loaded_at_datetime(start: dt.date, day: int) -> dt.datetime:
    hh, mm = LOAD_TIME
    return dt.datetime.combine(day_date(start, day), dt.time(hh, mm))


def midnight(start: dt.date, day: int) -> np.datetime64:
    return np.datetime64(day_date(start, day), "us")
