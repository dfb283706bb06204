"""The diff as JSON for tools: every change with its classifier id, severity and level, the verdict
per contract, and the blast radius with dbt nodes and Dagster asset keys."""

from __future__ import annotations

import json

from lockgate.review.diff import ContractDiff, DiffReport


def render(report: DiffReport) -> str:
    doc = {
        "status": report.status,
        "exit_code": report.exit_code,
        "contracts": [_contract(d) for d in report.diffs],
        "notes": report.notes,
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _contract(diff: ContractDiff) -> dict:
    return {
        "path": diff.path,
        "contract": diff.contract_id,
        "status": diff.status,
        "old": {"source": diff.old, "version": diff.old_version},
        "new": {"source": diff.new, "version": diff.new_version},
        "verdict": {
            "status": diff.verdict.status,
            "message": diff.verdict.message,
            "required_bump": diff.verdict.required_bump,
        },
        "changes": [c.to_dict() for c in diff.changes],
        "blast_radius": [
            {
                "table": i.table,
                "relation": {"name": i.relation.name, "schemas": list(i.relation.schemas)},
                "columns": i.columns,
                "dbt": {
                    "nodes": [n.unique_id for n in i.dbt],
                    "matched_by_schema": i.dbt_exact,
                    "downstream": [n.unique_id for n in i.downstream],
                },
                "pipelines": [
                    {
                        "spec": p.spec,
                        "path": p.path,
                        "via": p.via,
                        "columns": p.columns,
                        "columns_matched_by_name": p.by_name,
                        "asset_keys": p.asset_keys,
                    }
                    for p in i.pipelines
                ],
                "asset_keys": i.asset_keys,
            }
            for i in diff.impacts
        ],
    }
