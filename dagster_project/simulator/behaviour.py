"""What customers and professionals do on a day: requests, quotes and hires.

The conversion mechanics are deliberately learnable from what is known at request time:
the request's market supply (how many pros are active there, their ratings and response
rates, as landed in the daily snapshot), the budget against the going rate, urgency, the
customer's segment and earlier hires. Quote-level detail (how many quotes, how fast, the best
rating, the cheapest price) drives the actual decision; it happens after the request and is
only visible to a model through its request-time proxies.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from . import config as C
from .population import (
    CATEGORY_NAMES,
    N_MARKETS,
    N_REGIONS,
    REGION_NAMES,
    REGION_PRICE,
    REGION_SHARES,
    Customers,
    Professionals,
    format_ids,
)
from .schema import LOADED_AT
from .timeline import business_timestamps

CATEGORY_REQUEST_SHARES = np.array([c.request_share for c in C.CATEGORIES.values()])
CATEGORY_REQUEST_SHARES = CATEGORY_REQUEST_SHARES / CATEGORY_REQUEST_SHARES.sum()
CATEGORY_HOURS = np.array([c.job_hours for c in C.CATEGORIES.values()])
CATEGORY_RATE = np.array([c.hourly_rate_eur for c in C.CATEGORIES.values()])
CATEGORY_LOGIT = np.array([c.conversion_logit for c in C.CATEGORIES.values()])
CATEGORY_URGENT = np.array([c.urgent_share for c in C.CATEGORIES.values()])
URGENCY_NAMES = np.array(C.URGENCIES, dtype=object)
URGENCY_LOGIT = np.array([-0.2, 0.0, 0.35])  # flexible, within_week, urgent
SEGMENT_LOGIT = np.array([0.0, 0.15, 0.25])  # household, landlord, business
SEGMENT_BUDGET = np.array([1.0, 1.05, 1.15])
REQUEST_CHANNEL_NAMES = np.array(list(C.REQUEST_CHANNELS), dtype=object)
REQUEST_CHANNEL_P = np.array(list(C.REQUEST_CHANNELS.values()))


@dataclass
class Requests:
    ids: np.ndarray
    customer: np.ndarray  # customer index
    customer_ids: np.ndarray
    category: np.ndarray
    region: np.ndarray
    minute: np.ndarray  # absolute business minute
    urgency: np.ndarray
    preferred_offset: np.ndarray  # days after the request day; -1 = no preferred date
    budget: np.ndarray
    channel: np.ndarray
    job_hours: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    def rows(self, start: dt.date, day: int, loaded_at: np.datetime64) -> dict[str, np.ndarray]:
        request_day = np.datetime64(start, "D") + day
        preferred = np.where(
            self.preferred_offset >= 0,
            (request_day + np.maximum(self.preferred_offset, 0)).astype("datetime64[us]"),
            np.datetime64("NaT", "us"),
        )
        return {
            "request_id": self.ids,
            "customer_id": self.customer_ids,
            "category": CATEGORY_NAMES[self.category],
            "region": REGION_NAMES[self.region],
            "requested_at": business_timestamps(start, self.minute),
            "urgency": URGENCY_NAMES[self.urgency],
            "preferred_date": preferred,
            "budget_eur": self.budget,
            "channel": REQUEST_CHANNEL_NAMES[self.channel],
            LOADED_AT: np.full(len(self), loaded_at),
        }


def _expected_requests(cfg_scale: float, start: dt.date, day: int) -> float:
    weekday = (start + dt.timedelta(days=day)).weekday()
    return (
        C.REQUESTS_PER_DAY
        * cfg_scale
        * C.WEEKDAY_FACTOR[weekday]
        * (1 + C.REQUEST_GROWTH_PER_DAY * day)
    )


def make_requests(
    rng: np.random.Generator,
    scale: float,
    start: dt.date,
    day: int,
    customers: Customers,
    first_new_customer: int,
    first_number: int,
) -> Requests:
    """The day's service requests. Existing customers ask in proportion to their activity;
    about half of the day's sign-ups ask on their first day, after signing up."""
    n_existing = rng.poisson(_expected_requests(scale, start, day))
    weights = customers.activity[:first_new_customer]
    who = rng.choice(first_new_customer, n_existing, p=weights / weights.sum())
    minute = day * C.BUSINESS_MINUTES + rng.uniform(0, C.BUSINESS_MINUTES, n_existing)

    newcomers = np.arange(first_new_customer, len(customers))
    newcomers = newcomers[rng.random(len(newcomers)) < C.NEW_CUSTOMER_FIRST_REQUEST_P]
    signup_minute = _minutes_of(customers.signup_at[newcomers], start)
    new_minute = signup_minute + rng.uniform(0, 1, len(newcomers)) * (
        (day + 1) * C.BUSINESS_MINUTES - 0.01 - signup_minute
    )
    who = np.concatenate([who, newcomers])
    minute = np.concatenate([minute, new_minute])
    order = np.argsort(minute, kind="stable")
    who, minute = who[order], minute[order]
    n = len(who)

    category = rng.choice(len(CATEGORY_NAMES), n, p=CATEGORY_REQUEST_SHARES)
    elsewhere = rng.random(n) < 0.05  # a job at a relative's or a second home
    region = np.where(
        elsewhere, rng.choice(N_REGIONS, n, p=REGION_SHARES), customers.region[who]
    ).astype(np.int8)
    u = rng.random(n)
    urgent = u < CATEGORY_URGENT[category]
    flexible = ~urgent & (u < CATEGORY_URGENT[category] + 0.45)
    urgency = np.where(urgent, 2, np.where(flexible, 0, 1))
    preferred_offset = np.where(
        urgency == 0, -1, np.where(urgency == 2, rng.integers(0, 2, n), rng.integers(1, 8, n))
    )
    job_hours = CATEGORY_HOURS[category] * rng.lognormal(0.0, 0.35, n)
    going_rate = CATEGORY_RATE[category] * REGION_PRICE[region]
    budget = (
        job_hours
        * going_rate
        * rng.lognormal(0.0, 0.25, n)
        * SEGMENT_BUDGET[customers.segment[who]]
        * customers.budget_bias[who]
    )
    budget = np.maximum(20.0, np.round(budget / 5.0) * 5.0)  # people type round numbers
    return Requests(
        ids=format_ids("request_id", np.arange(first_number, first_number + n)),
        customer=who,
        customer_ids=customers.ids[who],
        category=category,
        region=region,
        minute=minute,
        urgency=urgency,
        preferred_offset=preferred_offset,
        budget=budget,
        channel=rng.choice(len(REQUEST_CHANNEL_NAMES), n, p=REQUEST_CHANNEL_P),
        job_hours=job_hours,
    )


def _minutes_of(ts: np.ndarray, start: dt.date) -> np.ndarray:
    """datetime64 -> absolute business minute (inverse of business_timestamps for in-hours
    times)."""
    us = ts.astype("datetime64[us]").astype(np.int64) - np.datetime64(start, "us").astype(np.int64)
    days = np.floor_divide(us, 86_400_000_000)
    in_day_min = (us - days * 86_400_000_000) / 60_000_000 - C.OPEN_HOUR * 60
    return days * C.BUSINESS_MINUTES + np.clip(in_day_min, 0, C.BUSINESS_MINUTES - 0.01)


def _market_members(pros: Professionals) -> np.ndarray:
    """Matrix market x slot -> index of an active pro of that market (-1 = empty slot)."""
    active = np.flatnonzero(pros.is_active)
    market = pros.market[active]
    order = np.argsort(market, kind="stable")
    active, market = active[order], market[order]
    counts = np.bincount(market, minlength=N_MARKETS)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    slots = np.arange(len(active)) - starts[market]
    members = np.full((N_MARKETS, max(1, counts.max())), -1, dtype=np.int64)
    members[market, slots] = active
    return members


@dataclass
class Outcome:
    quotes: dict[str, np.ndarray]  # quote columns plus `_minute`
    hires: dict[str, np.ndarray]  # hire columns plus `_minute`, `_customer`, `_professional`


def quote_and_hire(
    rng: np.random.Generator,
    req: Requests,
    pros: Professionals,
    customers: Customers,
    first_quote: int,
    first_hire: int,
) -> Outcome:
    """Decide, at request time, every quote and the eventual hire of the day's requests.
    Their timestamps may fall on later days; the caller lands each on its own day."""
    n = len(req)
    market = req.category.astype(np.int64) * N_REGIONS + req.region
    candidates = _market_members(pros)[market]
    valid = candidates >= 0
    safe = np.where(valid, candidates, 0)

    # the platform notifies the best-rated pros first, with some randomness (Gumbel top-k)
    keys = np.where(valid, 2.0 * np.log(pros.rating[safe]), -np.inf) + rng.gumbel(
        size=candidates.shape
    )
    top = np.argsort(-keys, axis=1)[:, : C.MAX_NOTIFIED]
    notified = np.take_along_axis(safe, top, 1)
    notified_ok = np.take_along_axis(valid, top, 1)

    rr = pros.response_rate[notified]
    answers = notified_ok & (rng.random(notified.shape) < rr * C.QUOTE_PROPENSITY)
    mean_delay = 15.0 + 720.0 * (1.0 - rr) ** 1.5
    mean_delay = mean_delay * np.where(req.urgency == 2, 0.6, 1.0)[:, None]
    delay = np.minimum(rng.exponential(1.0, notified.shape) * mean_delay, C.MAX_QUOTE_DELAY_MINUTES)
    delay = np.where(answers, delay, np.inf)
    first = np.argsort(delay, axis=1)[:, : C.MAX_QUOTES]
    q_pro = np.take_along_axis(notified, first, 1)
    q_delay = np.take_along_axis(delay, first, 1)
    q_ok = np.isfinite(q_delay)
    q_price = np.round(
        req.job_hours[:, None] * pros.hourly_rate[q_pro] * rng.lognormal(0.0, 0.10, q_pro.shape), 2
    )
    q_rating = pros.rating[q_pro]

    k = q_ok.sum(axis=1)
    any_quote = k > 0
    best_rating = np.where(q_ok, q_rating, -np.inf).max(axis=1)
    min_price = np.where(q_ok, q_price, np.inf).min(axis=1)
    first_delay_h = np.where(any_quote, q_delay[:, 0], 0.0) / 60.0
    with np.errstate(divide="ignore", invalid="ignore"):
        price_fit = np.clip(np.log(req.budget / min_price), -2.0, 1.5)
        z = (
            C.CONVERSION_INTERCEPT
            + CATEGORY_LOGIT[req.category]
            + 1.4 * (best_rating - 4.3)
            + 0.9 * price_fit
            - 0.30 * np.log1p(first_delay_h)
            + 0.35 * np.log(np.maximum(k, 1))
            + 0.6 * (customers.hires_in_sim[req.customer] > 0)
            + customers.propensity[req.customer]
            + URGENCY_LOGIT[req.urgency]
            + SEGMENT_LOGIT[customers.segment[req.customer]]
        )
    hired = any_quote & (rng.random(n) < 1.0 / (1.0 + np.exp(-np.where(any_quote, z, 0.0))))

    utility = np.where(
        q_ok,
        1.5 * q_rating - 1.2 * np.log(np.where(q_ok, q_price, 1.0)) - 0.1 * q_delay / 60.0,
        -np.inf,
    ) + rng.gumbel(size=q_pro.shape)
    chosen = np.argmax(utility, axis=1)
    u_delay = rng.random(n)
    discount = rng.uniform(0.95, 1.0, n)

    # quotes
    rows, cols = np.nonzero(q_ok)
    quote_numbers = np.arange(first_quote, first_quote + len(rows))
    quote_ids = format_ids("quote_id", quote_numbers)
    quote_minute = req.minute[rows] + q_delay[rows, cols]
    quotes = {
        "quote_id": quote_ids,
        "request_id": req.ids[rows],
        "professional_id": pros.ids[q_pro[rows, cols]],
        "price_eur": q_price[rows, cols],
        "_minute": quote_minute,
    }

    # hires: strictly inside the 7-day window after the request (truncated exponential delay)
    h = np.flatnonzero(hired)
    slot = chosen[h]
    quote_pos = np.full(q_ok.shape, -1, dtype=np.int64)
    quote_pos[rows, cols] = np.arange(len(rows))
    chosen_quote = quote_pos[h, slot]
    q_min = quote_minute[chosen_quote]
    limit = req.minute[h] + C.HIRE_WINDOW_DAYS * C.BUSINESS_MINUTES - 1.0 - q_min
    mean = np.where(req.urgency[h] == 2, 0.25, 1.0) * C.MEAN_HIRE_DELAY_MINUTES
    cdf_limit = 1.0 - np.exp(-limit / mean)
    wait = -mean * np.log1p(-u_delay[h] * cdf_limit)
    hires = {
        "hire_id": format_ids("hire_id", np.arange(first_hire, first_hire + len(h))),
        "request_id": req.ids[h],
        "quote_id": quote_ids[chosen_quote],
        "professional_id": pros.ids[q_pro[h, slot]],
        "agreed_price_eur": np.round(q_price[h, slot] * discount[h], 2),
        "_minute": q_min + wait,
        "_customer": req.customer[h],
        "_professional": q_pro[h, slot],
    }
    return Outcome(quotes=quotes, hires=hires)
