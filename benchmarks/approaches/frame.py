"""(c) lockgate's frame engine: load the table into pandas, then validate it with pandera.

Timed in two parts: `load` (the whole table into a DataFrame through DuckDB, as `lockgate check
--engine frame` does) and `validate` (pandera checks plus the aggregates, and the judge).
"""

from __future__ import annotations

import time

from benchmarks.approaches.common import Job, lockgate_metrics

_state: dict = {}


def prepare(job: Job) -> None:
    import lockgate
    import lockgate.connectors.duckdb  # noqa: F401
    import lockgate.engines.frame.engine  # noqa: F401
    import lockgate.validation  # noqa: F401

    _state["contract"] = lockgate.load_contract(job.contract)


def measure(job: Job) -> dict:
    from lockgate.connectors import connect
    from lockgate.engines.frame.engine import FrameEngine
    from lockgate.validation import run_engine

    contract = _state["contract"]
    started = time.perf_counter()
    with connect(contract.server(job.source)) as connector:
        engine = FrameEngine.from_connector(connector, contract)
    loaded = time.perf_counter()
    result = run_engine(contract, engine, server=job.source)
    _state["parts"] = {"load_s": loaded - started, "validate_s": time.perf_counter() - loaded}
    if not result.passed:
        raise RuntimeError(f"the benchmark contract failed: {[r.rule.id for r in result.failures]}")
    return lockgate_metrics(result.to_dict(), job.specs)


def details() -> dict:
    return _state.get("parts", {})
