"""What Spark cannot check yet: one table, read by the engine's planner, listed in docs/spark.md.

Such a rule is not skipped: it fails with "not supported on Spark: <reason>", the way ibis
refuses an operation a backend lacks, so a contract never passes on Spark by checking less.
"""

from __future__ import annotations

from lockgate.contract import rules as ir

UNSUPPORTED: dict[type, str] = {
    # A contract's own SQL runs only where the database itself can be made to refuse writes,
    # file reads and programs (DuckDB without external access, a read-only PostgreSQL role).
    # Spark SQL can call Java methods (`reflect`), run scripts (`TRANSFORM ... USING`) and read
    # files, and has no statement timeout: there is no guard by Spark's own parser yet.
    ir.SqlValue: "a contract's own SQL (type: sql) is not run on Spark: no read-only guard yet",
}


def unsupported_reason(rule: ir.Rule) -> str | None:
    for measure, reason in UNSUPPORTED.items():
        if isinstance(rule.measure, measure):
            return reason
    return None
