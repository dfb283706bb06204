"""ibis expressions to SQL text, plus the few rewrites that make a dialect's plan cheaper.

ibis writes a failing-row count as `COUNT(*) FILTER (WHERE p)`. DuckDB 2.0 evaluates every
FILTER clause of an ungrouped aggregate against the whole input chunk, so the cost grows with
(filtered aggregates x columns scanned): a fused scan of 1,000 numeric columns with 3,000 such
counts took 129 s of CPU on 100k rows, against 3.4 s for the same query written with
`COUNT_IF(p)` (benchmarks/wide_table.py). `COUNT_IF` counts the rows where `p` is true, as the
FILTER form does (NULL is not true; no rows give 0), so the metric is the same. PostgreSQL has
no COUNT_IF, and its FILTER has no such cost: other dialects are compiled as ibis writes them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlglot import exp

Rewrite = Callable[[exp.Expression], exp.Expression]


def _count_if(node: exp.Expression) -> exp.Expression:
    """`COUNT(*) FILTER (WHERE p)` -> `COUNT_IF(p)`; every other node unchanged."""
    if (
        isinstance(node, exp.Filter)
        and isinstance(node.this, exp.Count)
        and isinstance(node.this.this, exp.Star)
        and isinstance(node.expression, exp.Where)
    ):
        return exp.CountIf(this=node.expression.this)
    return node


# dialect -> rewrites applied to every query compiled for it (one place per dialect decision)
REWRITES: dict[str, tuple[Rewrite, ...]] = {"duckdb": (_count_if,)}


def named_star(columns: Sequence[str]) -> Rewrite:
    """`SELECT *` -> `SELECT "a", "b"`: on a table expression that knows only some of the real
    table's columns, `*` would read all of the real ones."""

    def rewrite(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Select) and any(isinstance(e, exp.Star) for e in node.expressions):
            named = [exp.column(c, quoted=True) for c in columns]
            expressions: list[exp.Expression] = []
            for item in node.expressions:
                expressions.extend(named if isinstance(item, exp.Star) else [item])
            node.set("expressions", expressions)
        return node

    return rewrite


def compile_sql(
    expr: Any, dialect: str, *, pretty: bool = True, star: Sequence[str] | None = None
) -> str:
    """SQL text of an ibis expression for `dialect`, as `ibis.to_sql` writes it, rewritten;
    `star`: the columns a `SELECT *` stands for (see `named_star`)."""
    import ibis.backends.sql.compilers as compilers

    compiler = getattr(compilers, dialect).compiler
    out = compiler.to_sqlglot(expr.unbind())
    queries = out if isinstance(out, list) else [out]
    rewrites = REWRITES.get(dialect, ()) + ((named_star(star),) if star is not None else ())
    texts = []
    for query in queries:
        for rewrite in rewrites:
            query = query.transform(rewrite, copy=False)
        texts.append(query.sql(dialect=compiler.dialect, pretty=pretty))
    return ";\n".join(texts)
