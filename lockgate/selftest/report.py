"""The selftest report: text for people (problems first) and JSON for tools."""

from __future__ import annotations

import json

from lockgate.selftest import FAILING, OK, STATUSES, SelftestReport

LABELS = {
    "ok": "ok",
    "never-fails": "NEVER FAILS",
    "unbreakable": "UNBREAKABLE",
    "misbehaved": "MISBEHAVED",
    "not-exercised": "not exercised",
}


def render(report: SelftestReport, fmt: str) -> str:
    if fmt == "json":
        return render_json(report)
    if fmt == "text":
        return render_text(report)
    raise ValueError(f"unknown format {fmt!r}; expected text or json")


def summary(report: SelftestReport) -> str:
    counts = ", ".join(f"{report.count(s)} {s}" for s in reversed(STATUSES) if report.count(s))
    head = "PASSED" if report.passed else "FAILED"
    sizes = ", ".join(f"{name} {rows} rows" for name, rows in report.rows.items())
    return f"{head}: {counts} — contract {report.contract_id} {report.version}, {len(report.outcomes)} rules, sql and frame engines ({sizes})"


def render_text(report: SelftestReport) -> str:
    order = {s: i for i, s in enumerate(STATUSES)}
    outcomes = sorted(report.outcomes, key=lambda o: order[o.status])
    width = max((len(o.rule.id) for o in outcomes), default=0)
    lines = []
    for o in outcomes:
        detail = o.reason if o.status != OK else f"fails when {o.broken_by}"
        lines.append(f"{LABELS[o.status]:<13}  {o.rule.id:<{width}}  {detail}")
        if o.status in FAILING and o.broken_by:
            lines.append(f"{'':<13}  {'':<{width}}  breaking data: {o.broken_by}")
        if o.also_failed:
            lines.append(
                f"{'':<13}  {'':<{width}}  (the same data also fails: {', '.join(o.also_failed)})"
            )
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def render_json(report: SelftestReport) -> str:
    doc = {
        "contract": report.contract_id,
        "version": report.version,
        "passed": report.passed,
        "rows": report.rows,
        "rules": [
            {"rule": o.rule.id, "table": o.rule.table, "column": o.rule.column, "check": o.rule.check, "status": o.status,
             "reason": o.reason or None, "breaking_data": o.broken_by or None, "also_failed": o.also_failed}
            for o in report.outcomes
        ],
    }  # fmt: skip
    return json.dumps(doc, indent=2) + "\n"
