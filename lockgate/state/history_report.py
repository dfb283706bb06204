"""`lockgate history TABLE` as text: one line per run, newest logical time first, failed rules
beneath; a check of data checked before says which run it repeats ("retry of #N")."""

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
        failed = (
            f", {len(run['failed'])} of {run['rules']} rules failed"
            if run["failed"]
            else f", {run['rules']} rules"
        )
        retry = f", retry of #{run['retry_of']}" if run.get("retry_of") else ""
        when = run.get("as_of") or run["started_at"]
        lines.append(
            f"  #{run['run_id']}  {str(when)[:19]} UTC  {verdict:<6}  {run['contract']} {run['version']}"
            f"  server {server} ({run['engine']})  {rows} rows{failed}{retry}"
        )
        for failure in run["failed"]:
            where = f" [{failure['column']}]" if failure["column"] else ""
            lines.append(
                f"      {failure['severity']:<7} {failure['rule']}{where}: {failure['observed']}"
            )
    return "\n".join(lines) + "\n"
