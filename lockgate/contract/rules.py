"""The Rule IR: what every engine measures and the judge decides.

A contract compiles to one flat list of `Rule`s. Each rule names *what to measure* as a small,
engine-neutral `Measure` (count the rows matching a predicate, count the rows, count duplicate
keys...) and *how to judge it* as a `Threshold`. Engines translate measures (ibis expressions for
SQL, pandera checks for frames); only `lockgate.engines.judge` compares against thresholds. Keeping
the measure vocabulary closed and small is what lets every engine give the same verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

from lockgate.contract.findings import Location

# --- row predicates: a row "fails" when the predicate is true --------------------------------------
# Nulls never fail a predicate unless the predicate is about nulls (IsNull, IsMissing).


@dataclass(frozen=True)
class IsNull:
    column: str


@dataclass(frozen=True)
class IsMissing:
    """Null, or one of the listed placeholder values ('', 'N/A', ...)."""

    column: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class NotInSet:
    column: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class NotMatching:
    """Fails values where the regular expression finds no match (search, not full match)."""

    column: str
    pattern: str


@dataclass(frozen=True)
class OutOfRange:
    column: str
    minimum: Any = None
    maximum: Any = None
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False


@dataclass(frozen=True)
class LengthOutOfRange:
    column: str
    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class NotMultipleOf:
    column: str
    factor: float


@dataclass(frozen=True)
class LagAbove:
    """`end - start` exceeds `seconds` (latency between two timestamps of one row)."""

    start: str
    end: str
    seconds: float


@dataclass(frozen=True)
class AnyOf:
    predicates: tuple[Predicate, ...]


Predicate = Union[
    IsNull,
    IsMissing,
    NotInSet,
    NotMatching,
    OutOfRange,
    LengthOutOfRange,
    NotMultipleOf,
    LagAbove,
    AnyOf,
]


def predicate_columns(p: Predicate) -> tuple[str, ...]:
    if isinstance(p, AnyOf):
        return tuple(dict.fromkeys(c for sub in p.predicates for c in predicate_columns(sub)))
    if isinstance(p, LagAbove):
        return (p.start, p.end)
    return (p.column,)


# --- measures: what an engine returns a number for -------------------------------------------------


@dataclass(frozen=True)
class FailingRows:
    predicate: Predicate


@dataclass(frozen=True)
class RowCount:
    pass


@dataclass(frozen=True)
class DuplicateRows:
    """Rows whose key (all columns non-null) repeats an earlier row: count(key) - count(distinct key)."""

    columns: tuple[str, ...]


@dataclass(frozen=True)
class LatestValue:
    """max(column), judged as its age against the time of the check (freshness). A newest value
    more than `future_tolerance` seconds ahead of the check fails (lockgate.engines.freshness)."""

    column: str
    future_tolerance: float = 300.0


@dataclass(frozen=True)
class ColumnType:
    column: str
    logical_type: str
    timezone: bool | None = None


@dataclass(frozen=True)
class SqlValue:
    """A read-only query returning one value; `{object}`/`{property}` are substituted quoted."""

    query: str
    column: str | None = None


@dataclass(frozen=True)
class Orphans:
    """Rows whose (non-null) foreign key has no match in the referenced table."""

    columns: tuple[str, ...]
    ref_table: str  # physical name of the referenced table
    ref_columns: tuple[str, ...]


@dataclass(frozen=True)
class ExtraColumns:
    """Columns present in the data but absent from the contract."""

    declared: tuple[str, ...]


# --- stateful measures: judged against earlier runs (the history store) or a reference profile -----
# Engines answer all of a table's stateful rules with one table profile (lockgate.state.profile);
# lockgate.state.detectors judges them.


@dataclass(frozen=True)
class Advancement:
    """max(column) must not sit still for longer than an idle allowance, as of the check's logical
    time (the table is still being loaded): `max_idle` seconds, or learned from the cadence of
    earlier loads when None."""

    column: str
    max_idle: float | None = None


@dataclass(frozen=True)
class ChangeRate:
    """Of the rows that changed since the previous run, the share whose `column` changed too.

    Measured on per-bucket fingerprints (rows bucketed by a hash of `key`), so no row leaves the
    warehouse; a frozen column scores 0 while the rows around it keep changing.
    """

    column: str
    key: tuple[str, ...]
    row_columns: tuple[str, ...]  # the columns whose change means "the row was touched"
    buckets: int = 1024
    min_rate: float = 0.2
    min_changed: int = 10
    max_drop: float = 0.3  # fail when the share of updated rows falls this far below its history
    by: str | None = None  # report the rate per value of this column (which segment froze)


@dataclass(frozen=True)
class ConstantColumn:
    """A column that had several values in history now has <= 1 (or one value dominates)."""

    column: str
    max_top_share: float | None = None
    window: int = 30
    min_history: int = 1


@dataclass(frozen=True)
class Anomaly:
    """A profile metric judged against its own history with a robust z-score (lockgate.state.anomaly)."""

    metric: str  # see lockgate.state.profile.METRICS
    column: str | None
    window: int = 30
    min_history: int = 7
    threshold: float = 4.0
    min_abs_tolerance: float = 0.0
    min_rel_tolerance: float = 0.05
    direction: str = "both"
    seasonality: str = "none"  # none | weekly: compare with the same weekday's history


@dataclass(frozen=True)
class Drift:
    """A column's distribution against a reference profile file (lockgate.state.drift)."""

    column: str
    reference_file: str
    method: str  # wasserstein | jensen_shannon | psi
    warn_at: float | None = None
    fail_at: float | None = None
    # the reference summary read from the file at compile time (not part of the rule's identity)
    reference: Any = field(default=None, compare=False)


# --- cross-server measures: compared with another server of the same contract ----------------------


@dataclass(frozen=True)
class Reconcile:
    """The table against its source on another server, key by key (lockgate.reconcile).

    Each side sends per-key-bucket fingerprints; only differing buckets are drilled into. It yields
    one result per compared column plus one for the keys, so engines hand it to lockgate.reconcile
    instead of measuring it themselves.
    """

    source: str  # the name of another server of the contract
    source_table: str  # physical table name on the source
    key: tuple[str, ...]
    columns: tuple[str, ...]  # () = every non-key column both sides share
    since: str | None = None  # the source's "last changed" column: recent changes may be late
    lag_seconds: float = 0.0
    buckets: int = 256
    tolerance: int = 0  # keys allowed to differ per result
    drill_rows: int = 100_000  # rows per side the drill-down may fetch; beyond, counts are bounds


Measure = Union[
    FailingRows, RowCount, DuplicateRows, LatestValue, ColumnType, SqlValue, Orphans, ExtraColumns,
    Advancement, ChangeRate, ConstantColumn, Anomaly, Drift, Reconcile,
]  # fmt: skip

#: measures judged from a table profile (and history); engines answer them with one profile
STATEFUL_MEASURES = (Advancement, ChangeRate, ConstantColumn, Anomaly, Drift)
#: stateful measures that compare with earlier runs, so they need a history store
HISTORY_MEASURES = (Advancement, ChangeRate, ConstantColumn, Anomaly)

# Judging order within a table: schema and row rules first, then constant, then the history
# detectors, drift last, so that a report reads from the cause (an empty or constant column) to
# its consequences (drift "not computable").
_PHASES = {ConstantColumn: 1, Advancement: 2, ChangeRate: 2, Anomaly: 2, Drift: 3}


def judging_phase(rule: Rule) -> int:
    return _PHASES.get(type(rule.measure), 0)


#: measures whose observed value is a number of rows, so `unit: percent` makes sense
ROW_MEASURES = (FailingRows, DuplicateRows, Orphans)


# --- thresholds --------------------------------------------------------------------------------------

OPERATORS = {
    "mustBe": "=",
    "mustNotBe": "!=",
    "mustBeGreaterThan": ">",
    "mustBeGreaterOrEqualTo": ">=",
    "mustBeLessThan": "<",
    "mustBeLessOrEqualTo": "<=",
    "mustBeBetween": "between",
    "mustNotBeBetween": "not between",
}


@dataclass(frozen=True)
class Threshold:
    operator: str  # one of OPERATORS
    value: Any  # a number, or a (low, high) pair for the between operators
    unit: str = "rows"  # rows | percent | seconds | value

    def describe(self) -> str:
        symbol = OPERATORS[self.operator]
        if self.operator in ("mustBeBetween", "mustNotBeBetween"):
            low, high = self.value
            text = f"{symbol} {_fmt(low, self.unit)} and {_fmt(high, self.unit)}"
        else:
            text = f"{symbol} {_fmt(self.value, self.unit)}"
        return text


def _fmt(value: Any, unit: str) -> str:
    if unit == "percent":
        return f"{value}%"
    if unit == "rows":
        return f"{value} rows"
    if unit == "seconds":
        return format_duration(float(value))
    return str(value)


def format_duration(seconds: float) -> str:
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds < 60:
        return f"{sign}{seconds:.0f}s"
    parts = []
    for size, label in ((86400, "d"), (3600, "h"), (60, "m")):
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{int(amount)}{label}")
    return sign + " ".join(parts[:2])


# --- the rule ---------------------------------------------------------------------------------------

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Rule:
    id: str  # stable: `quality[].id` where given, else derived, e.g. "readings.kwh.maximum"
    table: str  # schema object name (logical)
    column: str | None  # property name (logical), None for table rules
    check: (
        str  # the rule kind shown to users: required, maximum, nullValues, rowCount, freshness...
    )
    measure: Measure  # what engines measure; column names in it are physical names
    threshold: Threshold
    severity: str = "error"
    description: str | None = None
    location: Location | None = field(default=None, compare=False)

    @property
    def blocking(self) -> bool:
        return self.severity == "error"
