"""Validate a contract: measure every table with an engine, judge every rule, sample failures."""

from __future__ import annotations

import datetime as dt
import os
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any, cast

from lockgate import clock
from lockgate.contract.model import Contract, Table
from lockgate.contract.rules import HistoryMeasure, Rule, Severity, judging_phase
from lockgate.engines.protocol import SAMPLE_ROWS, Engine
from lockgate.errors import LockgateError, UsageError
from lockgate.judge.verdicts import judge
from lockgate.profile.model import TableProfile
from lockgate.reconcile.hook import reconcile_rules, split_reconcile
from lockgate.results.model import Measurement, RuleResult, ValidationResult
from lockgate.state.history import Load, TableHistory, judged_every_check
from lockgate.state.store import HistoryStore, Location, open_store

if TYPE_CHECKING:
    from lockgate.connectors.base import Connector

Progress = Callable[[str], None]


def validate(
    contract: Contract,
    server: str | None = None,
    *,
    engine: str = "sql",
    as_of: dt.datetime | None = None,
    progress: Progress | None = None,
    history: HistoryStore | Location | None = None,
    record: bool = True,
    now: dt.datetime | None = None,
    quarantine: Any = None,
    partitions: Sequence[Any] | None = None,
) -> ValidationResult:
    """Validate the contract's tables on one of its servers (default: the first).

    `partitions`: check only these partitions of the tables with a `partitioned: true` property
    (values as `lockgate check --partition` takes them: `"2026-11-19"`, a `datetime.date`, or
    `"column=value"` with several partition columns; see lockgate.engines.partitions). Key rules
    still compare the partitions' keys with every other partition. None: whole tables.

    `quarantine`: where to keep the rows a quarantine policy sets aside (a DuckDB file, a Parquet
    folder, a postgresql:// URL) or a `lockgate.quarantine.run.QuarantineRequest`; the policy's
    verdict applies without it.

    `history` is the history store that stateful rules (advancement, changeRate, constant,
    anomaly) compare with and that the run is recorded in (unless `record=False`): a store from
    `lockgate.state.store.open_store`, a SQLite path, or a postgresql:// URL. Without one those
    rules fail as "not checked"; every other rule is unaffected.

    `as_of` is the logical time of the load being checked (default: now; a naive value is UTC):
    freshness and advancement are judged at it, and history is ordered by it. `now` is its
    deprecated former name.
    """
    as_of = logical_time(as_of, now)
    selection = _partitions(contract, partitions)
    chosen = contract.server(server)
    if chosen is None:
        names = ", ".join(s.name for s in contract.servers) or "none"
        what = f"no server named {server!r}" if server else "no servers"
        raise UsageError(f"contract {contract.id} has {what} (servers: {names})")
    from lockgate.connectors import connect

    if engine == "spark":
        from lockgate.engines.spark.connector import SparkConnector

        opened: Connector = SparkConnector.for_server(chosen)
    else:
        opened = connect(chosen)
    with _store(history) as store, opened as connector:
        if engine in ("sql", "spark"):
            from lockgate.engines.sql.engine import SqlEngine

            impl: Engine = SqlEngine(connector, selection, contract_hash=contract.content_hash)
            impl.name = engine  # the history records which engine measured (sql or spark)
        elif engine == "frame":
            from lockgate.engines.frame.engine import FrameEngine

            impl = FrameEngine.from_connector(connector, contract, selection)
        else:
            raise UsageError(f"unknown engine {engine!r}; expected sql, spark or frame")
        return run_engine(
            contract,
            impl,
            server=chosen.name,
            as_of=as_of,
            progress=progress,
            history=store,
            record=record,
            quarantine=quarantine,
            partitions=selection,
        )


def validate_frames(
    contract: Contract,
    frames: Mapping[str, object],
    *,
    as_of: dt.datetime | None = None,
    progress: Progress | None = None,
    history: HistoryStore | Location | None = None,
    record: bool = True,
    now: dt.datetime | None = None,
    quarantine: Any = False,
    partitions: Sequence[Any] | None = None,
) -> ValidationResult:
    """Validate pandas DataFrames (keyed by table name) with the frame engine (pandera).
    `partitions` as in `validate`: the same rows are selected from the frames.
    `as_of`, `history` and `record` as in `validate` (`now`: deprecated name of `as_of`).
    `quarantine=True`: for each table with a quarantine policy, `result.quarantine_of(table)`
    also carries `.valid` and `.quarantined` DataFrames (a store location or a
    QuarantineRequest, as in `validate`, work too)."""
    from lockgate.engines.frame.engine import FrameEngine

    as_of = logical_time(as_of, now)
    selection = _partitions(contract, partitions)
    with _store(history) as store:
        return run_engine(
            contract,
            FrameEngine(frames, contract, selection),
            server=None,
            as_of=as_of,
            progress=progress,
            history=store,
            record=record,
            quarantine=quarantine,
            partitions=selection,
        )


def validate_spark(
    contract: Contract,
    frames: Mapping[str, Any],
    *,
    as_of: dt.datetime | None = None,
    progress: Progress | None = None,
    history: HistoryStore | Location | None = None,
    record: bool = True,
) -> ValidationResult:
    """Validate Spark DataFrames (keyed by the contract's table names) in their own session:
    one fused aggregate per table, samples only for failed rules, as `lockgate check --engine
    spark`. `as_of`, `history` and `record` as in `validate`. Each DataFrame is seen through a
    temporary view of its own, dropped afterwards."""
    # lazy: the Spark connector imports ibis's PySpark compiler, only for Spark users
    from lockgate.engines.spark.connector import SparkConnector
    from lockgate.engines.sql.engine import SqlEngine

    as_of = logical_time(as_of)
    with _store(history) as store, SparkConnector.for_frames(frames) as connector:
        engine = SqlEngine(connector)
        engine.name = "spark"
        return run_engine(
            contract,
            engine,
            server=None,
            as_of=as_of,
            progress=progress,
            history=store,
            record=record,
        )


def _partitions(contract: Contract, partitions: Sequence[Any] | None) -> Any:
    if not partitions:
        return None
    from lockgate.engines.partitions import select_partitions

    return select_partitions(contract, partitions)


def logical_time(as_of: dt.datetime | None, now: dt.datetime | None = None) -> dt.datetime | None:
    """`as_of` as an aware UTC time (naive means UTC); `now`, its deprecated alias, warns."""
    if now is not None:
        warnings.warn(
            "lockgate: `now=` is deprecated; pass `as_of=` (the logical time of the load)",
            DeprecationWarning,
            stacklevel=3,
        )
        if as_of is None:
            as_of = now
    if as_of is None:
        return None
    if as_of.tzinfo is None:
        return as_of.replace(tzinfo=dt.UTC)
    return as_of.astimezone(dt.UTC)


@contextmanager
def _store(history: HistoryStore | Location | None) -> Iterator[HistoryStore | None]:
    """A store given as an object is the caller's to close; one given as a location is ours."""
    if history is None or not isinstance(history, (str, os.PathLike)):
        yield history
        return
    store = open_store(history)
    try:
        yield store
    finally:
        store.close()


def run_engine(
    contract: Contract,
    engine: Engine,
    *,
    server: str | None,
    as_of: dt.datetime | None = None,
    progress: Progress | None = None,
    history: HistoryStore | None = None,
    record: bool = True,
    quarantine: Any = None,
    partitions: Any = None,
) -> ValidationResult:
    started = dt.datetime.now(dt.UTC)
    as_of = logical_time(as_of) or clock.now()  # the default is lockgate's one clock
    result = ValidationResult(
        contract_id=contract.id,
        contract_version=contract.version,
        contract_hash=contract.content_hash,
        server=server,
        engine=engine.name,
        started_at=started,
        as_of=as_of,
        partitions=partitions,
    )
    if partitions is not None and history is not None:
        # lazy: the partition selection is ibis expressions, which a cached check never loads
        from lockgate.state.partition_history import PartitionHistory

        # a partition's series, apart from whole-table checks
        history = cast(HistoryStore, PartitionHistory(history, partitions))
    profiles = engine.profiles  # filled by measure(), for the tables with stateful rules
    for table in contract.tables:
        rules = sorted(contract.rules_for(table.name), key=judging_phase)
        rules, reconciled = split_reconcile(rules)  # compared with another server, not measured
        if reconciled:
            result.results += reconcile_rules(
                contract, table, reconciled, engine, server, as_of, progress
            )
        if not rules:
            continue
        if progress:
            progress(f"{table.name}: measuring {len(rules)} rules")
        measured = engine.measure(table, rules)
        any_total = next(
            (m.total_rows for m in measured.values() if m.total_rows is not None), None
        )
        result.table_rows[table.name] = any_total
        profile = profiles.get(table.name)
        load = _earlier_load(history, contract, server, table, profile)
        if load is not None:
            result.retry_of[table.name] = load.run_id
        past = _table_history(history, contract, server, table, rules, profile, as_of)
        first = len(result.results)
        to_sample: list[int] = []  # positions of the verdicts that get sample rows
        for rule in rules:
            repeated = _repeat(rule, load, any_total)
            if repeated is not None:
                result.results.append(repeated)
                continue
            verdict = judge(
                rule, measured.get(rule.id) or Measurement(error="not measured"), as_of, past
            )
            if not verdict.passed and verdict.error is None:
                to_sample.append(len(result.results))
            result.results.append(verdict)
        if to_sample:
            if progress:
                progress(f"{table.name}: sampling rows of {len(to_sample)} failed rule(s)")
            failed = [result.results[i].rule for i in to_sample]
            samples = engine.samples(table, failed, SAMPLE_ROWS)
            for i in to_sample:
                verdict = result.results[i]
                result.results[i] = _with_samples(verdict, samples.get(verdict.rule.id, []))
        if contract.quarantine:
            result.results[first:] = _quarantine(
                contract, engine, table, result, result.results[first:], quarantine, as_of
            )
    result.finished_at = dt.datetime.now(dt.UTC)
    if history is not None and record:
        _record(history, result, profiles)
    return result


def _quarantine(
    contract: Contract,
    engine: Engine,
    table: Table,
    result: ValidationResult,
    verdicts: list[RuleResult],
    request: Any,
    now: dt.datetime,
) -> list[RuleResult]:
    """A table's quarantine policy applied to its verdicts (lockgate.quarantine)."""
    from lockgate.quarantine.run import QuarantineRequest, quarantine_table

    if result.quarantine is None:
        result.quarantine = []
    policy = contract.quarantine_policy(table.name)
    if policy is None:
        return verdicts
    verdicts, outcome = quarantine_table(
        contract, engine, table, policy, verdicts, QuarantineRequest.of(request), now
    )
    result.quarantine.append(outcome)
    return verdicts


def _earlier_load(
    store: HistoryStore | None,
    contract: Contract,
    server: str | None,
    table: Table,
    profile: TableProfile | None,
) -> Load | None:
    """The first check of the same data under the same contract content, if there was one: this
    check is then a retry (or a manual look), and its data rules repeat that check's verdicts."""
    state = profile.state if profile is not None else None
    if store is None or state is None:
        return None
    try:
        return store.load_verdicts(contract.id, server, table.name, state, contract.content_hash)
    # an unreadable store: judge afresh (the history rules say why)
    except Exception:  # noqa: BLE001
        return None


def _repeat(rule: Rule, load: Load | None, total_rows: int | None) -> RuleResult | None:
    """The verdict of the load's first check for a data rule; None to judge the rule now."""
    if load is None or judged_every_check(rule):
        return None
    stored = load.verdicts.get(rule.id)
    if stored is None:
        return None
    judged = (
        replace(rule, severity=cast(Severity, stored.severity))
        if stored.severity and stored.severity != rule.severity
        else rule
    )
    return RuleResult(
        judged,
        stored.passed,
        stored.observed,
        stored.expected,
        stored.failed_rows,
        total_rows,
        samples=stored.samples,
    )


def _table_history(
    store: HistoryStore | None,
    contract: Contract,
    server: str | None,
    table: Table,
    rules: list[Rule],
    profile: TableProfile | None,
    as_of: dt.datetime,
) -> TableHistory | None:
    """Earlier loads of the table up to `as_of`, read only when a rule compares with them."""
    if not any(isinstance(r.measure, HistoryMeasure) for r in rules):
        return None
    if store is None:
        return TableHistory.missing("no history store was given (validate(..., history=...))")
    family = profile.family if profile is not None else None
    state = profile.state if profile is not None else None
    try:
        return store.table_history(
            contract.id, server, table.name, family, as_of=as_of, state=state
        )
    except Exception as exc:
        return TableHistory.missing(f"the history store could not be read: {exc}")


def _record(
    store: HistoryStore, result: ValidationResult, profiles: Mapping[str, TableProfile]
) -> None:
    """A run that cannot be recorded is an error: the next run's stateful rules would compare
    with a history that silently stopped (e.g. a read-only role that cannot write the store)."""
    family = next((p.family for p in profiles.values()), None)
    try:
        store.record(result, dict(profiles), family=family)
    except Exception as exc:
        raise LockgateError(f"this run could not be recorded in the history store: {exc}") from None


def _with_samples(verdict: RuleResult, samples: list[dict[str, Any]]) -> RuleResult:
    return replace(verdict, samples=tuple(samples))
