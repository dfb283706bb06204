"""The raw tables the simulated upstream ETL lands, described once.

The generator, the writers, the failure registry and the repair step all read these specs, so a
column is added in one place. Logical types map to one physical type per warehouse
(see ``writers``).

Keys are strings with a fixed prefix and a zero-padded number (``c_000123``); the padding widens
when a counter outgrows it, so the pattern is ``^c_[0-9]{6,}$``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

STRING, INT, DOUBLE, BOOL, TIMESTAMP, DATE = "string", "int", "double", "bool", "timestamp", "date"
LOGICAL_TYPES = (STRING, INT, DOUBLE, BOOL, TIMESTAMP, DATE)

LOADED_AT = "_loaded_at"
UPDATED_AT = "updated_at"


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: dict[str, str]  # name -> logical type, in table order
    key: tuple[str, ...]
    kind: str  # "dimension" (rows are updated in place), "snapshot" or "fact" (append-only)
    foreign_keys: dict[str, str] = field(default_factory=dict)  # column -> referenced table
    mutable: tuple[str, ...] = ()  # columns whose values change over an entity's life
    entity_key: str | None = None  # the entity a row describes (for "frozen" on snapshots)

    @property
    def money_columns(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns if c.endswith("_eur"))

    @property
    def non_key_columns(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns if c not in self.key)


KEY_PATTERNS = {
    "customer_id": ("c_", 6),
    "professional_id": ("p_", 6),
    "request_id": ("r_", 7),
    "quote_id": ("q_", 8),
    "hire_id": ("h_", 7),
}

CUSTOMERS = TableSpec(
    name="customers",
    columns={
        "customer_id": STRING,
        "signup_at": TIMESTAMP,
        "region": STRING,
        "segment": STRING,
        "acquisition_channel": STRING,
        "marketing_opt_in": BOOL,
        "total_requests": INT,
        "total_hires": INT,
        UPDATED_AT: TIMESTAMP,
        LOADED_AT: TIMESTAMP,
    },
    key=("customer_id",),
    kind="dimension",
    mutable=("region", "marketing_opt_in", "total_requests", "total_hires"),
    entity_key="customer_id",
)

PROFESSIONALS = TableSpec(
    name="professionals",
    columns={
        "professional_id": STRING,
        "joined_at": TIMESTAMP,
        "primary_category": STRING,
        "region": STRING,
        "hourly_rate_eur": DOUBLE,
        "rating": DOUBLE,
        "response_rate": DOUBLE,
        "n_reviews": INT,
        "is_active": BOOL,
        UPDATED_AT: TIMESTAMP,
        LOADED_AT: TIMESTAMP,
    },
    key=("professional_id",),
    kind="dimension",
    mutable=("hourly_rate_eur", "rating", "response_rate", "n_reviews", "is_active"),
    entity_key="professional_id",
)

# The upstream ETL snapshots the professionals table it has just loaded, once per day, so the
# warehouse keeps point-in-time history of the daily-updated columns. A failure injected into
# `professionals` therefore shows up in the snapshot of the same load, as it would upstream.
PROFESSIONAL_DAILY_STATS = TableSpec(
    name="professional_daily_stats",
    columns={
        "stat_date": DATE,
        "professional_id": STRING,
        "is_active": BOOL,
        "rating": DOUBLE,
        "response_rate": DOUBLE,
        "hourly_rate_eur": DOUBLE,
        "n_reviews": INT,
        LOADED_AT: TIMESTAMP,
    },
    key=("professional_id", "stat_date"),
    kind="snapshot",
    foreign_keys={"professional_id": "professionals"},
    mutable=("is_active", "rating", "response_rate", "hourly_rate_eur", "n_reviews"),
    entity_key="professional_id",
)

SERVICE_REQUESTS = TableSpec(
    name="service_requests",
    columns={
        "request_id": STRING,
        "customer_id": STRING,
        "category": STRING,
        "region": STRING,
        "requested_at": TIMESTAMP,
        "urgency": STRING,
        "preferred_date": DATE,  # NULL when the customer is flexible (a natural ~45% null rate)
        "budget_eur": DOUBLE,
        "channel": STRING,
        LOADED_AT: TIMESTAMP,
    },
    key=("request_id",),
    kind="fact",
    foreign_keys={"customer_id": "customers"},
)

QUOTES = TableSpec(
    name="quotes",
    columns={
        "quote_id": STRING,
        "request_id": STRING,
        "professional_id": STRING,
        "quoted_at": TIMESTAMP,
        "price_eur": DOUBLE,
        LOADED_AT: TIMESTAMP,
    },
    key=("quote_id",),
    kind="fact",
    foreign_keys={"request_id": "service_requests", "professional_id": "professionals"},
)

HIRES = TableSpec(
    name="hires",
    columns={
        "hire_id": STRING,
        "request_id": STRING,
        "quote_id": STRING,
        "professional_id": STRING,
        "hired_at": TIMESTAMP,
        "agreed_price_eur": DOUBLE,
        LOADED_AT: TIMESTAMP,
    },
    key=("hire_id",),
    kind="fact",
    foreign_keys={
        "request_id": "service_requests",
        "quote_id": "quotes",
        "professional_id": "professionals",
    },
)

# Load order: dimensions before the facts that reference them, the snapshot right after the
# table it copies.
TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (
        CUSTOMERS,
        PROFESSIONALS,
        PROFESSIONAL_DAILY_STATS,
        SERVICE_REQUESTS,
        QUOTES,
        HIRES,
    )
}

# Tables whose content is derived, in the same load, from another landed table.
DERIVED_FROM = {"professional_daily_stats": "professionals"}

STATE_TABLE = "_simulator_state"
LOADS_TABLE = "_simulator_loads"


def table_spec(name: str) -> TableSpec:
    try:
        return TABLES[name]
    except KeyError:
        raise ValueError(f"unknown table {name!r}; valid tables: {', '.join(TABLES)}") from None
