"""lockgate on Spark (local mode) against a hand-written fused Spark SQL query and one query per
rule, on the 25-rule benchmark contract, at several row counts. One Spark session for the whole
run (a JVM start is seconds); the approaches run interleaved, `--repeat` times each, and the
medians are compared as ratios measured in the same run.

    .venv/bin/python -m benchmarks.spark_scale --rows 1000000 5000000 --repeat 3

pandera's PySpark backend is tried too; with pandas 3 it does not import (pandera 0.35 reads
`DateOffset` from a pandas module that no longer has it), and the run says so.
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.approaches.handwritten import metric_sql
from benchmarks.approaches.per_rule import rule_sql
from benchmarks.contract import write_contract
from benchmarks.generate import generate
from benchmarks.paths import DATA
from benchmarks.rules import Duplicates, Failing, RuleSpec, first

RULES = 25
VIEW = "bench_events"


def spark_sql(duckdb_sql: str) -> str:
    """The catalogue's DuckDB SQL in Spark's dialect: the spellings that differ here (a
    backslash escapes in Spark's string literals, so patterns double theirs)."""
    sql = duckdb_sql.replace("\\", "\\\\").replace("regexp_matches(", "regexp_like(")
    return re.sub(r"count\(DISTINCT \(([^()]*)\)\)", r"count(DISTINCT \1)", sql)


def fused_query(specs: tuple[RuleSpec, ...]) -> str:
    items = ",\n    ".join(f"{spark_sql(metric_sql(s))} AS m{i}" for i, s in enumerate(specs))
    return f"SELECT\n    {items}\nFROM {VIEW}"


def per_rule_queries(specs: tuple[RuleSpec, ...]) -> list[str]:
    out = []
    for s in specs:
        sql = rule_sql(s, VIEW)
        if isinstance(s.metric, Duplicates) and len(s.metric.columns) > 1:
            sql = sql.replace(
                "(" + ", ".join(s.metric.columns) + ")", ", ".join(s.metric.columns), 1
            )
        out.append(spark_sql(sql))
    return out


def _same_counts(result, specs: tuple[RuleSpec, ...], row) -> None:
    """lockgate and the hand-written query must measure the same thing."""
    for i, spec in enumerate(specs):
        if isinstance(spec.metric, (Failing, Duplicates)):
            got = result.result(spec.id).failed_rows
            assert got == row[i], f"{spec.id}: lockgate {got}, hand-written {row[i]}"


def _collect(spark: Any, queries: list[str]) -> None:
    for query in queries:
        spark.sql(query).collect()


def pandera_available() -> str | None:
    try:
        import pandera.pyspark  # noqa: F401
    except Exception as exc:  # noqa: BLE001 - any import failure means: not measurable here
        return f"{type(exc).__name__}: {exc}"
    return None


def run(rows_list: list[int], repeat: int, warmup: bool = True) -> dict[str, Any]:
    import lockgate
    from lockgate.engines.spark.session import spark_session

    spark = spark_session({"spark.sql.shuffle.partitions": "2"})
    specs = first(RULES)
    out: dict[str, Any] = {"rules": RULES, "repeat": repeat, "warmup": warmup, "sizes": {}}
    out["pandera_pyspark"] = pandera_available() or "available"
    for rows in rows_list:
        db, parquet = generate(rows)
        contract = lockgate.load_contract(write_contract(specs, db, parquet, DATA / "contracts"))
        spark.read.parquet(str(parquet)).createOrReplaceTempView(VIEW)
        fused, singles = fused_query(specs), per_rule_queries(specs)

        def lockgate_check(contract=contract) -> None:
            result = lockgate.validate(contract, "parquet", engine="spark", record=False)
            errors = {r.rule.id: r.error for r in result.results if r.error}
            assert errors == {}, errors

        approaches: dict[str, Callable[[], Any]] = {
            "lockgate_spark": lockgate_check,
            "handwritten_fused": functools.partial(_collect, spark, [fused]),
            "per_rule": functools.partial(_collect, spark, singles),
        }
        if warmup:  # JIT, file listing, Parquet footers; and both must count the same rows
            for fn in approaches.values():
                fn()
            result = lockgate.validate(contract, "parquet", engine="spark", record=False)
            _same_counts(result, specs, spark.sql(fused).collect()[0])
        times: dict[str, list[float]] = {name: [] for name in approaches}
        for _ in range(repeat):
            for name, fn in approaches.items():
                started = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - started)
        medians = {name: statistics.median(ts) for name, ts in times.items()}
        base = medians["handwritten_fused"]
        out["sizes"][rows] = {
            "seconds": {name: round(m, 3) for name, m in medians.items()},
            "runs": {name: [round(t, 3) for t in ts] for name, ts in times.items()},
            "vs_handwritten": {name: round(m / base, 2) for name, m in medians.items()},
        }
        print(json.dumps({rows: out["sizes"][rows]["seconds"]}), flush=True)
    sizes = sorted(out["sizes"])
    if len(sizes) > 1:
        lo, hi = out["sizes"][sizes[0]]["seconds"], out["sizes"][sizes[-1]]["seconds"]
        out["growth"] = {name: round(hi[name] / lo[name], 2) for name in lo}
    spark.stop()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--no-warmup", action="store_true", help="time the first runs too")
    args = parser.parse_args()
    result = run(args.rows, args.repeat, warmup=not args.no_warmup)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
