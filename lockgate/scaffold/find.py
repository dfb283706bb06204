"""Find the contract that already describes a table, so a new ML project reuses it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lockgate.contract.model import Contract, Table
from lockgate.errors import UsageError


@dataclass(frozen=True)
class Found:
    path: Path
    contract: Contract
    table: Table


def find_table_contract(
    contracts_dir: Path, schema: str | None, table: str
) -> tuple[Found | None, list[str]]:
    """The contract under `contracts_dir` whose schema names `table` (its physical or logical
    name). Several matches are narrowed by the server's schema; still several is an error, since
    guessing would train on the wrong table. Unreadable contracts are skipped with a note."""
    from lockgate.contract.loader import analyze, contract_files

    notes: list[str] = []
    matches: list[Found] = []
    for path in contract_files([contracts_dir]) if contracts_dir.is_dir() else []:
        contract, findings = analyze(path)
        if contract is None or any(f.severity == "error" for f in findings):
            notes.append(f"{path}: skipped, it does not lint (run `lockgate lint {path}`)")
            continue
        for candidate in contract.tables:
            if table in (candidate.physical_name, candidate.name):
                matches.append(Found(path, contract, candidate))
    if len(matches) > 1 and schema:
        same_schema = [m for m in matches if schema in _server_schemas(m.contract)]
        matches = same_schema or matches
    if len(matches) > 1:
        listed = ", ".join(str(m.path) for m in matches)
        raise UsageError(
            f"several contracts describe table {table!r}: {listed}; keep one, "
            "or name a schema that tells them apart"
        )
    return (matches[0] if matches else None), notes


def _server_schemas(contract: Contract) -> set[str]:
    from lockgate.connectors.base import expand_env
    from lockgate.errors import LockgateError

    out = set()
    for server in contract.servers:
        try:
            out.add(str(expand_env(server.options.get("schema"))))
        except LockgateError:  # a variable without a default, unset here: not this schema
            continue
    return out
