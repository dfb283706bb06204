"""`lockgate infer`: write a starting ODCS v3.1 contract from the data in a table.

sources.py says where the table is (and what `servers:` entry to write), profile.py measures it
in one query, propose.py turns the measurements into rules. The result is linted before it is
returned: an inferred contract that `lockgate lint` would reject is a bug here, not the user's.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import yaml

from lockgate.infer.sources import Source

HEADER = (
    "# Inferred by `lockgate infer` from {where} on {when}.\n# A starting point: review every "
    "rule, then bump the version as you change it.\n"
)


@dataclass(frozen=True)
class Inferred:
    text: str  # the contract, as YAML
    rules: int  # how many rules it compiles to
    notes: list[str]  # what was left out, and why


def infer_contract(
    table: str, source: Source, *, contract_id: str | None = None, now: dt.datetime | None = None
) -> Inferred:
    from lockgate import clock
    from lockgate.connectors import connect
    from lockgate.contract.loader import analyze_text
    from lockgate.errors import LockgateError
    from lockgate.infer.profile import profile_table
    from lockgate.infer.propose import propose

    now = now or clock.now()  # the freshness proposal measures age on lockgate's one clock
    with connect(source.server) as connector:
        profile = profile_table(connector, table)
    schema_object, sla, notes = propose(profile, now)
    doc = {
        "apiVersion": "v3.1.0",
        "kind": "DataContract",
        "id": contract_id or _identifier(table),
        "name": table,
        "version": "0.1.0",
        "status": "draft",
        "servers": [source.entry],
        "schema": [schema_object],
    }
    if sla:
        doc["slaProperties"] = sla
    text = HEADER.format(
        where=source.where, when=now.strftime("%Y-%m-%d %H:%M UTC")
    ) + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120)
    contract, findings = analyze_text(text, f"<inferred {table}>")
    errors = [f for f in findings if f.severity == "error"]
    if contract is None or errors:
        raise LockgateError(
            "the inferred contract does not lint "
            f"({errors[0] if errors else 'no contract'}); please report this"
        )
    return Inferred(text, len(contract.rules), notes)


def _identifier(table: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", table.lower()).strip("-") or "inferred"
