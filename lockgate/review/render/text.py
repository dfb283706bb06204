"""The diff as plain text: one block per contract, changes most severe first, then the blast radius."""

from __future__ import annotations

from lockgate.review.changes import SEVERITIES
from lockgate.review.diff import ContractDiff, DiffReport
from lockgate.review.render import asset_path, show

HEADS = {"pass": "PASSED", "warn": "WARNING", "fail": "FAILED"}


def render(report: DiffReport) -> str:
    lines: list[str] = []
    unchanged = [d for d in report.diffs if d.status == "unchanged"]
    for diff in report.diffs:
        if diff.status != "unchanged":
            lines += _contract(diff) + [""]
    if unchanged:
        lines.append(f"unchanged: {', '.join(d.path for d in unchanged)}")
    if report.changes:  # notes explain gaps in the blast radius; without changes there is none
        lines += [f"note: {note}" for note in report.notes]
    lines.append(f"{HEADS[report.status]}: {_summary(report)}")
    return "\n".join(lines) + "\n"


def _summary(report: DiffReport) -> str:
    changes = report.changes
    counts = ", ".join(f"{sum(c.severity == s for c in changes)} {s}" for s in SEVERITIES)
    worst = next(
        (d.verdict.message for d in report.diffs if d.verdict.status == report.status),
        "no contracts compared",
    )
    return f"{worst} — {len(report.diffs)} contract(s), {counts}"


def _contract(diff: ContractDiff) -> list[str]:
    versions = f"{diff.old_version or '—'} -> {diff.new_version or '—'}"
    lines = [
        f"{diff.path}: contract {diff.contract_id} {versions} ({diff.status}; old: {diff.old or 'none'})",
        f"  {HEADS[diff.verdict.status]}: {diff.verdict.message}",
    ]
    order = {s: i for i, s in enumerate(SEVERITIES)}
    changes = sorted(diff.changes, key=lambda c: order[c.severity])
    if changes:
        kind_width = max(len(c.kind) for c in changes)
        where_width = max(len(c.where) for c in changes)
        for c in changes:
            lines.append(
                f"  {c.severity.upper():<9} {c.kind:<{kind_width}}  {c.where:<{where_width}}  {c.subject}: {show(c.before)} -> {show(c.after)}"
            )
            lines.append(f"  {'':<9} {c.explanation} [{c.affects}]")
    for impact in diff.impacts:
        lines.append(f"  blast radius of {impact.table} ({_relation(impact)}):")
        if impact.columns:
            lines.append(f"    changed columns: {', '.join(impact.columns)}")
        if impact.dbt:
            exact = "" if impact.dbt_exact else " (matched by table name; the schema differs)"
            lines.append(f"    dbt: {', '.join(n.label for n in impact.dbt)}{exact}")
            lines.append(
                f"    dbt downstream: {', '.join(n.label for n in impact.downstream) or 'nothing'}"
            )
        for p in impact.pipelines:
            used = (
                ", ".join(f"{col} ({role})" for col, role in p.columns.items())
                or "no changed column is a feature, the target or the time column"
            )
            hint = " — columns matched by name through dbt" if p.by_name and p.columns else ""
            lines.append(f"    ML pipeline {p.spec} ({p.path}) via {p.via}: {used}{hint}")
        if impact.asset_keys:
            lines.append(
                f"    Dagster assets: {', '.join(asset_path(k) for k in impact.asset_keys)}"
            )
    return lines


def _relation(impact) -> str:
    schemas = ", ".join(impact.relation.schemas)
    return f"{impact.relation.name} in schema {schemas}" if schemas else impact.relation.name
