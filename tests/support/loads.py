"""Daily loads at a logical time, through a real engine into a real history store.

A test of weekday patterns or of rate histories needs each load at its own day: `load_day` runs
the real engine on the data as it is, as of `day` (the load's logical time, which orders the
history and places each point on its weekday), and records it.
"""

from __future__ import annotations

import datetime as dt

from lockgate.contract.model import Contract
from lockgate.results.model import ValidationResult
from lockgate.validation import run_engine


def load_day(contract: Contract, server: str, store, day: dt.datetime) -> ValidationResult:
    from lockgate.connectors import connect
    from lockgate.engines.sql.engine import SqlEngine

    with connect(contract.server(server)) as connector:
        return run_engine(contract, SqlEngine(connector), server=server, as_of=day, history=store)
