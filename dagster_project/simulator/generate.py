"""The simulated marketplace, one day at a time: the truth the upstream application holds.

`World` is a deterministic function of (seed, scale, start date): day d draws only from random
streams seeded by (seed, stream, d), never from the wall clock. Continuing a warehouse therefore
means replaying days 0..d-1 in memory and landing day d; replay is cheap (numpy columns, no
DataFrames) and keeps the truth independent of whatever failures were injected into earlier
loads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import config as C
from .behaviour import make_requests, quote_and_hire
from .config import SimConfig
from .population import Customers, MarketFactors, Professionals
from .schema import LOADED_AT, TABLES
from .timeline import business_timestamps, day_date, loaded_at

Rows = dict[str, np.ndarray]  # column name -> values, all the same length

# one independent random stream per concern, so adding draws to one leaves the others intact
_STREAMS = {
    "init": 0,
    "market": 1,
    "pros": 2,
    "customers": 3,
    "signups": 4,
    "joins": 5,
    "requests": 6,
    "quotes": 7,
    "reviews": 8,
}


def stream(seed: int, name: str, day: int = 0) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, _STREAMS[name], day]))


def rows_len(rows: Rows) -> int:
    return len(next(iter(rows.values()))) if rows else 0


def rows_take(rows: Rows, idx: np.ndarray) -> Rows:
    return {k: v[idx] for k, v in rows.items()}


def rows_concat(parts: list[Rows]) -> Rows:
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def to_frame(rows: Rows, table: str) -> pd.DataFrame:
    return pd.DataFrame({c: rows[c] for c in TABLES[table].columns})


@dataclass
class TableRows:
    inserts: Rows
    updates: Rows | None = None  # dimension rows that changed in place today


@dataclass
class DayTruth:
    day: int
    date: dt.date
    loaded_at: np.datetime64
    tables: dict[str, TableRows] = field(default_factory=dict)


class World:
    def __init__(self, cfg: SimConfig, start: dt.date):
        self.cfg = cfg
        self.start = start
        rng = stream(cfg.seed, "init")
        self.markets = MarketFactors.create(rng)
        n_c = max(50, round(C.INITIAL_CUSTOMERS * cfg.scale))
        n_p = max(len(C.CATEGORIES) * 2, round(C.INITIAL_PROFESSIONALS * cfg.scale))
        self.customers = Customers.create(
            rng, 1, n_c, start, -rng.integers(1, 730, n_c), initial=True
        )
        self.pros = Professionals.create(
            rng, 1, n_p, start, -rng.integers(1, 1095, n_p), initial=True, markets=self.markets
        )
        self.next_request = self.next_quote = self.next_hire = 1
        self._pending: dict[str, dict[int, list[Rows]]] = {"quotes": {}, "hires": {}}
        self.history: dict[str, list[Rows]] = {
            name: [] for name, spec in TABLES.items() if spec.kind != "dimension"
        }
        self.day = 0  # the next day step() generates
        self.last: DayTruth | None = None

    def advance_to(self, day: int) -> DayTruth | None:
        """Generate days up to and including `day`; returns that day's truth."""
        while self.day <= day:
            self.step()
        return self.last

    def step(self) -> DayTruth:
        d, seed, start = self.day, self.cfg.seed, self.start
        loaded = loaded_at(start, d)
        self.markets.step(stream(seed, "market", d))
        cust_changed = np.zeros(len(self.customers), bool)
        pro_changed = np.zeros(len(self.pros), bool)
        self.pros.evolve(stream(seed, "pros", d), start, d, self.markets, pro_changed)
        self.customers.evolve(stream(seed, "customers", d), start, d, cust_changed)

        first_new_c, first_new_p = len(self.customers), len(self.pros)
        rng = stream(seed, "signups", d)
        n_new = rng.poisson(C.NEW_CUSTOMERS_PER_DAY * self.cfg.scale)
        self.customers.extend(
            Customers.create(rng, first_new_c + 1, n_new, start, np.full(n_new, d), initial=False)
        )
        rng = stream(seed, "joins", d)
        n_new = rng.poisson(C.NEW_PROFESSIONALS_PER_DAY * self.cfg.scale)
        self.pros.extend(
            Professionals.create(
                rng,
                first_new_p + 1,
                n_new,
                start,
                np.full(n_new, d),
                initial=False,
                markets=self.markets,
            )
        )
        cust_changed = np.concatenate(
            [cust_changed, np.zeros(len(self.customers) - first_new_c, bool)]
        )
        pro_changed = np.concatenate([pro_changed, np.zeros(len(self.pros) - first_new_p, bool)])

        req = make_requests(
            stream(seed, "requests", d),
            self.cfg.scale,
            start,
            d,
            self.customers,
            first_new_c,
            self.next_request,
        )
        self.next_request += len(req)
        self.customers.record_events(
            req.customer, business_timestamps(start, req.minute), "total_requests", cust_changed
        )
        outcome = quote_and_hire(
            stream(seed, "quotes", d),
            req,
            self.pros,
            self.customers,
            self.next_quote,
            self.next_hire,
        )
        self.next_quote += rows_len(outcome.quotes)
        self.next_hire += rows_len(outcome.hires)
        self._schedule("quotes", outcome.quotes)
        self._schedule("hires", outcome.hires)

        quotes = self._due("quotes", d)
        hires = self._due("hires", d)
        hired_at = business_timestamps(start, hires["_minute"])
        self.customers.record_events(hires["_customer"], hired_at, "total_hires", cust_changed)
        np.add.at(self.customers.hires_in_sim, hires["_customer"], 1)
        self.pros.record_reviews(
            stream(seed, "reviews", d), hires["_professional"], hired_at, pro_changed
        )

        if d == 0:  # the first load brings the whole pre-existing population
            first_new_c = first_new_p = 0
        truth = DayTruth(day=d, date=day_date(start, d), loaded_at=loaded)
        truth.tables["customers"] = self._dimension_rows(
            self.customers, first_new_c, cust_changed, loaded
        )
        truth.tables["professionals"] = self._dimension_rows(
            self.pros, first_new_p, pro_changed, loaded
        )
        truth.tables["professional_daily_stats"] = TableRows(
            self.pros.snapshot_rows(truth.date, loaded)
        )
        truth.tables["service_requests"] = TableRows(req.rows(start, d, loaded))
        truth.tables["quotes"] = TableRows(self._event_rows(quotes, "quotes", "quoted_at", loaded))
        truth.tables["hires"] = TableRows(self._event_rows(hires, "hires", "hired_at", loaded))
        for name, parts in self.history.items():
            parts.append(truth.tables[name].inserts)
        self.day += 1
        self.last = truth
        return truth

    def truth_table(self, name: str, loaded: np.datetime64) -> Rows:
        """The whole table as the upstream application holds it after the last generated day;
        `loaded` stamps dimension rows (fact rows keep the load they belong to)."""
        if TABLES[name].kind == "dimension":
            entities = self.customers if name == "customers" else self.pros
            return entities.rows(np.arange(len(entities)), loaded)
        return rows_concat(self.history[name])

    @staticmethod
    def _dimension_rows(
        entities, first_new: int, changed: np.ndarray, loaded: np.datetime64
    ) -> TableRows:
        new = np.arange(first_new, len(entities))
        updated = np.flatnonzero(changed[:first_new])
        return TableRows(entities.rows(new, loaded), entities.rows(updated, loaded))

    def _schedule(self, kind: str, events: Rows) -> None:
        day_of = np.floor(events["_minute"] / C.BUSINESS_MINUTES).astype(np.int64)
        for day in np.unique(day_of):
            self._pending[kind].setdefault(int(day), []).append(rows_take(events, day_of == day))

    def _due(self, kind: str, day: int) -> Rows:
        parts = self._pending[kind].pop(day, [])
        if not parts:
            return {k: np.empty(0, dtype=v) for k, v in _EVENT_DTYPES[kind].items()}
        return rows_concat(parts)

    def _event_rows(self, events: Rows, table: str, ts_column: str, loaded: np.datetime64) -> Rows:
        spec = TABLES[table]
        out = dict(events)
        out[ts_column] = business_timestamps(self.start, events["_minute"])
        out[LOADED_AT] = np.full(rows_len(events), loaded)
        order = np.argsort(out[spec.key[0]], kind="stable")
        return {c: out[c][order] for c in spec.columns}


_EVENT_DTYPES = {
    "quotes": {
        "quote_id": object,
        "request_id": object,
        "professional_id": object,
        "price_eur": float,
        "_minute": float,
    },
    "hires": {
        "hire_id": object,
        "request_id": object,
        "quote_id": object,
        "professional_id": object,
        "agreed_price_eur": float,
        "_minute": float,
        "_customer": np.int64,
        "_professional": np.int64,
    },
}
