"""Quarantine: keep a table's bad rows out of what follows, within an error budget.

A contract's table may carry a quarantine policy (`quality[]: type: custom, engine: lockgate,
implementation: {check: quarantine, maxRate, maxRows, rules, orderBy}`). The rows that break the
policy's row rules are set aside with the ids of the rules they broke; the rest is the table's
*valid* relation. Within budget the quarantining rules pass (their rows are reported as
quarantined); over budget they fail as without a policy.

- `policy`: the compiled policy and which rules may quarantine rows (one definition).
- `sql` / `frame`: the per-rule row flags, from the same predicates the checks use.
- `verdict`: the budget decision and the rule results it rewrites.
- `store`: where quarantined rows are kept (DuckDB file, Parquet folder, PostgreSQL schema).
"""
