"""`lockgate history TABLE` as text: one line per run, newest first, failed rules beneath."""

from __future__ import annotations

from typing import Any


def render_runs(table: str, runs: list[dict[str, Any]], location: str) -> str:
    if not runs:
        return f"no recorded runs of table {table} in {location}\n"
    lines = [f"{len(runs)} latest run(s) of table {table} ({location}), newest first:"]
    for run in runs:
        verdict = "passed" if run["passed"] else "FAILED"
        rows = "?" if run["row_count"] is None else f"{run['row_count']:,}"
        server = run["server"] or "(frames)"
        failed = f", {len(run['failed'])} of {run['rules']} rules failed" if run["failed"] else f", {run['rules']} rules"
        lines.append(
            f"  #{run['run_id']}  {str(run['started_at'])[:19]} UTC  {verdict:<6}  {run['contract']} {run['version']}"
            f"  server {server} ({run['engine']})  {rows} rows{failed}"
        )
        for failure in run["failed"]:
            where = f" [{failure['column']}]" if failure["column"] else ""
            lines.append(f"      {failure['severity']:<7} {failure['rule']}{where}: {failure['observed']}")
    return "\n".join(lines) + "\n"
