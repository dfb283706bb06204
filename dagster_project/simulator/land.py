"""Landing days into the warehouse: the simulated upstream ETL's job.

A load for day D appends the day's new fact rows, new dimension rows and snapshot rows, and
UPDATEs the dimension rows that changed, all in one transaction. Days land in order; the state
in the warehouse says which day comes next, so any process can continue.

No load is later than lockgate's clock (`lockgate.clock`, pinned by `LOCKGATE_TODAY`): a day
lands once its load time (LOAD_TIME, the `_loaded_at` of its rows) has passed on that clock, so
freshness rules never see data "from the future". A default timeline ends at the last such day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pandas as pd

from lockgate import clock

from .batch import TableBatch
from .config import DEFAULT_SCALE, DEFAULT_SEED, SimConfig, generator_fingerprint
from .failures import KINDS, Failure, FailureContext, failure_rng, validate
from .generate import DayTruth, World
from .repair import repair_batch
from .schema import DERIVED_FROM, LOADED_AT, LOADS_TABLE, STATE_TABLE, TABLES, TableSpec
from .state import SimState, ensure_tables, log_loads, read_loads, read_state, write_state
from .targets import DuckDBTarget, Target
from .timeline import day_index, last_complete_day, loaded_at_datetime
from .writers.base import Writer

MAX_SEED = 2**31 - 1


@dataclass
class TableReport:
    table: str
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    failures: list[str] = field(default_factory=list)
    repaired: bool = False
    skipped: bool = False


@dataclass
class LoadReport:
    day: dt.date
    loaded_at: dt.datetime
    tables: dict[str, TableReport] = field(default_factory=dict)

    def summary(self) -> str:
        parts = []
        for t in self.tables.values():
            note = "".join(
                [
                    " stale" if t.skipped else "",
                    " repaired" if t.repaired else "",
                    f" [{', '.join(t.failures)}]" if t.failures else "",
                ]
            )
            parts.append(
                f"{t.table} +{t.inserted}/~{t.updated}"
                + (f"/-{t.deleted}" if t.deleted else "")
                + note
            )
        return f"{self.day}: " + "; ".join(parts)


class SimulatorError(ValueError):
    """A request the simulator refuses (bad day, seed mismatch, ...); the message says why."""


ProgressFn = Callable[[LoadReport, int, int], None]


# -- public API ----------------------------------------------------------------------------------


def land_days(
    target: Target | None = None,
    days: int = 90,
    *,
    seed: int | None = None,
    scale: float | None = None,
    start: dt.date | None = None,
    today: dt.date | None = None,
    failures: Iterable[Failure] = (),
    progress: ProgressFn | None = None,
) -> list[LoadReport]:
    """Land `days` consecutive days, each load with `failures`. Into an empty warehouse the
    timeline ends on `today` (default: the last day whose load has run on lockgate's clock) or
    starts at `start`; into a landed one it continues after the last landed day."""
    if days < 1:
        raise SimulatorError(f"days must be >= 1, got {days}")

    def plan(state: SimState | None) -> tuple[dt.date, int]:
        if state is None:
            return start or (today or last_complete_day()) - dt.timedelta(days=days - 1), days
        if start is not None and start != state.start_date:
            raise SimulatorError(
                f"the warehouse timeline starts on {state.start_date}, not {start}; "
                "reset it or leave out the start date"
            )
        return state.next_day, days

    return _land(target, plan, seed, scale, failures, progress)


def land_day(
    target: Target | None,
    day: dt.date,
    failures: Iterable[Failure] = (),
    *,
    seed: int | None = None,
    scale: float | None = None,
) -> LoadReport:
    """Land exactly `day`: the first day of an empty warehouse, or the day after the last one."""
    return _land(target, lambda state: (day, 1), seed, scale, failures, None)[0]


def land_next_day(target: Target | None = None, failures: Iterable[Failure] = ()) -> LoadReport:
    """Land the day after the last landed one."""

    def plan(state: SimState | None) -> tuple[dt.date, int]:
        if state is None:
            raise SimulatorError(
                f"nothing landed yet in {(target or DuckDBTarget()).describe()}: land some "
                "days first"
            )
        return state.next_day, 1

    return _land(target, plan, None, None, failures, None)[0]


def catch_up(
    target: Target | None = None,
    *,
    today: dt.date | None = None,
    days_if_empty: int = 90,
    seed: int | None = None,
    scale: float | None = None,
    failures: Iterable[Failure] = (),
    progress: ProgressFn | None = None,
) -> list[LoadReport]:
    """Land every day up to `today` (default: the last day whose load has run on lockgate's
    clock): `days_if_empty` days ending then into an empty warehouse, otherwise the days after
    the last landed one (none if it is up to date)."""
    today = today or last_complete_day()

    def plan(state: SimState | None) -> tuple[dt.date, int]:
        if state is None:
            return today - dt.timedelta(days=days_if_empty - 1), days_if_empty
        return state.next_day, max(0, (today - state.last_day).days)

    return _land(target, plan, seed, scale, failures, progress)


def reset(target: Target | None = None) -> list[str]:
    """Drop every table the simulator owns in the raw schema; returns the dropped names."""
    target = target or DuckDBTarget()
    with target.connect() as writer:
        present = set(writer.tables())
        dropped = [t for t in (*TABLES, STATE_TABLE, LOADS_TABLE) if t in present]
        for t in dropped:
            writer.drop_table(t)
    return dropped


@dataclass
class Status:
    target: str
    state: SimState | None
    row_counts: dict[str, int]
    loads: pd.DataFrame

    def render(self, last: int = 10) -> str:
        if self.state is None or self.state.last_day is None:
            return f"{self.target}: nothing landed"
        s = self.state
        lines = [
            f"{self.target}",
            (
                f"  seed {s.seed}, scale {s.scale:g}, days {s.start_date} .. {s.last_day} "
                f"({s.days_landed} loads), "
                f"generator {s.generator}"
            ),
            "  dirty tables (repaired by the next clean load): "
            f"{', '.join(sorted(s.dirty)) or 'none'}",
            "  rows: " + ", ".join(f"{t} {n}" for t, n in self.row_counts.items()),
        ]
        failed = (
            self.loads[self.loads["failures"].fillna("") != ""] if len(self.loads) else self.loads
        )
        if len(failed):
            lines.append("  loads with failures:")
            for day, group in list(failed.groupby("load_day"))[-last:]:
                lines.append(
                    f"    {pd.Timestamp(day).date()}: "
                    + "; ".join(f"{r.table_name} [{r.failures}]" for r in group.itertuples())
                )
        return "\n".join(lines)


def status(target: Target | None = None) -> Status:
    target = target or DuckDBTarget()
    with target.connect() as writer:
        state = read_state(writer)
        present = set(writer.tables())
        counts = {
            t: writer.fetchall(f"SELECT count(*) FROM {writer.qualified(t)}")[0][0]
            for t in TABLES
            if t in present
        }
        loads = read_loads(writer)
    return Status(target.describe(), state, counts, loads)


# -- one load ------------------------------------------------------------------------------------


def _land(
    target: Target | None,
    plan: Callable[[SimState | None], tuple[dt.date, int]],
    seed: int | None,
    scale: float | None,
    failures: Iterable[Failure],
    progress: ProgressFn | None,
) -> list[LoadReport]:
    """Land `plan(state)` = (first day, number of days), reading the state once, under the
    writer's exclusive lock, in one connection."""
    failures = [validate(f) for f in failures]
    target = target or DuckDBTarget()
    with target.connect() as writer, writer.exclusive():
        writer.ensure_schema()
        previous = read_state(writer)
        if previous is not None and previous.last_day is None:
            previous = None
        first, count = plan(previous)
        if count == 0:
            return []
        state = _state_for(previous, first, seed, scale)
        _refuse_future(state.start_date, day_index(state.start_date, first) + count - 1)
        for name, spec in TABLES.items():
            writer.create_table(name, spec.columns)
        ensure_tables(writer)
        world = World(SimConfig(state.seed, state.scale), state.start_date)
        first_index = day_index(state.start_date, first)
        if first_index > 0:
            world.advance_to(first_index - 1)
        reports = []
        for i in range(count):
            truth = world.step()
            with writer.transaction():
                report = _land_truth(writer, world, truth, failures, state)
                state.last_day = truth.date
                write_state(writer, state)
                log_loads(writer, [_log_row(report, t) for t in report.tables.values()])
            reports.append(report)
            if progress:
                progress(report, i + 1, count)
    return reports


def _state_for(
    state: SimState | None, first: dt.date, seed: int | None, scale: float | None
) -> SimState:
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise SimulatorError(f"seed must be within 0..{MAX_SEED}, got {seed}")
    if scale is not None and scale <= 0:
        raise SimulatorError(f"scale must be > 0, got {scale}")
    if state is None or state.last_day is None:
        return SimState(
            DEFAULT_SEED if seed is None else seed, DEFAULT_SCALE if scale is None else scale, first
        )
    if state.generator != generator_fingerprint():
        raise SimulatorError(
            f"the warehouse was landed by another version of the simulator ({state.generator}, "
            f"this is {generator_fingerprint()}): reset it"
        )
    if seed is not None and seed != state.seed:
        raise SimulatorError(
            f"the warehouse was landed with seed {state.seed}, not {seed}; reset it first"
        )
    if scale is not None and scale != state.scale:
        raise SimulatorError(
            f"the warehouse was landed at scale {state.scale:g}, not {scale:g}; reset it first"
        )
    if first != state.next_day:
        raise SimulatorError(
            f"days land in order: the next day to land is {state.next_day}, not {first}"
        )
    return state


def _refuse_future(start: dt.date, last: int) -> None:
    """A load runs after its day's business hours; landing it before then would write
    `_loaded_at` values later than the clock that freshness rules are judged against."""
    loaded = loaded_at_datetime(start, last)
    now = clock.now_naive()
    if loaded > now:
        raise SimulatorError(
            f"day {loaded.date()} cannot land yet: its load runs at {loaded:%Y-%m-%d %H:%M} UTC "
            f"and lockgate's clock reads {now:%Y-%m-%d %H:%M} UTC "
            f"(set {clock.ENV} to a later date to land it)"
        )


def _land_truth(
    writer: Writer, world: World, truth: DayTruth, failures: list[Failure], state: SimState
) -> LoadReport:
    report = LoadReport(truth.date, loaded_at_datetime(world.start, truth.day))
    bent: set[str] = set()  # tables this load leaves different from the truth
    for name, spec in TABLES.items():
        own = [f for f in failures if f.table == name]
        source = DERIVED_FROM.get(name)
        copies_bent_source = source in bent
        table_report = TableReport(name, failures=[str(f) for f in own])
        if not own and not copies_bent_source and name in state.dirty:
            batch = repair_batch(
                writer, spec, world.truth_table(name, truth.loaded_at), truth.loaded_at
            )
            state.dirty.discard(name)
            table_report.repaired = True
        else:
            batch = TableBatch.from_truth(spec, truth.tables[name])
            if copies_bent_source:
                batch.inserts = _copy_of_landed(writer, spec, source, truth)
                table_report.failures.append(f"inherited from {source}")
            for f in own:
                ctx = FailureContext(
                    writer, failure_rng(world.cfg.seed, truth.day, f), pd.Timestamp(truth.date)
                )
                KINDS[f.kind].apply(batch, f, ctx)
            if own or copies_bent_source:
                state.dirty.add(name)
                bent.add(name)
        table_report.skipped = batch.skip
        table_report.inserted, table_report.updated, table_report.deleted = write_batch(
            writer, batch
        )
        report.tables[name] = table_report
    return report


def _copy_of_landed(writer: Writer, spec: TableSpec, source: str, truth: DayTruth) -> pd.DataFrame:
    """The snapshot as the upstream takes it: a copy of what it has just loaded into `source`."""
    present = set(writer.columns(source))
    wanted = [c for c in spec.columns if c not in ("stat_date", LOADED_AT)]
    select = ", ".join(c if c in present else f"NULL AS {c}" for c in wanted)
    frame = writer.read_frame(f"SELECT {select} FROM {writer.qualified(source)}")
    frame.insert(0, "stat_date", pd.Timestamp(truth.date))
    frame[LOADED_AT] = pd.Timestamp(truth.loaded_at)
    return frame[list(spec.columns)]


def write_batch(writer: Writer, batch: TableBatch) -> tuple[int, int, int]:
    """Apply one table's batch: schema changes, deletes, updates, inserts. Returns row counts."""
    if batch.skip:
        return 0, 0, 0
    table, key = batch.spec.name, list(batch.spec.key)
    for op in batch.schema_ops:
        existing = writer.columns(table)
        if op[0] == "drop" and op[1] in existing:
            writer.drop_column(table, op[1])
        elif op[0] == "rename" and op[1] in existing and op[2] not in existing:
            writer.rename_column(table, op[1], op[2])
        elif op[0] == "add" and op[1] not in existing:
            writer.add_column(table, op[1], op[2])
    existing = set(writer.columns(table))
    deleted = writer.delete(table, batch.deletes, batch.types) if batch.deletes is not None else 0
    set_columns = [c for c in batch.update_columns if c in existing]
    updated = writer.update(table, batch.updates, key, set_columns, batch.types)
    insert_columns = [c for c in batch.inserts.columns if c in existing]
    inserted = len(batch.inserts)
    writer.insert(table, batch.inserts[insert_columns], batch.types)
    return inserted, updated, deleted


def _log_row(report: LoadReport, t: TableReport) -> dict:
    return {
        "load_day": pd.Timestamp(report.day),
        "table_name": t.table,
        "loaded_at": pd.Timestamp(report.loaded_at),
        "rows_inserted": t.inserted,
        "rows_updated": t.updated,
        "rows_deleted": t.deleted,
        "failures": ", ".join(t.failures),
        "repaired": t.repaired,
        "skipped": t.skipped,
    }


__all__ = [
    "LoadReport",
    "SimulatorError",
    "Status",
    "TableReport",
    "catch_up",
    "land_day",
    "land_days",
    "land_next_day",
    "reset",
    "status",
    "write_batch",
]
