"""Validate a contract: measure every table with an engine, judge every rule, sample failures."""

from __future__ import annotations

import datetime as dt
import warnings
from contextlib import contextmanager
from typing import Callable, Mapping, Protocol

from lockgate import clock
from lockgate.contract.model import Contract, Table
from lockgate.contract.rules import HISTORY_MEASURES, Rule, judging_phase
from lockgate.engines.judge import judge
from lockgate.engines.results import Measurement, ValidationResult
from lockgate.errors import LockgateError, UsageError
from lockgate.reconcile.hook import reconcile_rules, split_reconcile

SAMPLE_ROWS = 5
Progress = Callable[[str], None]


class Engine(Protocol):
    name: str

    def measure(self, table: Table, rules: list[Rule]) -> dict[str, Measurement]: ...

    def samples(self, table: Table, rule: Rule, limit: int = SAMPLE_ROWS) -> list[dict]: ...


def validate(
    contract: Contract,
    server: str | None = None,
    *,
    engine: str = "sql",
    as_of: dt.datetime | None = None,
    progress: Progress | None = None,
    history=None,
    record: bool = True,
    now: dt.datetime | None = None,
    quarantine=None,
) -> ValidationResult:
    """Validate the contract's tables on one of its servers (default: the first).

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
    chosen = contract.server(server)
    if chosen is None:
        names = ", ".join(s.name for s in contract.servers) or "none"
        what = f"no server named {server!r}" if server else "no servers"
        raise UsageError(f"contract {contract.id} has {what} (servers: {names})")
    from lockgate.engines.sql.connectors import connect

    with _store(history) as store, connect(chosen) as connector:
        if engine == "sql":
            from lockgate.engines.sql.engine import SqlEngine

            impl: Engine = SqlEngine(connector)
        elif engine == "frame":
            from lockgate.engines.frame.engine import FrameEngine

            impl = FrameEngine.from_connector(connector, contract)
        else:
            raise UsageError(f"unknown engine {engine!r}; expected sql or frame")
        return run_engine(
            contract,
            impl,
            server=chosen.name,
            as_of=as_of,
            progress=progress,
            history=store,
            record=record,
            quarantine=quarantine,
        )


def validate_frames(
    contract: Contract,
    frames: Mapping[str, object],
    *,
    as_of: dt.datetime | None = None,
    progress: Progress | None = None,
    history=None,
    record: bool = True,
    now: dt.datetime | None = None,
    quarantine=False,
) -> ValidationResult:
    """Validate pandas DataFrames (keyed by table name) with the frame engine (pandera).
    `as_of`, `history` and `record` as in `validate` (`now`: deprecated name of `as_of`).
    `quarantine=True`: for each table with a quarantine policy, `result.quarantine_of(table)`
    also carries `.valid` and `.quarantined` DataFrames (a store location or a
    QuarantineRequest, as in `validate`, work too)."""
    from lockgate.engines.frame.engine import FrameEngine

    as_of = logical_time(as_of, now)
    with _store(history) as store:
        return run_engine(
            contract,
            FrameEngine(frames, contract),
            server=None,
            as_of=as_of,
            progress=progress,
            history=store,
            record=record,
            quarantine=quarantine,
        )


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
def _store(history):
    """A store given as an object is the caller's to close; one given as a location is ours."""
    if history is None or hasattr(history, "table_history"):
        yield history
        return
    from lockgate.state.store import open_store

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
    as_of=None,
    progress=None,
    history=None,
    record: bool = True,
    now=None,
    quarantine=None,
) -> ValidationResult:
    started = dt.datetime.now(dt.UTC)
    # `now`: this internal function's former name; the default is lockgate's one clock
    as_of = logical_time(as_of or now) or clock.now()
    result = ValidationResult(
        contract_id=contract.id,
        contract_version=contract.version,
        contract_hash=contract.content_hash,
        server=server,
        engine=engine.name,
        started_at=started,
        as_of=as_of,
    )
    profiles = getattr(engine, "profiles", {})  # engines that answer stateful rules keep them here
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
        for rule in rules:
            repeated = _repeat(rule, load, any_total)
            if repeated is not None:
                result.results.append(repeated)
                continue
            verdict = judge(
                rule, measured.get(rule.id) or Measurement(error="not measured"), as_of, past
            )
            if not verdict.passed and verdict.error is None:
                if progress:
                    progress(f"{table.name}: sampling rows failing {rule.id}")
                samples = engine.samples(table, rule, SAMPLE_ROWS)
                verdict = _with_samples(verdict, samples)
            result.results.append(verdict)
        if contract.quarantine:
            result.results[first:] = _quarantine(
                contract, engine, table, result, result.results[first:], quarantine, as_of
            )
    result.finished_at = dt.datetime.now(dt.timezone.utc)
    if history is not None and record:
        _record(history, result, profiles)
    return result


def _quarantine(
    contract: Contract, engine, table: Table, result: ValidationResult, verdicts, request, now
):
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


def _earlier_load(store, contract: Contract, server: str | None, table: Table, profile):
    """The first check of the same data under the same contract content, if there was one: this
    check is then a retry (or a manual look), and its data rules repeat that check's verdicts."""
    state = getattr(profile, "state", None)
    if store is None or state is None:
        return None
    try:
        return store.load_verdicts(contract.id, server, table.name, state, contract.content_hash)
    except Exception:  # noqa: BLE001 - an unreadable store: judge afresh (the history rules say why)
        return None


def _repeat(rule: Rule, load, total_rows: int | None):
    """The verdict of the load's first check for a data rule; None to judge the rule now."""
    from lockgate.state.history import judged_every_check

    if load is None or judged_every_check(rule):
        return None
    stored = load.verdicts.get(rule.id)
    if stored is None:
        return None
    from dataclasses import replace

    from lockgate.engines.results import RuleResult

    judged = (
        replace(rule, severity=stored.severity)
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
    store,
    contract: Contract,
    server: str | None,
    table: Table,
    rules: list[Rule],
    profile,
    as_of: dt.datetime,
):
    """Earlier loads of the table up to `as_of`, read only when a rule compares with them."""
    if not any(isinstance(r.measure, HISTORY_MEASURES) for r in rules):
        return None
    from lockgate.state.history import TableHistory

    if store is None:
        return TableHistory.missing("no history store was given (validate(..., history=...))")
    family = getattr(profile, "family", None)
    try:
        return store.table_history(
            contract.id,
            server,
            table.name,
            family,
            as_of=as_of,
            state=getattr(profile, "state", None),
        )
    except Exception as exc:
        return TableHistory.missing(f"the history store could not be read: {exc}")


def _record(store, result: ValidationResult, profiles) -> None:
    """A run that cannot be recorded is an error: the next run's stateful rules would compare
    with a history that silently stopped (e.g. a read-only role that cannot write the store)."""
    family = next((p.family for p in profiles.values()), None)
    try:
        store.record(result, dict(profiles), family=family)
    except Exception as exc:
        raise LockgateError(f"this run could not be recorded in the history store: {exc}") from None


def _with_samples(verdict, samples):
    from dataclasses import replace

    return replace(verdict, samples=tuple(samples))
