"""Split a table's fused scan into batches of columns once it grows past what one query does well.

One fused query per table is the rule (DESIGN "One scan per table"), and for a narrow table it
stays one query. On a wide table it stops paying, measured on DuckDB 2.0 with 1,000 numeric
columns x 100k rows (benchmarks/wide_table.py, RESULTS_WIDE.md):

- memory follows the columns one query reads, not the rows: a scan pins a block of every column
  it reads in each thread, so one query over 1,000 columns ran out of lockgate's 288 MB limit
  (and went through the limit's doubling); batches of 100 columns stay within it, and on a quiet
  machine smaller batches were faster still (whole `lockgate check`, cached plan, 5 runs: 0.73 s
  at 25 columns per query, 0.75 s at 50, 0.83 s at 100, 1.01 s at 250, 1.11 s in one query);
  50 is the default: within 3% of the fastest, with half the queries of 25;
- each exact distinct count (`unique`, `primaryKey`) holds a hash table of its column's values
  until the query ends, so a batch holds at most a few of them;
- a column store reads each column once either way, so on DuckDB the batches cost no extra I/O.

A row store (PostgreSQL) reads whole rows: every extra query is another pass over the table, so
there the scan splits only at its target-list limit (1,664 entries per SELECT).

Metrics that read the same columns stay in one batch, so a column is read by one query.
`LOCKGATE_SCAN_BATCH_COLUMNS` overrides the DuckDB column budget (the benchmark's crossover).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

BATCH_COLUMNS_ENV = "LOCKGATE_SCAN_BATCH_COLUMNS"


@dataclass(frozen=True)
class SplitPolicy:
    max_columns: int | None  # distinct columns one query reads (None: no limit)
    max_metrics: int  # aggregates in one query
    max_distinct: int | None  # exact distinct counts in one query (None: no limit)


# One place per decision: the split thresholds of each dialect (the measurements are above).
POLICIES: dict[str, SplitPolicy] = {
    "duckdb": SplitPolicy(max_columns=50, max_metrics=1000, max_distinct=8),
    "postgres": SplitPolicy(max_columns=None, max_metrics=1500, max_distinct=None),
}
DEFAULT_POLICY = SplitPolicy(max_columns=None, max_metrics=1500, max_distinct=None)


def policy_for(dialect: str) -> SplitPolicy:
    policy = POLICIES.get(dialect, DEFAULT_POLICY)
    override = os.environ.get(BATCH_COLUMNS_ENV, "").strip()
    if override and policy.max_columns is not None:
        columns = max(1, int(override))
        policy = SplitPolicy(columns, policy.max_metrics, policy.max_distinct)
    return policy


def _footprint(expr: Any) -> tuple[frozenset[str], int]:
    """The columns an aggregate reads and the exact distinct counts it holds."""
    import ibis.expr.operations as ops

    node = expr.op()
    columns = frozenset(field.name for field in node.find(ops.Field))
    distinct = len(node.find((ops.CountDistinct, ops.CountDistinctStar)))
    return columns, distinct


@dataclass
class Batch:
    """Metrics that run as one query, and the columns that query reads."""

    metrics: dict[str, Any] = field(default_factory=dict)  # metric name -> ibis aggregate
    columns: set[str] = field(default_factory=set)


def scan_batches(scan: dict[str, Any], dialect: str) -> list[Batch]:
    """`scan` (metric name -> ibis aggregate) as one or more batches, in the scan's order; one
    batch (the fused scan itself) unless it exceeds the dialect's policy."""
    policy = policy_for(dialect)
    groups: dict[frozenset[str], list[tuple[str, Any, int]]] = {}
    for name, expr in scan.items():
        columns, distinct = _footprint(expr)
        groups.setdefault(columns, []).append((name, expr, distinct))
    batches: list[Batch] = []
    current = Batch()
    held = 0
    for columns, members in groups.items():
        distinct = sum(d for _, _, d in members)
        fits = (
            (policy.max_columns is None or len(current.columns | columns) <= policy.max_columns)
            and len(current.metrics) + len(members) <= policy.max_metrics
            and (policy.max_distinct is None or held + distinct <= policy.max_distinct)
        )
        if current.metrics and not fits:
            batches.append(current)
            current, held = Batch(), 0
        current.metrics.update((name, expr) for name, expr, _ in members)
        current.columns |= columns
        held += distinct
    if current.metrics:
        batches.append(current)
    return batches


def narrowed(table: Any, columns: Iterable[str]) -> Any:
    """The same table as an ibis expression that knows only `columns` (in table order).

    Compiling a query costs ibis time in proportion to the width of the table it reads from: a
    sample query of one rule took 56 to 82 ms against the 1,000-column table and 4 ms against
    the narrowed one (the aggregate batches cost about the same either way: ~0.2 s per 300
    aggregates). The SQL names the same columns; a `SELECT *` on the narrowed expression must
    name them too (`Connector.to_sql(..., star=...)`).
    """
    import ibis

    wanted = set(columns)
    schema = table.schema()
    op = table.op()
    keep = {name: kind for name, kind in schema.items() if name in wanted}
    if len(keep) == len(schema) or not hasattr(op, "namespace"):
        return table  # a derived relation (a partition's filter) is compiled as it is
    namespace = op.namespace
    return ibis.table(
        ibis.schema(keep), name=op.name, catalog=namespace.catalog, database=namespace.database
    )


def batch_query(table: Any, batch: Batch) -> Any:
    """One aggregate query for a batch of metrics, compiled against only the columns it reads."""
    query = table.aggregate(**batch.metrics)
    narrow = narrowed(table, batch.columns)
    if narrow is table:
        return query
    return query.op().replace({table.op(): narrow.op()}).to_expr()


def one_metric(name: str, expr: Any) -> Batch:
    """A batch of one metric (to find which metric a database rejects)."""
    return Batch({name: expr}, set(_footprint(expr)[0]))
