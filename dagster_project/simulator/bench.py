"""Time the simulator:

    python -m dagster_project.simulator.bench [--days 90] [--scale 1] [--target duckdb]

Prints the time to generate the days in memory and the time to generate and land them into a
fresh warehouse (a temporary DuckDB file, or a throw-away schema on Postgres).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
from pathlib import Path

from .config import SimConfig
from .generate import World
from .land import land_days, reset
from .targets import DuckDBTarget, PostgresTarget


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m dagster_project.simulator.bench")
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--target", choices=["duckdb", "postgres"], default="duckdb")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    world = World(SimConfig(scale=args.scale), dt.date(2026, 1, 1))
    world.advance_to(args.days - 1)
    generate_s = time.perf_counter() - started

    with tempfile.TemporaryDirectory() as tmp:
        if args.target == "duckdb":
            target = DuckDBTarget(Path(tmp) / "bench.duckdb", "raw")
        else:
            target = PostgresTarget(raw_schema=f"lockgate_bench_{os.getpid()}")
        started = time.perf_counter()
        reports = land_days(target, args.days, scale=args.scale)
        land_s = time.perf_counter() - started
        if args.target == "postgres":
            reset(target)
            with target.connect() as writer:
                writer.execute(f"DROP SCHEMA IF EXISTS {target.raw_schema} CASCADE")
    rows = sum(t.inserted + t.updated for r in reports for t in r.tables.values())
    print(f"generate {args.days} days (scale {args.scale:g}) in memory: {generate_s:.2f}s")
    print(
        f"generate + land {args.days} days into {args.target}: {land_s:.2f}s "
        f"({rows:,} rows inserted or updated, {os.cpu_count()} CPUs)"
    )


if __name__ == "__main__":
    main()
