"""The Rule IR: what every engine measures and the judge decides.

A contract compiles to one flat list of `Rule`s. Each rule names *what to measure* as a small,
engine-neutral `Measure` (count the rows matching a predicate, count the rows, count duplicate
keys...) and *how to judge it* as a `Threshold`. Engines translate measures (ibis expressions for
SQL, pandera checks for frames); only `lockgate.judge.verdicts` compares against thresholds. Keeping
the measure vocabulary closed and small is what lets every engine give the same verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, TypeVar, get_args

from lockgate.contract.findings import Location

# --- the closed vocabularies of a rule's words ---------------------------------------------------

Severity = Literal["error", "warning", "info"]
Operator = Literal[
    "mustBe", "mustNotBe", "mustBeGreaterThan", "mustBeGreaterOrEqualTo", "mustBeLessThan",
    "mustBeLessOrEqualTo", "mustBeBetween", "mustNotBeBetween",
]  # fmt: skip
Unit = Literal["rows", "percent", "seconds", "value"]
DriftMethod = Literal["wasserstein", "jensen_shannon", "psi"]
AnomalyDirection = Literal["up", "down", "both"]
Seasonality = Literal["none", "weekly"]

# --- row predicates: a row "fails" when the predicate is true -------------------------------------
# Nulls never fail a predicate unless the predicate is about nulls (IsNull, IsMissing).


class Predicate:
    """A row condition; a row fails when it is true. Subclasses are frozen dataclasses."""

    @property
    def referenced_columns(self) -> tuple[str, ...]:
        """The physical columns the predicate reads (one, for every single-column predicate)."""
        # every predicate without a single `column` field overrides this
        return (self.column,)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class IsNull(Predicate):
    column: str


@dataclass(frozen=True)
class IsMissing(Predicate):
    """Null, or one of the listed placeholder values ('', 'N/A', ...)."""

    column: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class NotInSet(Predicate):
    column: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class NotMatching(Predicate):
    """Fails values where the regular expression finds no match (search, not full match)."""

    column: str
    pattern: str


@dataclass(frozen=True)
class OutOfRange(Predicate):
    column: str
    minimum: Any = None
    maximum: Any = None
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False


@dataclass(frozen=True)
class LengthOutOfRange(Predicate):
    column: str
    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class NotMultipleOf(Predicate):
    column: str
    factor: float


@dataclass(frozen=True)
class LagAbove(Predicate):
    """`end - start` exceeds `seconds` (latency between two timestamps of one row)."""

    start: str
    end: str
    seconds: float

    @property
    def referenced_columns(self) -> tuple[str, ...]:
        return (self.start, self.end)


@dataclass(frozen=True)
class AnyOf(Predicate):
    predicates: tuple[Predicate, ...]

    @property
    def referenced_columns(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for sub in self.predicates for c in sub.referenced_columns))


# --- measures: what an engine returns a number for ------------------------------------------------
# The base class says how a measure is answered and judged; consumers key their tables on the
# concrete classes (see lockgate.contract.dispatch and CONTRIBUTING.md).


class Measure:
    """What an engine returns a number for. Subclasses are frozen dataclasses."""

    #: judging order within a table: schema and row rules first (0), then constant columns (1),
    #: the history detectors (2), drift last (3), so that a report reads from the cause (an empty
    #: or constant column) to its consequences (drift "not computable")
    phase: ClassVar[int] = 0

    @property
    def referenced_columns(self) -> tuple[str, ...]:
        """The physical columns of the checked table the measure reads."""
        column = getattr(self, "column", None)
        return (column,) if column else ()


class RowMeasure(Measure):
    """The observed value is a number of rows (so `unit: percent` makes sense, rows can be
    sampled and quarantined)."""


class TableMeasure(Measure):
    """One number for the whole table, computed from its data (row count, latest value, SQL)."""


class MetadataMeasure(Measure):
    """Judged from the table's schema, not its rows (column types, extra columns)."""


class StatefulMeasure(Measure):
    """Judged from a table profile (and history or a reference); engines answer every stateful
    rule of a table with one profile (lockgate.profile.model)."""


class HistoryMeasure(StatefulMeasure):
    """A stateful measure compared with earlier runs, so it needs a history store."""

    phase: ClassVar[int] = 2


class CrossServerMeasure(Measure):
    """Compared with another server of the same contract (lockgate.reconcile)."""


@dataclass(frozen=True)
class FailingRows(RowMeasure):
    predicate: Predicate

    @property
    def referenced_columns(self) -> tuple[str, ...]:
        return self.predicate.referenced_columns


@dataclass(frozen=True)
class RowCount(TableMeasure):
    pass


@dataclass(frozen=True)
class DuplicateRows(RowMeasure):
    """Rows whose key (all columns non-null) repeats an earlier row: count(key) - count(distinct
    key)."""

    columns: tuple[str, ...]

    @property
    def referenced_columns(self) -> tuple[str, ...]:
        return self.columns


@dataclass(frozen=True)
class LatestValue(TableMeasure):
    """max(column), judged as its age against the time of the check (freshness). A newest value
    more than `future_tolerance` seconds ahead of the check fails (lockgate.judge.freshness)."""

    column: str
    future_tolerance: float = 300.0


@dataclass(frozen=True)
class ColumnType(MetadataMeasure):
    column: str
    logical_type: str
    timezone: bool | None = None


@dataclass(frozen=True)
class SqlValue(TableMeasure):
    """A read-only query returning one value; `{object}`/`{property}` are substituted quoted."""

    query: str
    column: str | None = None


@dataclass(frozen=True)
class Orphans(RowMeasure):
    """Rows whose (non-null) foreign key has no match in the referenced table."""

    columns: tuple[str, ...]
    ref_table: str  # physical name of the referenced table
    ref_columns: tuple[str, ...]

    @property
    def referenced_columns(self) -> tuple[str, ...]:
        return self.columns


@dataclass(frozen=True)
class ExtraColumns(MetadataMeasure):
    """Columns present in the data but absent from the contract."""

    declared: tuple[str, ...]


# --- stateful measures: judged against earlier runs (the history store) or a reference profile ----
# Engines answer all of a table's stateful rules with one table profile (lockgate.profile.model);
# lockgate.state.detectors judges them.


@dataclass(frozen=True)
class Advancement(HistoryMeasure):
    """max(column) must not sit still for longer than an idle allowance, as of the check's logical
    time (the table is still being loaded): `max_idle` seconds, or learned from the cadence of
    earlier loads when None."""

    column: str
    max_idle: float | None = None


@dataclass(frozen=True)
class ChangeRate(HistoryMeasure):
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

    @property
    def referenced_columns(self) -> tuple[str, ...]:
        return (*self.key, self.column, *((self.by,) if self.by else ()))


@dataclass(frozen=True)
class ConstantColumn(HistoryMeasure):
    """A column that had several values in history now has <= 1 (or one value dominates)."""

    phase: ClassVar[int] = 1

    column: str
    max_top_share: float | None = None
    window: int = 30
    min_history: int = 1


@dataclass(frozen=True)
class Anomaly(HistoryMeasure):
    """A profile metric judged against its own history with a robust z-score
    (lockgate.state.anomaly)."""

    metric: str  # see lockgate.profile.model.METRICS
    column: str | None
    window: int = 30
    min_history: int = 7
    threshold: float = 4.0
    min_abs_tolerance: float = 0.0
    min_rel_tolerance: float = 0.05
    direction: AnomalyDirection = "both"
    seasonality: Seasonality = "none"  # weekly: compare with the same weekday's history


@dataclass(frozen=True)
class Drift(StatefulMeasure):
    """A column's distribution against a reference profile file (lockgate.profile.drift)."""

    phase: ClassVar[int] = 3

    column: str
    reference_file: str
    method: DriftMethod
    warn_at: float | None = None
    fail_at: float | None = None
    # the reference summary read from the file at compile time (not part of the rule's identity)
    reference: Any = field(default=None, compare=False)


# --- cross-server measures: compared with another server of the same contract ---------------------


@dataclass(frozen=True)
class Reconcile(CrossServerMeasure):
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


def judging_phase(rule: Rule) -> int:
    return rule.measure.phase


def concrete_kinds(base: type) -> list[type]:
    """Every concrete (dataclass) subclass of `base` defined in this module: the measure and
    predicate vocabulary that every consumer's table must cover."""
    found: list[type] = []
    subclasses: list[type] = base.__subclasses__()
    for sub in subclasses:
        if "__dataclass_fields__" in vars(sub) and sub.__module__ == __name__:
            found.append(sub)
        found += [k for k in concrete_kinds(sub) if k not in found]
    return found


# --- thresholds -----------------------------------------------------------------------------------

OPERATORS: dict[Operator, str] = {
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
    operator: Operator  # one of OPERATORS
    value: Any  # a number, or a (low, high) pair for the between operators
    unit: Unit = "rows"

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


_DURATION_UNITS = ((86400, "d"), (3600, "h"), (60, "m"))


def format_duration(seconds: float, *, exact: bool = False) -> str:
    """`3d 4h`: the two largest units, for an observed age. `exact`: every unit down to seconds
    (`1h 30s`, `90.5s`), for a bound a rule states."""
    if exact:
        if seconds < 0 or seconds != int(seconds):
            return f"{seconds:g}s"
        rest, parts = int(seconds), []
        for size, label in (*_DURATION_UNITS, (1, "s")):
            count, rest = divmod(rest, size)
            if count:
                parts.append(f"{count}{label}")
        return " ".join(parts) or "0s"
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds < 60:
        return f"{sign}{seconds:.0f}s"
    parts = []
    for size, label in _DURATION_UNITS:
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{int(amount)}{label}")
    return sign + " ".join(parts[:2])


# --- the rule -------------------------------------------------------------------------------------

SEVERITIES: tuple[Severity, ...] = get_args(Severity)


@dataclass(frozen=True)
class Rule:
    id: str  # stable: `quality[].id` where given, else derived, e.g. "readings.kwh.maximum"
    table: str  # schema object name (logical)
    column: str | None  # property name (logical), None for table rules
    # the rule kind shown to users: required, maximum, nullValues, rowCount, freshness...
    check: str
    measure: Measure  # what engines measure; column names in it are physical names
    threshold: Threshold
    severity: Severity = "error"
    description: str | None = None
    location: Location | None = field(default=None, compare=False)

    @property
    def blocking(self) -> bool:
        return self.severity == "error"


M = TypeVar("M")


def measure_as(rule: Rule, kind: type[M]) -> M:
    """The rule's measure, which the caller's dispatch (a registry keyed by measure type, a
    filter) knows to be a `kind`; checked, so a wrong dispatch fails here with the rule's id."""
    measure = rule.measure
    if not isinstance(measure, kind):
        raise TypeError(
            f"rule {rule.id}: a {kind.__name__} measure was expected, not {type(measure).__name__}"
        )
    return measure
