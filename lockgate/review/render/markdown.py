"""The diff as a pull-request comment: a verdict line, a table of changes, the blast radius.

The first line is a hidden marker, so a CI job can find and update its earlier comment.
"""

from __future__ import annotations

from lockgate.review.changes import SEVERITIES
from lockgate.review.diff import ContractDiff, DiffReport
from lockgate.review.render import asset_path, show

MARKER = "<!-- lockgate-diff -->"
VERDICT_ICONS = {"pass": "✅", "warn": "⚠️", "fail": "❌"}
SEVERITY_ICONS = {"breaking": "🔴", "risky": "🟡", "safe": "🟢"}


def render(report: DiffReport) -> str:
    changes = report.changes
    counts = ", ".join(f"{sum(c.severity == s for c in changes)} {s}" for s in SEVERITIES)
    headline = next(
        (d.verdict.message for d in report.diffs if d.verdict.status == report.status),
        "no contracts compared",
    )
    lines = [
        MARKER,
        f"### {VERDICT_ICONS[report.status]} lockgate contract review: {_escape(headline)}",
        "",
        f"{len(report.diffs)} contract(s) compared: {counts}.",
        "",
    ]
    for diff in report.diffs:
        if diff.status != "unchanged":
            lines += _contract(diff)
    unchanged = [d.path for d in report.diffs if d.status == "unchanged"]
    if unchanged:
        lines += [f"Unchanged: {', '.join(f'`{p}`' for p in unchanged)}", ""]
    if report.notes and report.changes:  # notes explain gaps in the blast radius
        lines += ["<sub>", *[f"Note: {_escape(n)}<br>" for n in report.notes], "</sub>", ""]
    return "\n".join(lines).rstrip() + "\n"


def _contract(diff: ContractDiff) -> list[str]:
    versions = f"{diff.old_version or '—'} → {diff.new_version or '—'}"
    lines = [
        f"#### `{diff.contract_id}` {versions} ({diff.status})",
        f"`{diff.path}` — {VERDICT_ICONS[diff.verdict.status]} {_escape(diff.verdict.message)}",
        "",
    ]
    if diff.changes:
        order = {s: i for i, s in enumerate(SEVERITIES)}
        lines += ["| | change | where | before | after | why |", "|---|---|---|---|---|---|"]
        for c in sorted(diff.changes, key=lambda c: order[c.severity]):
            subject = "" if c.subject in (c.column, c.table) else f" ({_escape(c.subject)})"
            lines.append(
                f"| {SEVERITY_ICONS[c.severity]} {c.severity} | `{c.kind}` | `{c.where}`{subject} | {_code(c.before)} | {_code(c.after)} | {_escape(c.explanation)} ({c.affects}) |"
            )
        lines.append("")
    if diff.impacts:
        lines += [
            "**Blast radius**",
            "",
            "| table | changed columns | dbt downstream | ML pipelines | Dagster assets |",
            "|---|---|---|---|---|",
        ]
        for impact in diff.impacts:
            dbt = ", ".join(f"`{n.name}`" for n in impact.downstream) or (
                "—" if impact.dbt else "not in the dbt manifest"
            )
            if impact.dbt and not impact.dbt_exact:
                dbt += " (matched by table name)"
            pipelines = "<br>".join(_pipeline(p) for p in impact.pipelines) or "—"
            assets = ", ".join(f"`{asset_path(k)}`" for k in impact.asset_keys) or "—"
            columns = ", ".join(f"`{c}`" for c in impact.columns) or "(table)"
            lines.append(f"| `{impact.table}` | {columns} | {dbt} | {pipelines} | {assets} |")
        lines.append("")
    return lines


def _pipeline(p) -> str:
    used = ", ".join(f"`{col}` ({role})" for col, role in p.columns.items())
    if used and p.by_name:
        used += ", matched by name"
    return f"**{p.spec}** via {_escape(p.via)}" + (f": {used}" if used else "")


def _code(value) -> str:
    text = _escape(show(value)).replace("`", "'")
    return "—" if text == "—" else f"`{text}`"


def _escape(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")
