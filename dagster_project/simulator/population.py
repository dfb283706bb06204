"""Customers and professionals: who they are and how they change from one day to the next.

State is kept as numpy columns (one array per attribute) because the simulator replays every
day from day 0 on each call; frames are only built for what a load writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

import numpy as np

from . import config as C
from .schema import KEY_PATTERNS, LOADED_AT, UPDATED_AT
from .timeline import business_timestamps

CATEGORY_NAMES = np.array(list(C.CATEGORIES), dtype=object)
REGION_NAMES = np.array(list(C.REGIONS), dtype=object)
SEGMENT_NAMES = np.array(list(C.SEGMENTS), dtype=object)
CHANNEL_NAMES = np.array(list(C.ACQUISITION_CHANNELS), dtype=object)
N_CATEGORIES = len(CATEGORY_NAMES)
N_REGIONS = len(REGION_NAMES)
N_MARKETS = N_CATEGORIES * N_REGIONS

REGION_SHARES = np.array([r.share for r in C.REGIONS.values()])
REGION_PRICE = np.array([r.price_level for r in C.REGIONS.values()])
CATEGORY_PRO_SHARES = np.array([c.pro_share for c in C.CATEGORIES.values()])
CATEGORY_RATE = np.array([c.hourly_rate_eur for c in C.CATEGORIES.values()])


def format_ids(key: str, numbers: np.ndarray) -> np.ndarray:
    prefix, width = KEY_PATTERNS[key]
    return np.array([f"{prefix}{n:0{width}d}" for n in numbers.tolist()], dtype=object)


def _probs(d: dict[str, float]) -> np.ndarray:
    p = np.array(list(d.values()), dtype=float)
    return p / p.sum()


def _business_times(start: dt.date, day: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return business_timestamps(
        start, day * C.BUSINESS_MINUTES + rng.uniform(0, C.BUSINESS_MINUTES, len(day))
    )


class _Columns:
    """Array-per-attribute store; `extend` appends a batch of new entities."""

    def extend(self, other: _Columns) -> None:
        for f in fields(self):
            setattr(self, f.name, np.concatenate([getattr(self, f.name), getattr(other, f.name)]))

    def __len__(self) -> int:
        return len(getattr(self, fields(self)[0].name))


@dataclass
class Customers(_Columns):
    ids: np.ndarray
    signup_at: np.ndarray
    region: np.ndarray
    segment: np.ndarray
    channel: np.ndarray
    opt_in: np.ndarray
    total_requests: np.ndarray
    total_hires: np.ndarray
    updated_at: np.ndarray
    # latent behaviour, never landed
    activity: np.ndarray
    propensity: np.ndarray
    budget_bias: np.ndarray
    hires_in_sim: np.ndarray

    @classmethod
    def create(
        cls,
        rng: np.random.Generator,
        first_number: int,
        n: int,
        start: dt.date,
        signup_day: np.ndarray,
        initial: bool,
    ) -> Customers:
        signup_at = _business_times(start, signup_day, rng)
        activity = rng.lognormal(0.0, 0.9, n)
        if initial:
            total_requests = rng.poisson(activity * 2.5).astype(np.int32)
            total_hires = rng.binomial(total_requests, 0.4).astype(np.int32)
            # the last change happened some time between signup and the start of the timeline
            age_days = -signup_day
            updated_day = signup_day + np.floor(rng.uniform(0, 1, n) * age_days).astype(np.int64)
            updated_at = np.maximum(signup_at, _business_times(start, updated_day, rng))
        else:
            total_requests = np.zeros(n, np.int32)
            total_hires = np.zeros(n, np.int32)
            updated_at = signup_at.copy()
        return cls(
            ids=format_ids("customer_id", np.arange(first_number, first_number + n)),
            signup_at=signup_at,
            region=rng.choice(N_REGIONS, n, p=REGION_SHARES).astype(np.int8),
            segment=rng.choice(len(SEGMENT_NAMES), n, p=_probs(C.SEGMENTS)).astype(np.int8),
            channel=rng.choice(len(CHANNEL_NAMES), n, p=_probs(C.ACQUISITION_CHANNELS)).astype(
                np.int8
            ),
            opt_in=rng.random(n) < 0.55,
            total_requests=total_requests,
            total_hires=total_hires,
            updated_at=updated_at,
            activity=activity,
            propensity=rng.normal(0.0, 0.6, n),
            budget_bias=rng.lognormal(0.0, 0.15, n),
            hires_in_sim=np.zeros(n, np.int32),
        )

    def evolve(
        self, rng: np.random.Generator, start: dt.date, day: int, changed: np.ndarray
    ) -> None:
        """Rare attribute changes: a customer moves, or flips the marketing opt-in.
        Called before the day's sign-ups are added, so every customer here already exists."""
        n = len(self)
        moves = rng.random(n) < C.CUSTOMER_MOVE_P
        new_region = rng.choice(N_REGIONS, n, p=REGION_SHARES).astype(np.int8)
        flips = rng.random(n) < C.CUSTOMER_OPT_IN_FLIP_P
        when = _business_times(start, np.full(n, day), rng)
        self.region = np.where(moves, new_region, self.region).astype(np.int8)
        self.opt_in = np.where(flips, ~self.opt_in, self.opt_in)
        touched = moves | flips
        self.updated_at = np.where(touched, np.maximum(self.updated_at, when), self.updated_at)
        changed |= touched

    def record_events(
        self, idx: np.ndarray, at: np.ndarray, column: str, changed: np.ndarray
    ) -> None:
        np.add.at(getattr(self, column), idx, 1)
        np.maximum.at(self.updated_at, idx, at)
        changed[idx] = True

    def rows(self, idx: np.ndarray, loaded_at: np.datetime64) -> dict[str, np.ndarray]:
        return {
            "customer_id": self.ids[idx],
            "signup_at": self.signup_at[idx],
            "region": REGION_NAMES[self.region[idx]],
            "segment": SEGMENT_NAMES[self.segment[idx]],
            "acquisition_channel": CHANNEL_NAMES[self.channel[idx]],
            "marketing_opt_in": self.opt_in[idx],
            "total_requests": self.total_requests[idx],
            "total_hires": self.total_hires[idx],
            UPDATED_AT: self.updated_at[idx],
            LOADED_AT: np.full(len(idx), loaded_at),
        }


@dataclass
class Professionals(_Columns):
    ids: np.ndarray
    joined_at: np.ndarray
    category: np.ndarray
    region: np.ndarray
    hourly_rate: np.ndarray
    rating: np.ndarray
    response_rate: np.ndarray
    n_reviews: np.ndarray
    is_active: np.ndarray
    updated_at: np.ndarray
    # latent: each pro has a level, an own AR(1) deviation, and shares its market's factor
    rating_base: np.ndarray
    rating_dev: np.ndarray
    response_base: np.ndarray
    response_dev: np.ndarray

    @property
    def market(self) -> np.ndarray:
        return self.category.astype(np.int16) * N_REGIONS + self.region

    @classmethod
    def create(
        cls,
        rng: np.random.Generator,
        first_number: int,
        n: int,
        start: dt.date,
        joined_day: np.ndarray,
        initial: bool,
        markets: MarketFactors,
    ) -> Professionals:
        category = rng.choice(
            N_CATEGORIES, n, p=CATEGORY_PRO_SHARES / CATEGORY_PRO_SHARES.sum()
        ).astype(np.int8)
        region = rng.choice(N_REGIONS, n, p=REGION_SHARES).astype(np.int8)
        joined_at = _business_times(start, joined_day, rng)
        rate = CATEGORY_RATE[category] * REGION_PRICE[region] * rng.lognormal(0.0, 0.18, n)
        rating_base = np.clip(rng.normal(4.25, 0.35, n), 2.5, 4.95)
        response_base = np.clip(rng.normal(0.55, 0.15, n), 0.1, 0.95)
        market = category.astype(np.int16) * N_REGIONS + region
        rating = np.round(np.clip(rating_base + markets.rating[market], 1.0, 5.0), 2)
        response = np.round(np.clip(response_base + markets.response[market], 0.02, 1.0), 3)
        if initial:
            n_reviews = np.floor(rng.lognormal(2.2, 1.0, n)).astype(np.int32)
            is_active = rng.random(n) < 0.8
            updated_at = np.maximum(
                joined_at, business_timestamps(start, -rng.uniform(1, 30, n) * C.BUSINESS_MINUTES)
            )
        else:
            n_reviews = np.zeros(n, np.int32)
            is_active = np.ones(n, bool)
            updated_at = joined_at.copy()
        return cls(
            ids=format_ids("professional_id", np.arange(first_number, first_number + n)),
            joined_at=joined_at,
            category=category,
            region=region,
            hourly_rate=np.round(rate, 2),
            rating=rating,
            response_rate=response,
            n_reviews=n_reviews,
            is_active=is_active,
            updated_at=updated_at,
            rating_base=rating_base,
            rating_dev=np.zeros(n),
            response_base=response_base,
            response_dev=np.zeros(n),
        )

    def evolve(
        self,
        rng: np.random.Generator,
        start: dt.date,
        day: int,
        markets: MarketFactors,
        changed: np.ndarray,
    ) -> None:
        """One day of a pro's life: rating and response-rate random walks while active,
        going (in)active, and the occasional price change. Called before the day's new pros
        are added."""
        n = len(self)
        when = _business_times(start, np.full(n, day), rng)
        rating_step = rng.normal(0.0, C.PRO_RATING_STEP, n)
        response_step = rng.normal(0.0, C.PRO_RESPONSE_STEP, n)
        toggle = rng.random(n)
        rate_change = rng.random(n) < C.PRO_RATE_CHANGE_P
        rate_factor = rng.lognormal(0.04, 0.05, n)

        active = self.is_active.copy()
        self.rating_dev = np.where(
            active, C.PRO_PERSISTENCE * self.rating_dev + rating_step, self.rating_dev
        )
        self.response_dev = np.where(
            active, C.PRO_PERSISTENCE * self.response_dev + response_step, self.response_dev
        )
        m = self.market
        new_rating = np.round(
            np.clip(self.rating_base + self.rating_dev + markets.rating[m], 1.0, 5.0), 2
        )
        new_response = np.round(
            np.clip(self.response_base + self.response_dev + markets.response[m], 0.02, 1.0), 3
        )
        self.rating = np.where(active, new_rating, self.rating)
        self.response_rate = np.where(active, new_response, self.response_rate)

        deactivate = active & (toggle < C.PRO_DEACTIVATE_P)
        reactivate = ~self.is_active & (toggle < C.PRO_REACTIVATE_P)
        self.is_active = np.where(deactivate | reactivate, ~self.is_active, self.is_active)
        self.hourly_rate = np.where(
            rate_change, np.round(self.hourly_rate * rate_factor, 2), self.hourly_rate
        )

        touched = active | reactivate | rate_change
        self.updated_at = np.where(touched, np.maximum(self.updated_at, when), self.updated_at)
        changed |= touched

    def record_reviews(
        self, rng: np.random.Generator, idx: np.ndarray, at: np.ndarray, changed: np.ndarray
    ) -> None:
        reviewed = rng.random(len(idx)) < C.PRO_REVIEW_AFTER_HIRE_P
        idx, at = idx[reviewed], at[reviewed]
        np.add.at(self.n_reviews, idx, 1)
        np.maximum.at(self.updated_at, idx, at)
        changed[idx] = True

    def rows(self, idx: np.ndarray, loaded_at: np.datetime64) -> dict[str, np.ndarray]:
        return {
            "professional_id": self.ids[idx],
            "joined_at": self.joined_at[idx],
            "primary_category": CATEGORY_NAMES[self.category[idx]],
            "region": REGION_NAMES[self.region[idx]],
            "hourly_rate_eur": self.hourly_rate[idx],
            "rating": self.rating[idx],
            "response_rate": self.response_rate[idx],
            "n_reviews": self.n_reviews[idx],
            "is_active": self.is_active[idx],
            UPDATED_AT: self.updated_at[idx],
            LOADED_AT: np.full(len(idx), loaded_at),
        }

    def snapshot_rows(self, stat_date: dt.date, loaded_at: np.datetime64) -> dict[str, np.ndarray]:
        n = len(self)
        return {
            "stat_date": np.full(n, np.datetime64(stat_date, "us")),
            "professional_id": self.ids,
            "is_active": self.is_active.copy(),
            "rating": self.rating.copy(),
            "response_rate": self.response_rate.copy(),
            "hourly_rate_eur": self.hourly_rate.copy(),
            "n_reviews": self.n_reviews.copy(),
            LOADED_AT: np.full(n, loaded_at),
        }


@dataclass
class MarketFactors:
    """Common AR(1) shocks per (category, region) market on rating and response rate."""

    rating: np.ndarray
    response: np.ndarray

    @classmethod
    def create(cls, rng: np.random.Generator) -> MarketFactors:
        # start from the stationary distribution so day 0 is not special
        sd_r = C.MARKET_RATING_STEP / np.sqrt(1 - C.MARKET_PERSISTENCE**2)
        sd_s = C.MARKET_RESPONSE_STEP / np.sqrt(1 - C.MARKET_PERSISTENCE**2)
        return cls(rng.normal(0, sd_r, N_MARKETS), rng.normal(0, sd_s, N_MARKETS))

    def step(self, rng: np.random.Generator) -> None:
        self.rating = C.MARKET_PERSISTENCE * self.rating + rng.normal(
            0, C.MARKET_RATING_STEP, N_MARKETS
        )
        self.response = C.MARKET_PERSISTENCE * self.response + rng.normal(
            0, C.MARKET_RESPONSE_STEP, N_MARKETS
        )
