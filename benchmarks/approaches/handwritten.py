"""(a) The practical limit: one hand-written fused DuckDB query computing every rule's metric.

Written the way a person who knows DuckDB would: `count_if(...)` per rule (on DuckDB 2.0 it is
cheaper than `count(*) FILTER (WHERE ...)`, which is evaluated per filter over the whole chunk:
benchmarks/notes_wide_startup.md), relying on SQL's three-valued logic to keep NULLs out of
comparisons (a NULL condition is not counted), `count(x) - count(DISTINCT x)` for uniqueness.
Exact only: no approximate distinct counts, no hashing tricks.
"""

from __future__ import annotations

from benchmarks.approaches.common import Job, connect, execute, normalize, source_sql
from benchmarks.rules import Duplicates, Failing, Latest, Rows, RuleSpec


def metric_sql(spec: RuleSpec) -> str:
    m = spec.metric
    if isinstance(m, Failing):
        return f"count_if({m.sql})"
    if isinstance(m, Duplicates):
        if len(m.columns) == 1:
            return f"count({m.columns[0]}) - count(DISTINCT {m.columns[0]})"
        present = " AND ".join(f"{c} IS NOT NULL" for c in m.columns)
        key = "(" + ", ".join(m.columns) + ")"
        return f"count_if({present}) - count(DISTINCT {key}) FILTER (WHERE {present})"
    if isinstance(m, Rows):
        return "count(*)"
    if isinstance(m, Latest):
        return f"max({m.column})"
    raise TypeError(m)


def fused_sql(specs: tuple[RuleSpec, ...], source: str) -> str:
    items = ",\n    ".join(f"{metric_sql(s)} AS m{i}" for i, s in enumerate(specs))
    return f"SELECT\n    {items}\nFROM {source}"


def prepare(job: Job) -> None:
    import duckdb  # noqa: F401


def measure(job: Job) -> dict:
    con = connect(job)
    try:
        row = execute(con, fused_sql(job.specs, source_sql(job))).fetchone()
    finally:
        con.close()
    return {s.id: normalize(v) for s, v in zip(job.specs, row)}
