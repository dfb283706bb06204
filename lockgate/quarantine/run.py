"""Quarantine one table during a validation run: single out the rows, decide the budget, rewrite
the rule results, and (when asked) keep the rows in a store or hand back the frames.

Only tables with a policy pay for this, and only when one of the policy's rules failed rows: the
rows are then singled out with one more query (the OR of the rules' flags) or one pass in pandas.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import pandas as pd

from lockgate.contract.model import Contract, Table
from lockgate.contract.quarantine_policy import QuarantinePolicy
from lockgate.quarantine.held import HeldRows
from lockgate.quarantine.verdict import TableQuarantine, decide, rewrite
from lockgate.results.jsonable import json_safe
from lockgate.results.model import RuleResult


@dataclass(frozen=True)
class QuarantineRequest:
    """What a run does with quarantined rows beyond the verdict.

    `store`: a location for `lockgate.quarantine.store.open_quarantine_store` (or a store object);
    `keep_frames`: hand back valid and quarantined DataFrames (frame engine);
    `load` / `as_of`: the data state the rows belong to and its logical time (defaults: a hash of
    the table's row count and quarantined rows, and the time of the check).
    """

    store: Any = None
    keep_frames: bool = False
    load: str | None = None
    as_of: dt.datetime | None = None

    @classmethod
    def of(cls, value: Any) -> QuarantineRequest:
        if isinstance(value, cls):
            return value
        if value is True:
            return cls(keep_frames=True)
        if value in (None, False):
            return cls()
        return cls(store=value)  # a store location or object

    @property
    def needs_rows(self) -> bool:
        return self.store is not None or self.keep_frames


def quarantine_table(
    contract: Contract,
    engine,
    table: Table,
    policy: QuarantinePolicy,
    results: list[RuleResult],
    request: QuarantineRequest,
    now: dt.datetime,
) -> tuple[list[RuleResult], TableQuarantine]:
    by_id = {r.rule.id: r for r in results}
    # a rule that could not be measured cannot single out rows; it keeps failing as judged
    rules = [
        r
        for r in contract.rules_for(table.name)
        if r.id in policy.rule_ids and by_id.get(r.id) and by_id[r.id].error is None
    ]
    total = next((r.total_rows for r in results if r.total_rows is not None), None)
    zero = {r.id: 0 for r in rules if not by_id[r.id].failed_rows}
    rules = [r for r in rules if r.id not in zero]  # a rule that failed no row flags none: skip it
    if not rules and not request.keep_frames:
        return results, decide(policy, 0, total, zero)
    try:
        if engine.name == "frame":
            from lockgate.quarantine.frame_run import single_out
        else:
            from lockgate.quarantine.sql_run import single_out
        held, counts, total = single_out(engine, table, rules, policy, need_rows=request.needs_rows)
    except Exception as exc:  # noqa: BLE001 - any failure keeps the judged (failing) verdicts
        outcome = decide(policy, 0, total, {})
        outcome.passed, outcome.error = (
            False,
            f"the quarantined rows could not be singled out: {exc}",
        )
        return results, outcome
    outcome = decide(
        policy, counts["__quarantined"], total, {**zero, **{r.id: counts[r.id] for r in rules}}
    )
    if held is not None:
        load = request.load or load_id(contract, table, total, held)
        outcome.load = load
        if request.keep_frames:
            outcome.valid, outcome.quarantined = held.valid, _with_reasons(held)
        if request.store is not None:
            outcome.location = _store(contract, table, held, load, request, now)
    return rewrite(results, outcome), outcome


def load_id(contract: Contract, table: Table, total: int | None, held: HeldRows) -> str:
    """Without a load from the caller: a hash of the table's row count and its quarantined rows, so
    checking the same data again names the same load (and the store does not repeat rows)."""
    digest = hashlib.sha256(f"{contract.id}\0{table.name}\0{total}\0".encode())
    for row in sorted(
        json.dumps(json_safe(r), sort_keys=True)
        for r in held.rows.astype(object).to_dict("records")
    ):
        digest.update(row.encode() + b"\n")
    return digest.hexdigest()[:16]


def _with_reasons(held: HeldRows) -> pd.DataFrame:
    out = held.rows.copy()
    out["lockgate_rules"] = [", ".join(ids) for ids in held.rules]
    return out


def _store(
    contract: Contract,
    table: Table,
    held: HeldRows,
    load: str,
    request: QuarantineRequest,
    now: dt.datetime,
) -> str:
    from lockgate.quarantine.store import open_quarantine_store

    store = (
        open_quarantine_store(request.store)
        if not hasattr(request.store, "write")
        else request.store
    )
    try:
        store.write(contract, table, held.rows, held.rules, load=load, as_of=request.as_of or now)
        return store.location
    finally:
        if store is not request.store:
            store.close()
