"""Incremental checks: the newest partition of a large day-partitioned DuckDB table against the same
rows as a table of their own, in the same run. The goal is <= 2x.

    .venv/bin/python -m benchmarks.partition_incremental --rows 20000000 --days 100 --repeat 3

writes benchmarks/partition_results.json, RESULTS_PARTITIONS.md and partitions.png (`--out DIR`
to write them elsewhere).

The table is written in day order, as an append-only table grows. The newest day reuses one key
of an older day, so the partitioned check must fail its `unique` rule (the standalone table, which
has no older days, passes it): the benchmark asserts both verdicts, so a fast but blind check
cannot pass for a fast one.

Three figures per case, alternating the cases in each repeat:
- `lockgate check` as a whole process (start-up, contract, compile, query, report), wall time and
  peak RSS of the child (benchmarks/process.py);
- `lockgate.validate(...)` inside one warm process (the engine's part alone);
- the whole table without `--partition`, for scale.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from benchmarks.paths import HERE, PYTHON
from benchmarks.process import run as run_child

START = dt.date(2026, 1, 1)
AS_OF = "2026-12-31T00:00:00Z"

CONTRACT = """
apiVersion: v3.1.0
kind: DataContract
id: bench-events
version: 1.0.0
status: active
servers:
  - server: duck
    type: duckdb
    database: "{db}"
schema:
  - name: customers
    properties:
      - name: customer_id
        logicalType: integer
        primaryKey: true
  - name: events
    physicalName: {table}
    quality:
      - metric: rowCount
        mustBeGreaterThan: 0
    properties:
      - name: event_id
        logicalType: integer
        unique: true
        required: true
      - name: day
        logicalType: date
        required: true
        partitioned: true
      - name: customer_id
        logicalType: integer
        required: true
        relationships:
          - to: customers.customer_id
      - name: amount
        logicalType: number
        logicalTypeOptions: {{minimum: 0, maximum: 10000}}
      - name: status
        logicalType: string
        quality:
          - metric: invalidValues
            arguments: {{validValues: [new, paid, refunded]}}
            mustBe: 0
      - name: created_at
        logicalType: timestamp
        required: true
"""


def generate(db: Path, rows: int, days: int) -> tuple[dt.date, int]:
    """`events` (rows, day-ordered) and `newest` (its last day alone); the newest day, its rows."""
    per_day = rows // days
    last = START + dt.timedelta(days=days - 1)
    con = duckdb.connect(str(db))
    try:
        con.execute("CREATE TABLE customers AS SELECT range AS customer_id FROM range(100000)")
        con.execute(
            f"""
            CREATE TABLE events AS
            SELECT
                -- the first row of the newest day reuses key 7, from the first day
                CASE WHEN range = {per_day * (days - 1)} THEN 7 ELSE range END AS event_id,
                DATE '{START.isoformat()}' + CAST(least(range // {per_day}, {days - 1}) AS INTEGER)
                    AS day,
                (range * 7919) % 100000 AS customer_id,
                ((range * 31) % 9000)::DOUBLE AS amount,
                ['new', 'paid', 'refunded'][1 + range % 3] AS status,
                TIMESTAMP '{START.isoformat()}' + to_seconds(range * 86400 // {per_day})
                    AS created_at
            FROM range({rows})
            ORDER BY range
            """
        )
        con.execute(f"CREATE TABLE newest AS SELECT * FROM events WHERE day = DATE '{last}'")
        row = con.execute("SELECT count(*) FROM newest").fetchone()
        size = row[0] if row else 0
    finally:
        con.close()
    return last, int(size)


def _whole_process(args: list[str], out: Path) -> tuple[float, float, dict[str, Any]]:
    from benchmarks.fresh import child_environment

    cmd = [PYTHON, "-m", "lockgate.cli", "check", *args, "--no-history", "--format", "json"]
    done = run_child([*cmd, "--as-of", AS_OF], stdout=out, env=child_environment())
    if done.returncode not in (0, 1):
        raise SystemExit(f"lockgate check failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.wall_s, done.peak_rss_mb, json.loads(out.read_text())


def _in_process(contract: Any, partitions: list[str] | None) -> tuple[float, Any]:
    import lockgate

    started = time.perf_counter()
    result = lockgate.validate(
        contract, as_of=dt.datetime(2026, 12, 31, tzinfo=dt.UTC), partitions=partitions
    )
    return time.perf_counter() - started, result


def _unique(report: dict[str, Any]) -> Any:
    return next(r for r in report["results"] if r["rule"] == "events.event_id.unique")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--days", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE, help="where the results go")
    args = parser.parse_args()

    import lockgate
    from benchmarks import fresh

    context = fresh.context(["benchmarks.partition_incremental"])

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = folder / "events.duckdb"
        started = time.perf_counter()
        newest, size = generate(db, args.rows, args.days)
        build_s = time.perf_counter() - started
        paths = {}
        for table in ("events", "newest"):
            paths[table] = folder / f"{table}.odcs.yaml"
            paths[table].write_text(CONTRACT.format(db=db, table=table), encoding="utf-8")
        cases = {
            "partition": (
                [str(paths["events"]), "--partition", newest.isoformat()],
                "events",
                [newest.isoformat()],
            ),
            "own_table": ([str(paths["newest"])], "newest", None),
            "whole_table": ([str(paths["events"])], "events", None),
        }
        contracts = {
            name: lockgate.load_contract(paths[table]) for name, (_, table, _) in cases.items()
        }
        for name, (_, _, parts) in cases.items():  # warm the file cache and the imports
            _in_process(contracts[name], parts)
        walls: dict[str, list[float]] = {n: [] for n in cases}
        rss: dict[str, list[float]] = {n: [] for n in cases}
        engine: dict[str, list[float]] = {n: [] for n in cases}
        reports: dict[str, Any] = {}
        for i in range(args.repeat):
            for name, (cli_args, _, parts) in cases.items():  # alternate: load drift hits all alike
                wall, peak, report = _whole_process(cli_args, folder / f"{name}-{i}.json")
                walls[name].append(wall)
                rss[name].append(peak)
                reports[name] = report
                seconds, _ = _in_process(contracts[name], parts)
                engine[name].append(seconds)
    # the verdicts that make the speed meaningful: the reused key is caught only with its history
    assert _unique(reports["partition"])["failed_rows"] == 1, _unique(reports["partition"])
    assert _unique(reports["own_table"])["passed"], _unique(reports["own_table"])
    assert _unique(reports["whole_table"])["failed_rows"] == 1
    median = {n: round(statistics.median(v), 3) for n, v in walls.items()}
    in_process = {n: round(statistics.median(v), 3) for n, v in engine.items()}
    figures = {
        **context,
        "rows": args.rows,
        "days": args.days,
        "partition_rows": size,
        "repeat": args.repeat,
        "build_s": round(build_s, 1),
        "whole_process_median_s": median,
        "whole_process_min_s": {n: round(min(v), 3) for n, v in walls.items()},
        "peak_rss_mb": {n: round(max(v), 1) for n, v in rss.items()},
        "in_process_median_s": in_process,
        "ratio_whole_process": round(median["partition"] / median["own_table"], 2),
        "ratio_in_process": round(in_process["partition"] / in_process["own_table"], 2),
        "collision_caught": True,
        "goal": "partition <= 2x own_table",
    }
    args.out.mkdir(parents=True, exist_ok=True)
    fresh.write_json(args.out / "partition_results.json", figures)
    write_report(figures, args.out)
    plot(figures, args.out / "partitions.png")
    fresh.log(f"wrote {args.out / 'RESULTS_PARTITIONS.md'} and partitions.png")


CASES = {
    "partition": "`--partition` newest day of the whole table",
    "own_table": "the same rows as a table of their own",
    "whole_table": "the whole table, no `--partition`",
}


def write_report(figures: dict[str, Any], out: Path) -> None:
    from benchmarks import fresh

    whole, best = figures["whole_process_median_s"], figures["whole_process_min_s"]
    engine, rss = figures["in_process_median_s"], figures["peak_rss_mb"]
    own = whole["own_table"]
    lines = [
        "# Incremental checks: one partition of a large table",
        "",
        "Generated by `benchmarks/partition_incremental.py` "
        "(`python -m benchmarks.partition_incremental`); design and semantics in "
        "[docs/partitions.md](../docs/partitions.md).",
        "",
        f"{fresh.run_line(figures)} Table: {figures['rows']:,} rows over {figures['days']} days; "
        f"the newest day has {figures['partition_rows']:,} rows and reuses one key of an older "
        f"day (caught by the partitioned check: asserted). {figures['repeat']} repetitions, the "
        "cases alternating.",
        "",
        "| case | whole process, median s | fastest s | × own table | peak RSS MB "
        "| `validate` in a warm process, median s | × own table |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for key, label in CASES.items():
        lines.append(
            f"| {label} | {whole[key]:.3f} | {best[key]:.3f} | {whole[key] / own:.2f}× "
            f"| {rss[key]:.0f} | {engine[key]:.3f} | {engine[key] / engine['own_table']:.2f}× |"
        )
    ok = figures["ratio_whole_process"] <= 2
    lines += [
        "",
        "| target | goal | measured | |",
        "|---|---|---|---|",
        f"| newest partition vs the same rows as a table of their own, whole process | ≤ 2× "
        f"| {figures['ratio_whole_process']:.2f}× (in a warm process "
        f"{figures['ratio_in_process']:.2f}×) | {'met' if ok else 'not met'} |",
        "",
        "Every case compiles its plan (ibis imported) in each process: the contract has a "
        "relationship, whose plans the plan cache does not keep, and a partitioned check never "
        "uses the cache (its SQL names the partition's values).",
        "",
    ]
    (out / "RESULTS_PARTITIONS.md").write_text("\n".join(lines), encoding="utf-8")


def plot(figures: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = list(CASES)
    labels = ["newest day,\n--partition", "same rows,\nown table", "whole table"]
    colors = ["C0", "C2", "C3"]
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.6))
    panels = [
        ("whole_process_median_s", "lockgate check, whole process: median s"),
        ("in_process_median_s", "lockgate.validate, warm process: median s"),
        ("peak_rss_mb", "peak RSS of the check, MB"),
    ]
    for ax, (field, title) in zip(axes, panels, strict=True):
        values = [figures[field][k] for k in keys]
        bars = ax.bar(labels, values, color=colors)
        ax.bar_label(bars, labels=[f"{v:,.3g}" for v in values], fontsize=9)
        ax.set_title(title, fontsize=10)
        ax.set_ylim(0, max(values) * 1.2)
        ax.grid(True, axis="y", alpha=0.3)
    fig.suptitle(
        f"{figures['rows']:,} rows, {figures['days']} days; newest day "
        f"{figures['partition_rows']:,} rows",
        fontsize=11,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    main()
