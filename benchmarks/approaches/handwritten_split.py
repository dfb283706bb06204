"""(a2) Hand-written, split where DuckDB prefers it: one fused query for every metric except the
exact distinct counts, then one query per distinct count.

DuckDB evaluates several COUNT(DISTINCT ...) of one SELECT side by side over a shared scan, each
with its own hash table, which measured slower and used more memory than the same counts run one
after the other (see RESULTS.md). This approach is there to show what such a plan would give.
"""

from __future__ import annotations

from benchmarks.approaches.common import Job, connect, execute, normalize, source_sql
from benchmarks.approaches.handwritten import fused_sql, metric_sql
from benchmarks.rules import Duplicates


def prepare(job: Job) -> None:
    import duckdb  # noqa: F401


def measure(job: Job) -> dict:
    fused = tuple(s for s in job.specs if not isinstance(s.metric, Duplicates))
    apart = [s for s in job.specs if isinstance(s.metric, Duplicates)]
    source = source_sql(job)
    con = connect(job)
    try:
        values = (
            dict(zip((s.id for s in fused), execute(con, fused_sql(fused, source)).fetchone()))
            if fused
            else {}
        )
        for spec in apart:
            values[spec.id] = execute(con, f"SELECT {metric_sql(spec)} FROM {source}").fetchone()[0]
    finally:
        con.close()
    return {s.id: normalize(values[s.id]) for s in job.specs}
