"""The report as one self-contained HTML page: inline CSS and SVG, no script, no link to
anything outside the file, so it opens offline and can be attached to a ticket.

Sections: the latest verdict of every contract and table; then per table the rules failing in
its latest run (with sample rows), every rule's metric over its runs against its threshold, the
drift histograms against the reference profile, and the loads timeline."""

from __future__ import annotations

import datetime as dt
from typing import Any

from lockgate.contract import rules as ir
from lockgate.report.html import svg
from lockgate.report.html.bounds import bounds, metric_value
from lockgate.report.html.data import RuleHistory, TableReport
from lockgate.report.html.svg import esc
from lockgate.results.jsonable import json_safe

MAX_SAMPLES = 5

CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#263238;
  margin:24px auto;max-width:1400px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #cfd8dc;padding-bottom:4px}
h3{font-size:15px;margin:20px 0 6px} .meta{color:#607d8b;font-size:12px}
table{border-collapse:collapse;margin:6px 0 12px}
th,td{border:1px solid #e0e0e0;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#eceff1} .PASSED{color:#2e7d32;font-weight:600} .FAILED{color:#c62828;font-weight:600}
.rule{display:inline-block;margin:6px 12px 12px 0;vertical-align:top}
.rule.failing svg{outline:2px solid #ffcdd2}
svg text{font:11px system-ui,sans-serif;fill:#455a64} svg .caption{font-weight:600;fill:#263238}
svg .bound-label{font-weight:600;fill:#263238} code{background:#eceff1;padding:0 3px}
"""


def render_page(
    tables: list[TableReport], contracts: dict[str, Any], *, history: str, generated_at: dt.datetime
) -> str:
    """`contracts` maps a contract id to its loaded Contract (for thresholds and drift
    references); a table whose contract is not given is shown without threshold bands."""
    body = [
        "<h1>lockgate report</h1>",
        (
            f'<p class="meta">history store {esc(history)} · generated '
            f"{esc(generated_at.strftime('%Y-%m-%d %H:%M UTC'))} · "
            f"{len(tables)} table(s) of {len({t.contract_id for t in tables})} contract(s)</p>"
        ),
        _summary(tables),
    ]
    for table in tables:
        body.append(_table_section(table, contracts.get(table.contract_id)))
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">"
        "<title>lockgate "
        f"report</title><style>{CSS}</style></head><body>{''.join(body)}</body></html>\n"
    )


def _summary(tables: list[TableReport]) -> str:
    rows = []
    for t in tables:
        verdict = "PASSED" if t.latest.passed else "FAILED"
        failing = t.failing()
        rows.append(
            f'<tr data-table="{esc(t.table)}" '
            f'data-contract="{esc(t.contract_id)}"><td>{esc(t.contract_id)} '
            f"{esc(t.version)}</td>"
            f'<td><a href="#{esc(t.anchor)}">{esc(t.table)}</a></td><td>{esc(t.server)}</td>'
            f'<td class="verdict {verdict}">{verdict}</td><td>{len(failing)}</td>'
            f"<td>{esc(_when(t.latest.started_at))}</td>"
            f"<td>{esc(_rows(t.latest.row_count))}</td><td>{len(t.loads)}</td></tr>"
        )
    head = (
        "<tr><th>contract</th><th>table</th><th>server</th><th>latest verdict</th><th>rules "
        "failing</th><th>latest run</th><th>rows</th><th>runs</th></tr>"
    )
    return f'<h2>Latest verdicts</h2><table id="summary">{head}{"".join(rows)}</table>'


def _table_section(t: TableReport, contract) -> str:
    verdict = "PASSED" if t.latest.passed else "FAILED"
    rules = {r.id: r for r in contract.rules} if contract is not None else {}
    parts = [
        f'<section id="{esc(t.anchor)}" class="table-report" data-table="{esc(t.table)}">',
        f"<h2>{esc(t.contract_id)} {esc(t.version)} · {esc(t.table)} <span "
        f'class="{verdict}">{verdict}</span></h2>',
        (
            f'<p class="meta">server {esc(t.server)} · latest run #{t.latest.run_id} at '
            f"{esc(_when(t.latest.started_at))} · "
            f"{esc(_rows(t.latest.row_count))} rows · {len(t.loads)} run(s) shown</p>"
        ),
    ]
    failing = t.failing()
    if failing:
        parts.append("<h3>Failing in the latest run</h3>")
        parts.append(_failures_table(failing))
        for r in failing:
            if r.samples:
                parts.append(f"<p><b>{esc(r.rule_id)}</b>: sample rows</p>{_samples(r.samples)}")
    ordered = sorted(t.rules.values(), key=lambda r: (not r.failing_now, r.rule_id))
    parts.append("<h3>Rules over time</h3><div>")
    for r in ordered:
        parts.append(_rule_chart(r, rules.get(r.rule_id)))
    parts.append("</div>")
    drift = [
        rule
        for rule in rules.values()
        if rule.table == t.table and isinstance(rule.measure, ir.Drift)
    ]
    if drift:
        parts.append("<h3>Drift against the reference profile</h3><div>")
        parts += [_drift_chart(rule, t) for rule in drift]
        parts.append("</div>")
    parts.append("<h3>Loads</h3>" + _loads(t))
    parts.append("</section>")
    return "".join(parts)


def _failures_table(failing: list[RuleHistory]) -> str:
    head = (
        "<tr><th>rule</th><th>column</th><th>check</th><th>severity</th><th>expected</th>"
        "<th>observed</th><th>failed rows</th></tr>"
    )
    rows = "".join(
        f'<tr class="failing-rule" data-rule="{esc(r.rule_id)}"><td>{esc(r.rule_id)}</td>'
        f"<td>{esc(r.column or '')}</td><td>{esc(r.check)}</td>"
        f"<td>{esc(r.severity)}</td><td>{esc(r.expected)}</td>"
        f"<td>{esc(_show(r.latest.observed))}</td>"
        f"<td>{'' if r.latest.failed_rows is None else f'{r.latest.failed_rows:,}'}</td></tr>"
        for r in failing
    )
    return f'<table class="failures">{head}{rows}</table>'


def _samples(rows: list[dict[str, Any]]) -> str:
    columns = list(dict.fromkeys(k for row in rows for k in row))
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(_show(row.get(c)))}</td>" for c in columns) + "</tr>"
        for row in rows[:MAX_SAMPLES]
    )
    return f'<table class="samples"><tr>{head}</tr>{body}</table>'


def _rule_chart(r: RuleHistory, rule: ir.Rule | None) -> str:
    points = [
        svg.Point(
            p.started_at.strftime("%m-%d %H:%M"),
            metric_value(p),
            p.passed,
            f"run #{p.run_id} {_when(p.started_at)}: {_show(p.observed)}",
        )
        for p in r.points
    ]
    caption = f"{r.rule_id}: {r.expected}"
    numeric = sum(p.value is not None for p in points) >= max(1, len(points) // 2)
    chart = (
        svg.metric_chart(points, bounds(rule), caption=caption)
        if numeric
        else svg.verdict_strip(points, caption=caption)
    )
    state = "failing" if r.failing_now else "passing"
    return f'<figure class="rule {state}" data-rule="{esc(r.rule_id)}">{chart}</figure>'


def _drift_chart(rule: ir.Rule, t: TableReport) -> str:
    from lockgate.profile.drift import CategoricalSummary

    m = ir.measure_as(rule, ir.Drift)
    reference = m.reference
    caption = f"{rule.id}: reference distribution of {m.column} ({m.method})"
    latest = t.latest_columns.get(m.column, {})
    if isinstance(reference, CategoricalSummary):
        labels, counts = list(reference.frequencies), list(reference.frequencies.values())
        top = latest.get("top_share")
        caption += f"; latest top-value share {top:.0%}" if isinstance(top, (int, float)) else ""
        chart = svg.histogram(labels, counts, caption=caption)
    elif reference is not None and getattr(reference, "edges", None):
        edges = list(reference.edges)
        labels = [f"{edges[i]:.3g}" for i in range(len(reference.counts))]
        markers = [
            (_bin_position(edges, latest[k]), f"latest {k} {latest[k]:.3g}")
            for k in ("min", "mean", "max")
            if isinstance(latest.get(k), (int, float))
        ]
        chart = svg.histogram(labels, list(reference.counts), caption=caption, markers=markers)
    else:
        return ""
    return f'<figure class="rule drift" data-rule="{esc(rule.id)}">{chart}</figure>'


def _bin_position(edges: list[float], value: float) -> float:
    """Where `value` falls on the bar axis (bin i spans i..i+1), clamped to the histogram."""
    if value <= edges[0]:
        return 0.0
    for i in range(len(edges) - 1):
        if edges[i] <= value < edges[i + 1]:
            return i + (value - edges[i]) / ((edges[i + 1] - edges[i]) or 1.0)
    return float(len(edges) - 1)


def _loads(t: TableReport) -> str:
    points = [
        svg.Point(
            x.started_at.strftime("%m-%d %H:%M"),
            None if x.row_count is None else float(x.row_count),
            x.passed,
            f"run #{x.run_id} {_when(x.started_at)}: {_rows(x.row_count)} rows, "
            f"{'passed' if x.passed else 'FAILED'}",
        )
        for x in t.loads
    ]
    chart = svg.metric_chart(
        points,
        [],
        caption=f"{t.table}: rows per run (red: an error rule failed)",
        css_class="loads",
    )
    rows = "".join(
        f"<tr><td>#{x.run_id}</td><td>{esc(_when(x.started_at))}</td>"
        f"<td>{esc(_rows(x.row_count))}</td>"
        f'<td class="{"PASSED" if x.passed else "FAILED"}">'
        f"{'PASSED' if x.passed else 'FAILED'}</td></tr>"
        for x in reversed(t.loads[-20:])
    )
    table = (
        '<table class="loads"><tr><th>run</th><th>started '
        f"(UTC)</th><th>rows</th><th>verdict</th></tr>{rows}</table>"
    )
    return f"<figure>{chart}</figure>{table}"


def _when(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")


def _rows(count: int | None) -> str:
    return "?" if count is None else f"{count:,}"


def _show(value: Any) -> str:
    value = json_safe(value)
    return "" if value is None else str(value)
