"""Validate a contract: measure every table with an engine, judge every rule, sample failures."""

from __future__ import annotations

import datetime as dt
from typing import Callable, Mapping, Protocol

from lockgate.contract.model import Contract, Table
from lockgate.contract.rules import Rule
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
) -> ValidationResult:
    """Validate the contract's tables on one of its servers (default: the first)."""
    chosen = contract.server(server)
    if chosen is None:
        names = ", ".join(s.name for s in contract.servers) or "none"
        what = f"no server named {server!r}" if server else "no servers"
        raise UsageError(f"contract {contract.id} has {what} (servers: {names})")
    from lockgate.engines.sql.connectors import connect

    with connect(chosen) as connector:
        if engine == "sql":
            from lockgate.engines.sql.engine import SqlEngine

            impl: Engine = SqlEngine(connector)
        elif engine == "frame":
            from lockgate.engines.frame.engine import FrameEngine

            impl = FrameEngine.from_connector(connector, contract)
        else:
            raise UsageError(f"unknown engine {engine!r}; expected sql or frame")
        return run_engine(contract, impl, server=chosen.name, now=now, progress=progress)


def validate_frames(
    contract: Contract,
    frames: Mapping[str, object],
    *,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
) -> ValidationResult:
    """Validate pandas DataFrames (keyed by table name) with the frame engine (pandera)."""
    from lockgate.engines.frame.engine import FrameEngine

    return run_engine(contract, FrameEngine(frames, contract), server=None, now=now, progress=progress)


def run_engine(contract: Contract, engine: Engine, *, server: str | None, now=None, progress=None) -> ValidationResult:
    now = now or dt.datetime.now(dt.timezone.utc)
    result = ValidationResult(
        contract_id=contract.id,
        contract_version=contract.version,
        contract_hash=contract.content_hash,
        server=server,
        engine=engine.name,
        started_at=dt.datetime.now(dt.timezone.utc),
    )
    for table in contract.tables:
        rules = contract.rules_for(table.name)
        if not rules:
            continue
        if progress:
            progress(f"{table.name}: measuring {len(rules)} rules")
        measured = engine.measure(table, rules)
        any_total = next((m.total_rows for m in measured.values() if m.total_rows is not None), None)
        result.table_rows[table.name] = any_total
        for rule in rules:
            verdict = judge(rule, measured.get(rule.id) or Measurement(error="not measured"), now)
            if not verdict.passed and verdict.error is None:
                if progress:
                    progress(f"{table.name}: sampling rows failing {rule.id}")
                samples = engine.samples(table, rule, SAMPLE_ROWS)
                verdict = _with_samples(verdict, samples)
            result.results.append(verdict)
    result.finished_at = dt.datetime.now(dt.timezone.utc)
    return result


def _with_samples(verdict, samples):
    from dataclasses import replace

    return replace(verdict, samples=tuple(samples))
