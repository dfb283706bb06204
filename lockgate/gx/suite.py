"""A contract as GX 1.x expectation suites: one suite per table, as plain JSON.

Output shape (always, even for one table, so readers need no special case):

    {"<table>": {"name": "<contract id>.<table>", "expectations": [...], "meta": {...}, "notes": "..."}}

Each value loads with `gx.ExpectationSuite(**value)`. Every expectation carries
`meta: {"lockgate_rule": <rule id>, "severity": <lockgate severity>}` plus GX's own `severity`;
rules GX cannot judge like lockgate are listed in the suite's `meta.lockgate_not_exported` with the
reason. The text is deterministic: keys sorted, tables by name, expectations in contract order, no
timestamps and no GX version (GX adds its own when it loads the suite).
"""

from __future__ import annotations

import json
from typing import Any

from lockgate.contract.model import Contract, Table
from lockgate.gx.expectations import NotExported, expectations_for, temporal_columns

GX_SEVERITY = {"error": "critical", "warning": "warning", "info": "info"}


def suites(contract: Contract) -> dict[str, dict[str, Any]]:
    return {table.name: table_suite(contract, table) for table in contract.tables}


def table_suite(contract: Contract, table: Table) -> dict[str, Any]:
    expectations: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    for rule in contract.rules_for(table.name):
        try:
            parts = expectations_for(rule, table)
        except NotExported as why:
            skipped.append(
                {
                    "rule": rule.id,
                    "check": rule.check,
                    "severity": rule.severity,
                    "reason": str(why),
                }
            )
            continue
        for part in parts:
            expectations.append(
                {
                    "type": part.type,
                    "kwargs": part.kwargs,
                    "meta": {"lockgate_rule": rule.id, "severity": rule.severity},
                    "severity": GX_SEVERITY[rule.severity],
                    # Data Docs show notes (not meta) on the suite page: the reader sees the rule id
                    "notes": f"lockgate rule {rule.id} (severity {rule.severity})",
                }
            )
    datetime_columns = temporal_columns(table)
    return {
        "name": f"{contract.id}.{table.name}",
        "expectations": expectations,
        "meta": {
            "lockgate_contract": contract.id,
            "lockgate_contract_version": contract.version,
            "lockgate_contract_sha256": contract.content_hash,
            "lockgate_table": table.name,
            "lockgate_physical_table": table.physical_name,
            "lockgate_datetime_columns": datetime_columns,
            "lockgate_not_exported": skipped,
        },
        "notes": _notes(contract, table, skipped, datetime_columns),
    }


def not_exported(contract: Contract) -> list[dict[str, str]]:
    """Every rule left out of the suites, with its reason, in contract order."""
    return [
        item
        for suite in suites(contract).values()
        for item in suite["meta"]["lockgate_not_exported"]
    ]


def render(contract: Contract) -> str:
    return json.dumps(suites(contract), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _notes(
    contract: Contract, table: Table, skipped: list[dict[str, str]], datetime_columns: list[str]
) -> str:
    """Shown by Data Docs next to the suite, so a reader knows what the page does not cover."""
    lines = [
        f"Exported by lockgate from contract {contract.id} {contract.version}, table {table.name}."
    ]
    if skipped:
        lines.append(
            f"{len(skipped)} rule(s) are not in this suite because GX cannot give them lockgate's verdict "
            f"(reasons in meta.lockgate_not_exported): {', '.join(s['rule'] for s in skipped)}."
        )
    if datetime_columns:
        lines.append(
            f"Date/timestamp columns ({', '.join(datetime_columns)}) must be naive UTC datetimes "
            "(lockgate.gx.frames.prepare does it) for the bounds to compare like lockgate's."
        )
    return " ".join(lines)
