"""Reconciliation: compare a warehouse table with its source application's table, key by key.

Each side computes, in one grouped query, per-key-bucket fingerprints of the keys and of every
compared column (`summary`), from a canonical text form of each value that DuckDB and PostgreSQL
hash identically (`canonical`). Only buckets whose fingerprints differ are drilled into (`drill`);
`verdict` turns the differences into one result per compared column plus one for the keys, and
`hook` is what the check flow calls. docs/reconcile.md describes the rule.
"""
