"""The benchmark's rules, each stated three ways: as ODCS contract YAML (what lockgate reads), as
the metric a person would compute by hand in SQL, and as the Great Expectations expectation a GX
user would write. One catalogue keeps the approaches measuring the same thing.

The order matters: the rule-count benchmark takes prefixes (5, 10, 25, 50 rules), so each prefix
mixes cheap predicates (nulls, ranges), regular expressions and exact distinct counts the way the
standard 25-rule contract does.

Metrics are what gets compared across approaches: failing rows for row rules (nulls never count as
failing except for null rules), `count(key) - count(distinct key)` for uniqueness, the row count,
and `max(column)` for freshness.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from benchmarks.generate import COUNTRIES, STATUSES, TABLE

# --- what is measured --------------------------------------------------------------------------


@dataclass(frozen=True)
class Failing:
    """Rows for which `sql` is true. Written as a person would: SQL's three-valued logic already
    keeps NULLs out of comparisons, so no `IS NOT NULL` guard is needed."""

    sql: str


@dataclass(frozen=True)
class Duplicates:
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Rows:
    pass


@dataclass(frozen=True)
class Latest:
    column: str


Metric = Failing | Duplicates | Rows | Latest

# --- how GX would say it -----------------------------------------------------------------------


@dataclass(frozen=True)
class Gx:
    """GX expectations (class name, kwargs) whose results add up to the metric.

    `result` is the field of the validation result holding it (`unexpected_count` or
    `observed_value`). `same` is False when GX defines the number differently (uniqueness: GX
    counts every row of a repeated value, lockgate counts the repeats), so it is reported but
    not compared.
    """

    expectations: tuple[tuple[str, dict[str, Any]], ...]
    result: str = "unexpected_count"
    same: bool = True


# --- the rules ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleSpec:
    id: str  # the rule id lockgate compiles the YAML to
    column: str | None
    place: str  # flag | option | quality | table | sla: where the YAML goes in the contract
    odcs: Any  # flag name, (option key, value), a quality entry, or an SLA entry
    metric: Metric
    gx: Gx | None = None  # None: no GX core expectation says this
    extra: dict = field(default_factory=dict)


def _gx(name: str, **kwargs) -> Gx:
    return Gx(((name, kwargs),))


def _not_null(column: str) -> Gx:
    return _gx("ExpectColumnValuesToNotBeNull", column=column)


def _between(column: str, **kwargs) -> Gx:
    return _gx("ExpectColumnValuesToBeBetween", column=column, **kwargs)


def _regex(column: str, pattern: str) -> Gx:
    return _gx("ExpectColumnValuesToMatchRegex", column=column, regex=pattern)


def flag(column: str, name: str, metric: Metric, gx: Gx | None) -> RuleSpec:
    check = "primaryKey" if name == "primaryKey" else name
    return RuleSpec(f"{TABLE}.{column}.{check}", column, "flag", name, metric, gx)


def option(column: str, key: str, value: Any, metric: Metric, gx: Gx | None) -> RuleSpec:
    return RuleSpec(f"{TABLE}.{column}.{key}", column, "option", (key, value), metric, gx)


def quality(column: str | None, entry: dict, metric: Metric, gx: Gx | None) -> RuleSpec:
    return RuleSpec(entry["id"], column, "quality" if column else "table", entry, metric, gx)


EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[a-z]+$"
SKU_PATTERN = r"^SKU-[0-9]{6}$"
COUNTRY_PATTERN = r"^[A-Z]{2}$"
STATUS_PATTERN = r"^[a-z]+$"
FRESHNESS_DAYS = 3650  # the data is a fixed 2025 snapshot: a ten-year budget keeps the rule passing


def _sql_list(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


CATALOGUE: tuple[RuleSpec, ...] = (
    # -- the first 5 ----------------------------------------------------------------------------
    quality(
        None,
        {"id": "events_row_count", "metric": "rowCount", "mustBeGreaterThan": 0},
        Rows(),
        Gx((("ExpectTableRowCountToBeBetween", {"min_value": 1}),), "observed_value"),
    ),
    # primaryKey implies a not-null rule and a uniqueness rule: keep the two adjacent
    flag("event_id", "required", Failing("event_id IS NULL"), _not_null("event_id")),
    flag(
        "event_id",
        "primaryKey",
        Duplicates(("event_id",)),
        Gx((("ExpectColumnValuesToBeUnique", {"column": "event_id"}),), same=False),
    ),
    option("amount", "minimum", 0, Failing("amount < 0"), _between("amount", min_value=0)),
    quality(
        "status",
        {
            "id": "status_valid",
            "metric": "invalidValues",
            "arguments": {"validValues": list(STATUSES)},
            "mustBe": 0,
        },
        Failing(f"status NOT IN ({_sql_list(STATUSES)})"),
        _gx("ExpectColumnValuesToBeInSet", column="status", value_set=list(STATUSES)),
    ),
    # -- up to 10 -------------------------------------------------------------------------------
    quality(
        "email",
        {
            "id": "email_pattern",
            "metric": "invalidValues",
            "arguments": {"pattern": EMAIL_PATTERN},
            "mustBeLessOrEqualTo": 0.01,
            "unit": "percent",
        },
        Failing(f"NOT regexp_matches(email, '{EMAIL_PATTERN}')"),
        _regex("email", EMAIL_PATTERN),
    ),
    quality(
        "country",
        {
            "id": "country_nulls",
            "metric": "nullValues",
            "mustBeLessOrEqualTo": 1,
            "unit": "percent",
        },
        Failing("country IS NULL"),
        _not_null("country"),
    ),
    RuleSpec(
        f"{TABLE}.created_at.freshness",
        "created_at",
        "sla",
        {
            "property": "freshness",
            "value": FRESHNESS_DAYS,
            "unit": "d",
            "element": f"{TABLE}.created_at",
        },
        Latest("created_at"),
        Gx(
            (
                (
                    "ExpectColumnMaxToBeBetween",
                    {"column": "created_at", "min_value": "2000-01-01T00:00:00"},
                ),
            ),
            "observed_value",
        ),
    ),
    option(
        "quantity",
        "exclusiveMinimum",
        0,
        Failing("quantity <= 0"),
        _between("quantity", min_value=0, strict_min=True),
    ),
    flag("user_id", "required", Failing("user_id IS NULL"), _not_null("user_id")),
    # -- up to 25: the standard contract --------------------------------------------------------
    option("user_id", "minimum", 1, Failing("user_id < 1"), _between("user_id", min_value=1)),
    option(
        "user_id",
        "maximum",
        200_000,
        Failing("user_id > 200000"),
        _between("user_id", max_value=200_000),
    ),
    quality(
        None,
        {
            "id": "user_seq_unique",
            "metric": "duplicateValues",
            "arguments": {"properties": ["user_id", "seq"]},
            "mustBe": 0,
        },
        Duplicates(("user_id", "seq")),
        Gx((("ExpectCompoundColumnsToBeUnique", {"column_list": ["user_id", "seq"]}),), same=False),
    ),
    quality(
        "email",
        {"id": "email_nulls", "metric": "nullValues", "mustBeLessOrEqualTo": 1, "unit": "percent"},
        Failing("email IS NULL"),
        _not_null("email"),
    ),
    quality(
        "email",
        {
            "id": "email_duplicates",
            "metric": "duplicateValues",
            "mustBeLessOrEqualTo": 0.01,
            "unit": "percent",
        },
        Duplicates(("email",)),
        Gx((("ExpectColumnValuesToBeUnique", {"column": "email"}),), same=False),
    ),
    quality(
        "country",
        {
            "id": "country_valid",
            "metric": "invalidValues",
            "arguments": {"validValues": list(COUNTRIES)},
            "mustBeLessOrEqualTo": 0.1,
            "unit": "percent",
        },
        Failing(f"country NOT IN ({_sql_list(COUNTRIES)})"),
        _gx("ExpectColumnValuesToBeInSet", column="country", value_set=list(COUNTRIES)),
    ),
    flag("status", "required", Failing("status IS NULL"), _not_null("status")),
    quality(
        "amount",
        {"id": "amount_nulls", "metric": "nullValues", "mustBeLessOrEqualTo": 2, "unit": "percent"},
        Failing("amount IS NULL"),
        _not_null("amount"),
    ),
    option(
        "amount", "maximum", 10_000, Failing("amount > 10000"), _between("amount", max_value=10_000)
    ),
    option(
        "quantity", "maximum", 100, Failing("quantity > 100"), _between("quantity", max_value=100)
    ),
    option(
        "sku",
        "pattern",
        SKU_PATTERN,
        Failing(f"NOT regexp_matches(sku, '{SKU_PATTERN}')"),
        _regex("sku", SKU_PATTERN),
    ),
    option(
        "sku",
        "maxLength",
        10,
        Failing("length(sku) > 10"),
        _gx("ExpectColumnValueLengthsToBeBetween", column="sku", max_value=10),
    ),
    option(
        "event_date",
        "minimum",
        "2025-01-01",
        Failing("event_date < DATE '2025-01-01'"),
        _between("event_date", min_value="2025-01-01T00:00:00"),
    ),
    option(
        "event_date",
        "maximum",
        "2025-12-31",
        Failing("event_date > DATE '2025-12-31'"),
        _between("event_date", max_value="2025-12-31T00:00:00"),
    ),
    flag("created_at", "required", Failing("created_at IS NULL"), _not_null("created_at")),
    # -- up to 50: more of the same kinds, for the cost of an extra rule --------------------------
    flag("is_test", "required", Failing("is_test IS NULL"), _not_null("is_test")),
    option("seq", "minimum", 0, Failing("seq < 0"), _between("seq", min_value=0)),
    option(
        "created_at",
        "minimum",
        "2025-01-01T00:00:00",
        Failing("created_at < TIMESTAMP '2025-01-01 00:00:00'"),
        _between("created_at", min_value="2025-01-01T00:00:00"),
    ),
    option(
        "sku",
        "minLength",
        10,
        Failing("length(sku) < 10"),
        _gx("ExpectColumnValueLengthsToBeBetween", column="sku", min_value=10),
    ),
    quality(
        "country",
        {
            "id": "country_pattern",
            "metric": "invalidValues",
            "arguments": {"pattern": COUNTRY_PATTERN},
            "mustBeLessOrEqualTo": 0.1,
            "unit": "percent",
        },
        Failing(f"NOT regexp_matches(country, '{COUNTRY_PATTERN}')"),
        _regex("country", COUNTRY_PATTERN),
    ),
    flag("quantity", "required", Failing("quantity IS NULL"), _not_null("quantity")),
    flag("event_date", "required", Failing("event_date IS NULL"), _not_null("event_date")),
    flag("sku", "required", Failing("sku IS NULL"), _not_null("sku")),
    option(
        "email",
        "maxLength",
        64,
        Failing("length(email) > 64"),
        _gx("ExpectColumnValueLengthsToBeBetween", column="email", max_value=64),
    ),
    option(
        "email",
        "minLength",
        6,
        Failing("length(email) < 6"),
        _gx("ExpectColumnValueLengthsToBeBetween", column="email", min_value=6),
    ),
    option(
        "amount",
        "multipleOf",
        0.01,
        Failing("abs(amount / 0.01 - round(amount / 0.01)) > 1e-9"),
        None,
    ),
    quality(
        "quantity",
        {
            "id": "quantity_valid",
            "metric": "invalidValues",
            "arguments": {"validValues": list(range(1, 21))},
            "mustBe": 0,
        },
        Failing(f"quantity NOT IN ({', '.join(map(str, range(1, 21)))})"),
        _gx("ExpectColumnValuesToBeInSet", column="quantity", value_set=list(range(1, 21))),
    ),
    quality(
        "email",
        {
            "id": "email_missing",
            "metric": "missingValues",
            "arguments": {"missingValues": ["", "N/A"]},
            "mustBeLessOrEqualTo": 1,
            "unit": "percent",
        },
        Failing("email IS NULL OR email IN ('', 'N/A')"),
        Gx(
            (
                ("ExpectColumnValuesToNotBeNull", {"column": "email"}),
                ("ExpectColumnValuesToNotBeInSet", {"column": "email", "value_set": ["", "N/A"]}),
            )
        ),
    ),
    quality(
        "country",
        {
            "id": "country_missing",
            "metric": "missingValues",
            "arguments": {"missingValues": ["", "N/A"]},
            "mustBeLessOrEqualTo": 1,
            "unit": "percent",
        },
        Failing("country IS NULL OR country IN ('', 'N/A')"),
        Gx(
            (
                ("ExpectColumnValuesToNotBeNull", {"column": "country"}),
                ("ExpectColumnValuesToNotBeInSet", {"column": "country", "value_set": ["", "N/A"]}),
            )
        ),
    ),
    quality(
        "status",
        {
            "id": "status_pattern",
            "metric": "invalidValues",
            "arguments": {"pattern": STATUS_PATTERN},
            "mustBe": 0,
        },
        Failing(f"NOT regexp_matches(status, '{STATUS_PATTERN}')"),
        _regex("status", STATUS_PATTERN),
    ),
    option("seq", "maximum", 1000, Failing("seq > 1000"), _between("seq", max_value=1000)),
    option(
        "user_id",
        "format",
        "i32",
        Failing("user_id < -2147483648 OR user_id > 2147483647"),
        _between("user_id", min_value=-(2**31), max_value=2**31 - 1),
    ),
    option(
        "quantity",
        "format",
        "u8",
        Failing("quantity < 0 OR quantity > 255"),
        _between("quantity", min_value=0, max_value=255),
    ),
    option("event_id", "minimum", 1, Failing("event_id < 1"), _between("event_id", min_value=1)),
    option(
        "amount",
        "exclusiveMaximum",
        100_000,
        Failing("amount >= 100000"),
        _between("amount", max_value=100_000, strict_max=True),
    ),
    option(
        "created_at",
        "maximum",
        "2026-01-01T00:00:00",
        Failing("created_at > TIMESTAMP '2026-01-01 00:00:00'"),
        _between("created_at", max_value="2026-01-01T00:00:00"),
    ),
    quality(
        "sku",
        {
            "id": "sku_duplicates",
            "metric": "duplicateValues",
            "mustBeLessOrEqualTo": 100,
            "unit": "percent",
            "severity": "warning",
        },
        Duplicates(("sku",)),
        Gx((("ExpectColumnValuesToBeUnique", {"column": "sku"}),), same=False),
    ),
    option("quantity", "minimum", 1, Failing("quantity < 1"), _between("quantity", min_value=1)),
    option(
        "status",
        "maxLength",
        16,
        Failing("length(status) > 16"),
        _gx("ExpectColumnValueLengthsToBeBetween", column="status", max_value=16),
    ),
    option(
        "event_id",
        "format",
        "i64",
        Failing("event_id < -9223372036854775808 OR event_id > 9223372036854775807"),
        _between("event_id", min_value=-(2**63), max_value=2**63 - 1),
    ),
)

STANDARD = 25  # the benchmark contract: the first 25 rules
RULE_COUNTS = (5, 10, 25, 50)


def first(n: int) -> tuple[RuleSpec, ...]:
    if not 1 <= n <= len(CATALOGUE):
        raise ValueError(f"between 1 and {len(CATALOGUE)} rules, got {n}")
    return CATALOGUE[:n]
