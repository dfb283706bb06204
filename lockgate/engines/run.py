"""Validate a contract: measure every table with an engine, judge every rule, sample failures."""

from __future__ import annotations

import datetime as dt
import warnings
from contextlib import contextmanager
from typing import Callable, Mapping, Protocol

from lockgate.contract.model import Contract, Table
from lockgate.contract.rules import HISTORY_MEASURES, Rule, judging_phase
from lockgate.engines.judge import judge
from lockgate.engines.results import Measurement, ValidationResult
from lockgate.errors import UsageError

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
    now: dt.datetime | None = None,
    progress: Progress | None = None,
    history=None,
    record: bool = True,
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
    """
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
        return run_engine(contract, impl, server=chosen.name, now=now, progress=progress, history=store, record=record, quarantine=quarantine)


def validate_frames(
    contract: Contract,
    frames: Mapping[str, object],
    *,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
    history=None,
    record: bool = True,
    quarantine=False,
) -> ValidationResult:
    """Validate pandas DataFrames (keyed by table name) with the frame engine (pandera).
    `history` and `record` as in `validate`. `quarantine=True`: for each table with a quarantine
    policy, `result.quarantine_of(table)` also carries `.valid` and `.quarantined` DataFrames
    (a store location or a QuarantineRequest, as in `validate`, work too)."""
    from lockgate.engines.frame.engine import FrameEngine

    with _store(history) as store:
        return run_engine(contract, FrameEngine(frames, contract), server=None, now=now, progress=progress, history=store, record=record, quarantine=quarantine)


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


def run_engine(contract: Contract, engine: Engine, *, server: str | None, now=None, progress=None, history=None, record: bool = True, quarantine=None) -> ValidationResult:
    now = now or dt.datetime.now(dt.timezone.utc)
    result = ValidationResult(
        contract_id=contract.id,
        contract_version=contract.version,
        contract_hash=contract.content_hash,
        server=server,
        engine=engine.name,
        started_at=dt.datetime.now(dt.timezone.utc),
    )
    profiles = getattr(engine, "profiles", {})  # engines that answer stateful rules keep them here
    for table in contract.tables:
        rules = sorted(contract.rules_for(table.name), key=judging_phase)
        if not rules:
            continue
        if progress:
            progress(f"{table.name}: measuring {len(rules)} rules")
        measured = engine.measure(table, rules)
        any_total = next((m.total_rows for m in measured.values() if m.total_rows is not None), None)
        result.table_rows[table.name] = any_total
        past = _table_history(history, contract, server, table, rules, profiles.get(table.name))
        first = len(result.results)
        for rule in rules:
            verdict = judge(rule, measured.get(rule.id) or Measurement(error="not measured"), now, past)
            if not verdict.passed and verdict.error is None:
                if progress:
                    progress(f"{table.name}: sampling rows failing {rule.id}")
                samples = engine.samples(table, rule, SAMPLE_ROWS)
                verdict = _with_samples(verdict, samples)
            result.results.append(verdict)
        if contract.quarantine:
            result.results[first:] = _quarantine(contract, engine, table, result, result.results[first:], quarantine, now)
    result.finished_at = dt.datetime.now(dt.timezone.utc)
    if history is not None and record:
        _record(history, result, profiles)
    return result


def _quarantine(contract: Contract, engine, table: Table, result: ValidationResult, verdicts, request, now):
    """A table's quarantine policy applied to its verdicts (lockgate.quarantine)."""
    from lockgate.quarantine.run import QuarantineRequest, quarantine_table

    if result.quarantine is None:
        result.quarantine = []
    policy = contract.quarantine_policy(table.name)
    if policy is None:
        return verdicts
    verdicts, outcome = quarantine_table(contract, engine, table, policy, verdicts, QuarantineRequest.of(request), now)
    result.quarantine.append(outcome)
    return verdicts


def _table_history(store, contract: Contract, server: str | None, table: Table, rules: list[Rule], profile):
    """Earlier runs of the table, read only when a rule compares with them."""
    if not any(isinstance(r.measure, HISTORY_MEASURES) for r in rules):
        return None
    from lockgate.state.history import TableHistory

    if store is None:
        return TableHistory.missing("no history store was given (validate(..., history=...))")
    family = getattr(profile, "family", None)
    try:
        return store.table_history(contract.id, server, table.name, family)
    except Exception as exc:
        return TableHistory.missing(f"the history store could not be read: {exc}")


def _record(store, result: ValidationResult, profiles) -> None:
    """A run that cannot be recorded still returns its verdict; the warning says what was lost."""
    family = next((p.family for p in profiles.values()), None)
    try:
        store.record(result, dict(profiles), family=family)
    except Exception as exc:
        warnings.warn(f"lockgate: this run was not recorded in the history store: {exc}", stacklevel=3)


def _with_samples(verdict, samples):
    from dataclasses import replace

    return replace(verdict, samples=tuple(samples))
