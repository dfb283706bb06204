"""ibis's PySpark compiler, with the two translations lockgate needs that ibis 12 lacks.

- ibis 12 compiles `isinf(x)` for Spark as `FALSE OR FALSE`: it compares sqlglot nodes with
  Python's `==` (a structural test that returns a bool) instead of building SQL `=`. The
  `multipleOf` rule fails ±infinity through `isinf`, so on Spark it would pass them.
- ibis 12 has no Spark translation of the `bit_xor` aggregate, which the history's
  order-independent fingerprints are made of; Spark has had `bit_xor` since 3.0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ibis
import sqlglot as sg
from ibis.backends.pyspark import Backend as PySparkBackend
from ibis.backends.sql.compilers.base import FALSE
from ibis.backends.sql.compilers.pyspark import PySparkCompiler

from lockgate.connectors.dialect_sql import named_star

# The compiler reads `ibis.options.pyspark`, which exists once the backend registers it; its
# default (NaN stays NaN, not NULL) is what lockgate's NaN rule needs (engines/sql/expressions.py).
if ibis.options.pyspark is None:
    PySparkBackend.register_options()


class LockgateSparkCompiler(PySparkCompiler):  # type: ignore[misc]
    __slots__ = ()

    def visit_IsInf(self, op: Any, *, arg: Any) -> Any:
        if op.arg.dtype.is_floating():
            return sg.or_(arg.eq(self.POS_INF), arg.eq(self.NEG_INF))
        return FALSE

    def visit_BitXor(self, op: Any, *, arg: Any, where: Any) -> Any:
        return self.agg.bit_xor(arg, where=where)


COMPILER = LockgateSparkCompiler()


def to_spark_sql(expr: Any, star: Sequence[str] | None = None) -> str:
    """`expr` as one Spark SQL query (what `ibis.to_sql(expr, dialect="pyspark")` does); `star`:
    the columns a `SELECT *` stands for, as in lockgate.connectors.dialect_sql.compile_sql."""
    query = COMPILER.to_sqlglot(expr.unbind())
    if star is not None:
        query = query.transform(named_star(star), copy=False)
    sql: str = query.sql(dialect=COMPILER.dialect, pretty=True)
    return sql
