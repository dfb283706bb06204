"""Knobs of the simulated marketplace: sizes, categories, regions and behaviour constants.

Everything that shapes the data lives here, so that a reviewer can see at a glance why the
conversion model has something to learn and which constants the failure scenarios perturb.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

DEFAULT_SEED = 42
DEFAULT_SCALE = 1.0
# Bump when a code change alters the generated data: a warehouse landed by another version
# cannot be continued (the replayed truth would no longer match what was landed).
GENERATOR_VERSION = 1


@dataclass(frozen=True)
class Category:
    request_share: float  # share of service requests
    pro_share: float  # share of professionals whose primary category this is
    job_hours: float  # typical size of a job, drives budgets and quote prices
    hourly_rate_eur: float  # typical professional rate before regional price level
    conversion_logit: float  # base propensity of a quoted request to turn into a hire
    urgent_share: float  # share of requests marked urgent


CATEGORIES: dict[str, Category] = {
    "cleaning": Category(0.22, 0.22, 3.0, 26.0, 0.25, 0.10),
    "plumbing": Category(0.13, 0.12, 2.5, 58.0, 0.50, 0.35),
    "electrical": Category(0.10, 0.10, 3.0, 60.0, 0.40, 0.30),
    "moving": Category(0.09, 0.09, 6.0, 38.0, -0.15, 0.08),
    "painting": Category(0.10, 0.10, 12.0, 34.0, -0.30, 0.05),
    "gardening": Category(0.12, 0.11, 4.0, 30.0, 0.05, 0.08),
    "handyman": Category(0.16, 0.16, 3.0, 40.0, 0.15, 0.15),
    "tutoring": Category(0.08, 0.10, 10.0, 30.0, -0.45, 0.03),
}


@dataclass(frozen=True)
class Region:
    share: float  # share of customers and professionals living there
    price_level: float  # multiplies hourly rates and budgets


REGIONS: dict[str, Region] = {
    "berlin": Region(0.26, 1.00),
    "hamburg": Region(0.18, 1.05),
    "munich": Region(0.18, 1.18),
    "cologne": Region(0.14, 0.95),
    "frankfurt": Region(0.12, 1.10),
    "stuttgart": Region(0.12, 1.05),
}

SEGMENTS = {"household": 0.70, "landlord": 0.20, "business": 0.10}
ACQUISITION_CHANNELS = {"organic": 0.45, "paid_search": 0.30, "referral": 0.15, "partner": 0.10}
REQUEST_CHANNELS = {"web": 0.50, "ios": 0.30, "android": 0.20}
URGENCIES = ("flexible", "within_week", "urgent")

# Sizes at scale 1.0 (the brief: ~8-10k customers, ~1.5k pros, 250-400 requests a day).
INITIAL_CUSTOMERS = 8_000
NEW_CUSTOMERS_PER_DAY = 16.0
INITIAL_PROFESSIONALS = 1_400
NEW_PROFESSIONALS_PER_DAY = 1.2
REQUESTS_PER_DAY = 330.0
REQUEST_GROWTH_PER_DAY = 0.001
# Monday..Sunday: people book home services less at weekends.
WEEKDAY_FACTOR = (1.06, 1.05, 1.02, 1.0, 0.96, 0.82, 0.72)
NEW_CUSTOMER_FIRST_REQUEST_P = 0.5

# Business hours: every event of day D falls inside [OPEN, OPEN + BUSINESS_MINUTES) of day D,
# and the day's load runs after closing, so "the load of day D" is exactly "the events of day D".
OPEN_HOUR = 7
BUSINESS_MINUTES = 15 * 60
LOAD_TIME = (23, 30)  # hh, mm of each day's load; becomes every landed row's _loaded_at

# Quotes: the platform notifies up to MAX_NOTIFIED active pros of the request's market; each
# answers with a probability given by its response_rate; at most MAX_QUOTES quotes are kept.
MAX_NOTIFIED = 8
QUOTE_PROPENSITY = 0.62
MAX_QUOTES = 5
MAX_QUOTE_DELAY_MINUTES = 3 * BUSINESS_MINUTES
# Shifts every request's hire log-odds so that about 40% of requests convert.
CONVERSION_INTERCEPT = -1.5
# A hire happens strictly within 7 days of its request (the conversion label's window).
HIRE_WINDOW_DAYS = 7
MEAN_HIRE_DELAY_MINUTES = 1.0 * BUSINESS_MINUTES

# Professional dynamics. A market (category x region) has a common AR(1) factor on rating and
# response rate, so supply quality moves over weeks: the daily-updated dimension columns then
# carry signal that a frozen column loses.
MARKET_PERSISTENCE = 0.98
MARKET_RATING_STEP = 0.06
MARKET_RESPONSE_STEP = 0.035
PRO_PERSISTENCE = 0.99
PRO_RATING_STEP = 0.03
PRO_RESPONSE_STEP = 0.015
PRO_DEACTIVATE_P = 0.008
PRO_REACTIVATE_P = 0.03
PRO_RATE_CHANGE_P = 0.004
PRO_REVIEW_AFTER_HIRE_P = 0.7

CUSTOMER_MOVE_P = 0.0005
CUSTOMER_OPT_IN_FLIP_P = 0.002


def generator_fingerprint() -> str:
    """GENERATOR_VERSION plus a hash of every constant above, stored with the warehouse."""
    constants = {k: v for k, v in sorted(globals().items()) if k.isupper()}
    digest = hashlib.sha256(repr(constants).encode()).hexdigest()[:12]
    return f"v{GENERATOR_VERSION}-{digest}"


@dataclass(frozen=True)
class SimConfig:
    seed: int = DEFAULT_SEED
    scale: float = DEFAULT_SCALE

    def __post_init__(self) -> None:
        if self.scale <= 0:
            raise ValueError(f"scale must be > 0, got {self.scale}")

    def scaled(self, n: float) -> float:
        return n * self.scale
