"""(b) lockgate's SQL engine in process: `lockgate.validate(contract)` on the contract's server.

Imports and contract loading happen before the clock starts (a library user pays them once per
process); the timed part is what every check costs: connect, plan with ibis, compile, run the
fused query, judge. The CLI approach measures the whole command instead.
"""

from __future__ import annotations

import time

from benchmarks.approaches.common import Job, lockgate_metrics

_state: dict = {}


def prepare(job: Job) -> None:
    import lockgate
    import lockgate.connectors.duckdb  # noqa: F401  their import time is not timed)
    import lockgate.engines.sql.engine  # noqa: F401
    import lockgate.validation  # noqa: F401  (the lazily imported engine modules, so that

    started = time.perf_counter()
    _state["contract"] = lockgate.load_contract(job.contract)
    _state["load_contract_s"] = time.perf_counter() - started


def measure(job: Job) -> dict:
    import lockgate

    result = lockgate.validate(_state["contract"], job.source)
    if not result.passed:
        raise RuntimeError(f"the benchmark contract failed: {[r.rule.id for r in result.failures]}")
    return lockgate_metrics(result.to_dict(), job.specs)


def details() -> dict:
    return {"load_contract_s": _state.get("load_contract_s")}
