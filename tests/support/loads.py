"""Daily loads at a logical time, through a real engine into a real history store.

`lockgate.validate` stamps a run with the wall-clock time; a test of weekday patterns or of rate
histories needs each load at its own day. `load_day` runs the real engine on the data as it is
and records the run with `day` as its time (the field the history rows carry).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from lockgate.contract.model import Contract
from lockgate.engines.results import ValidationResult
from lockgate.engines.run import run_engine


def load_day(contract: Contract, server: str, store, day: dt.datetime) -> ValidationResult:
    from lockgate.engines.sql.connectors import connect
    from lockgate.engines.sql.engine import SqlEngine

    with connect(contract.server(server)) as connector:
        engine = SqlEngine(connector)
        result = run_engine(contract, engine, server=server, now=day, history=store, record=False)
    profiles = dict(engine.profiles)
    family = next((p.family for p in profiles.values()), None)
    store.record(replace(result, started_at=day, finished_at=day), profiles, family=family)
    return result
