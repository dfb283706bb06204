"""Read the latest validation of every contract a step depends on, and refuse unless each one
passed, was made with the current version of the contract, and still describes the data.

This is what makes a separate run, a schedule or a manual launch unable to train or release on
bad data: Dagster's blocking checks only stop steps inside the run where the check failed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol, TypedDict

from lockgate.contract.model import Contract, Server
from lockgate.guard.partitions import guarded_validations
from lockgate.guard.violation import ContractViolation, Violation
from lockgate.judge.verdicts import as_utc

if TYPE_CHECKING:  # the engines' module imports ibis: the guard loads it only to count rows
    from lockgate.engines.partitions import TableSelection


class ValidationStore(Protocol):
    """What the guard reads of a history store (SqlHistoryStore, PartitionHistory)."""

    def latest_validation(
        self, contract_id: str, server: str | None, table: str
    ) -> dict[str, Any] | None: ...


class _ViolationOf(TypedDict):
    """The fields every violation of one validated table shares."""

    contract_id: str
    version: str
    table: str


def require_validated(
    contracts: Iterable[Contract],
    *,
    store: ValidationStore,
    stage: str,
    server: str | None = None,
    check_row_counts: bool = True,
    changed_since: dict[str, dt.datetime] | None = None,
    partitions: list[Any] | None = None,
) -> dict[str, Any]:
    """A passing validation receipt for `contracts`, or ContractViolation naming every problem.

    `partitions` (`--partition` values): for tables with a partitioned property, the validation
    of each of these partitions is read instead of the whole table's (lockgate.guard.partitions).

    `changed_since` maps a table name to the last time its data was written (e.g. the asset's
    latest materialization): a validation that started before it does not vouch for the data.
    """
    entries: list[dict[str, Any]] = []
    violations: list[Violation] = []
    for contract in contracts:
        chosen = contract.server(server)
        server_name = chosen.name if chosen else ""
        for table in contract.tables:
            if not contract.rules_for(table.name):
                continue
            for name, selection in guarded_validations(contract, table, partitions):
                found = store.latest_validation(contract.id, server_name, name)
                problems = _problems(
                    contract,
                    name,
                    found,
                    chosen,
                    check_row_counts,
                    (changed_since or {}).get(table.name),
                    table.name,
                    selection,
                )
                violations += problems
                if found is not None:
                    entries.append(_entry(contract, name, server_name, found))
    receipt = {
        "stage": stage,
        "checked_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "passed": not violations,
        "contracts": entries,
        "problems": [v.describe() for v in violations],
    }
    if violations:
        raise ContractViolation(stage, violations)
    return receipt


def _problems(
    contract: Contract,
    table: str,
    found: dict[str, Any] | None,
    server: Server | None,
    check_rows: bool,
    written_at: dt.datetime | None,
    logical: str | None = None,
    selection: TableSelection | None = None,
) -> list[Violation]:
    base: _ViolationOf = {"contract_id": contract.id, "version": contract.version, "table": table}
    if found is None:
        return [
            Violation(
                reason=(
                    "never validated: run its checks (lockgate check, or the asset checks) first"
                ),
                **base,
            )
        ]
    out: list[Violation] = []
    if found["contract_hash"] != contract.content_hash:
        out.append(
            Violation(
                reason=(
                    "validated with another revision of the contract (version "
                    f"{found['contract_version']}); validate again"
                ),
                **base,
            )
        )
    for r in found["results"]:
        if not r["passed"] and r["severity"] == "error":
            out.append(
                Violation(
                    reason="rule failed",
                    rule=r["rule"],
                    column=r["column"],
                    observed=r["observed"],
                    expected=r["expected"],
                    failed_rows=r["failed_rows"],
                    sample_keys=r["samples"],
                    **base,
                )
            )
    if (
        written_at is not None
        and found["started_at"] is not None
        and as_utc(written_at) > as_utc(found["started_at"])
    ):
        out.append(
            Violation(
                reason=(
                    f"the data was written at {as_utc(written_at):%Y-%m-%d %H:%M:%S} UTC, "
                    "after its last validation "
                    f"({as_utc(found['started_at']):%Y-%m-%d %H:%M:%S} UTC)"
                ),
                **base,
            )
        )
    elif check_rows and server is not None and found["row_count"] is not None:
        now = current_row_count(contract, logical or table, server, selection)
        if now is not None and now != found["row_count"]:
            out.append(
                Violation(
                    reason=(
                        f"the data changed after its last validation ({found['row_count']} "
                        f"rows validated, {now} now)"
                    ),
                    **base,
                )
            )
    return out


def current_row_count(
    contract: Contract, table_name: str, server: Server, selection: TableSelection | None = None
) -> int | None:
    """count(*) of the table (of its selected partitions) as it is now (None when it cannot be
    read: the checks report why). `table_name` names one of the contract's tables."""
    from lockgate.connectors import connect
    from lockgate.errors import LockgateError

    table = contract.table(table_name)
    assert table is not None  # the guard asks for the tables of the contract it validates
    try:
        with connect(server) as connector:
            expr = connector.table_expr(table.physical_name)
            if expr is None:
                return None
            if selection is not None:
                expr = selection.restrict(expr)
            return int(connector.fetch_value(connector.to_sql(expr.count())))
    except LockgateError:
        return None


def _entry(contract: Contract, table: str, server: str, found: dict[str, Any]) -> dict[str, Any]:
    verdicts = sorted((r["rule"], r["passed"]) for r in found["results"])
    # a table with a quarantine policy: what the guarding validation set aside (rows, rate, budget)
    quarantine = {"quarantine": found["quarantine"]} if found.get("quarantine") else {}
    return {
        "id": contract.id,
        "version": contract.version,
        "content_hash": contract.content_hash,
        "table": table,
        "server": server,
        "run_id": found["run_id"],
        "validated_at": found["started_at"].isoformat() if found["started_at"] else None,
        "row_count": found["row_count"],
        "results_digest": hashlib.sha256(json.dumps(verdicts).encode()).hexdigest(),
        **quarantine,
    }
