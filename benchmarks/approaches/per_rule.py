"""(e) One query per rule, one after the other, as per-check tools generate them (a check is a
small query of its own: `SELECT count(*) FROM t WHERE <the rule fails>`).

Each query reads only the columns it needs and may skip row groups by their min/max statistics,
which a fused query computing many filters at once cannot; what it pays is a pass over the data
per rule and a round trip per query.
"""

from __future__ import annotations

from benchmarks.approaches.common import Job, connect, execute, normalize, source_sql
from benchmarks.rules import Duplicates, Failing, Latest, Rows, RuleSpec


def rule_sql(spec: RuleSpec, source: str) -> str:
    m = spec.metric
    if isinstance(m, Failing):
        return f"SELECT count(*) FROM {source} WHERE {m.sql}"
    if isinstance(m, Duplicates):
        present = " AND ".join(f"{c} IS NOT NULL" for c in m.columns)
        key = m.columns[0] if len(m.columns) == 1 else "(" + ", ".join(m.columns) + ")"
        return f"SELECT count(*) - count(DISTINCT {key}) FROM {source} WHERE {present}"
    if isinstance(m, Rows):
        return f"SELECT count(*) FROM {source}"
    if isinstance(m, Latest):
        return f"SELECT max({m.column}) FROM {source}"
    raise TypeError(m)


def prepare(job: Job) -> None:
    import duckdb  # noqa: F401


def measure(job: Job) -> dict:
    con = connect(job)
    source = source_sql(job)
    try:
        return {s.id: normalize(execute(con, rule_sql(s, source)).fetchone()[0]) for s in job.specs}
    finally:
        con.close()
