"""The approaches being compared, one module each. Every approach runs in a fresh child process
(`benchmarks.child`), except the CLI, whose child is the `lockgate` command itself."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Approach:
    key: str
    label: str
    module: str  # benchmarks.approaches.<module>
    source: str = "duckdb"  # which copy of the table it reads: duckdb | parquet
    cli: bool = False  # timed from the outside as a whole command
    duckdb_defaults: bool = False  # hand-written only: DuckDB's default settings, not lockgate's


APPROACHES = (
    Approach("handwritten", "(a) hand-written fused query", "handwritten"),
    Approach(
        "handwritten_default",
        "(a0) the same, DuckDB default settings",
        "handwritten",
        duckdb_defaults=True,
    ),
    Approach(
        "handwritten_split",
        "(a2) hand-written: fused query + one query per distinct count",
        "handwritten_split",
    ),
    Approach("lockgate_sql", "(b) lockgate SQL engine, in process", "lockgate_sql"),
    Approach("lockgate_cli", "(b) lockgate check CLI (whole process)", "lockgate_cli", cli=True),
    Approach("frame", "(c) lockgate frame engine (pandas + pandera)", "frame"),
    Approach("gx", "(d) Great Expectations 1.x on pandas", "gx"),
    Approach("per_rule", "(e) one query per rule", "per_rule"),
    Approach(
        "handwritten_parquet",
        "(a') hand-written fused query on Parquet",
        "handwritten",
        source="parquet",
    ),
    Approach(
        "lockgate_sql_parquet",
        "(b') lockgate SQL engine on Parquet",
        "lockgate_sql",
        source="parquet",
    ),
)
BASELINE = "handwritten"
BY_KEY = {a.key: a for a in APPROACHES}
