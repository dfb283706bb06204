"""Wide tables: 1,000 numeric columns x 100k rows, each column `required` with `minimum` and
`maximum` (3,001 rules with the row count's), against the hand-written fused query; plus the
adversarial case with `unique` on every column, and the scan-split crossover.

    .venv/bin/python -m benchmarks.wide_table                  # RESULTS_WIDE.md, wide_table.png
    .venv/bin/python -m benchmarks.wide_table --quick   # 60 columns x 2k rows, benchmarks/out/

Every figure is a fresh process (benchmarks/fresh.py). The baseline is the fastest hand-written
fused query found: one SELECT with `count_if(...)` per rule, run in a fresh Python process that
imports duckdb, opened read-only with lockgate's memory limit (doubled on DuckDB's out-of-memory
error, as lockgate does). The data: 990 clean columns uniform in [0, 100) and 10 dirty ones with
NULLs and values outside the range, so the check fails 30 rules (and fetches their samples).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

DIRTY = 10
DEFAULT_LIMIT = "288MB"


# --- the child: the hand-written query ----------------------------------------------------------


def child(db: str, sql_file: str, out: str) -> None:
    import duckdb

    con = duckdb.connect(db, read_only=True, config={"memory_limit": DEFAULT_LIMIT})
    sql = Path(sql_file).read_text()
    for _ in range(3):
        try:
            cursor = con.execute(sql)
            break
        except duckdb.OutOfMemoryException:
            setting = con.execute("SELECT current_setting('memory_limit')").fetchone()
            assert setting is not None
            limit = setting[0]
            number, unit = limit.split()
            size = float(number) * {"KiB": 2**10, "MiB": 2**20, "GiB": 2**30}.get(unit, 1)
            con.execute(f"SET memory_limit = '{int(size * 2) // 2**20}MiB'")
    else:
        con.execute("RESET memory_limit")
        cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    row = cursor.fetchone()
    assert row is not None  # an aggregate query returns one row
    Path(out).write_text(json.dumps(dict(zip(names, row, strict=True))))


# --- data, contract, baseline SQL ---------------------------------------------------------------


def generate(path: Path, cols: int, rows: int) -> Path:
    import duckdb

    marker = path.with_suffix(".json")
    wanted = {"cols": cols, "rows": rows, "dirty": DIRTY, "duckdb": duckdb.__version__}
    if path.exists() and marker.exists() and json.loads(marker.read_text()) == wanted:
        return path
    path.unlink(missing_ok=True)

    def column(j: int) -> str:
        if j >= cols - DIRTY:  # a few NULLs (1 in 997) and values in [-1, 101)
            return (
                f"CASE WHEN hash(i, {j}) % 997 = 0 THEN NULL "
                f"ELSE ((hash(i * {cols} + {j}) % 1020000)::DOUBLE / 10000.0) - 1 END AS c{j}"
            )
        return f"((hash(i * {cols} + {j}) % 1000000)::DOUBLE / 10000.0) AS c{j}"

    con = duckdb.connect(str(path))
    try:
        select = ", ".join(column(j) for j in range(cols))
        con.execute(f"CREATE TABLE wide AS SELECT {select} FROM range({rows}) t(i)")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    marker.write_text(json.dumps(wanted))
    return path


def contract(path: Path, db: Path, cols: int, unique: bool) -> Path:
    import yaml

    props = []
    for j in range(cols):
        prop: dict = {"name": f"c{j}", "logicalType": "number"}
        if unique:
            prop["unique"] = True
        else:
            prop["required"] = True
            prop["logicalTypeOptions"] = {"minimum": 0, "maximum": 100}
        props.append(prop)
    doc = {
        "apiVersion": "v3.1.0",
        "kind": "DataContract",
        "id": f"wide-{cols}{'-unique' if unique else ''}",
        "version": "1.0.0",
        "status": "active",
        "servers": [{"server": "duckdb", "type": "duckdb", "database": str(db), "schema": "main"}],
        "schema": [{"name": "wide", "physicalType": "table", "properties": props}],
    }
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def handwritten_sql(cols: int, unique: bool) -> str:
    parts = ['count(*) AS "wide.rowCount"']
    for j in range(cols):
        c = f"c{j}"
        if unique:
            parts.append(f'count({c}) - count(DISTINCT {c}) AS "wide.{c}.unique"')
        else:
            parts += [
                f'count_if({c} IS NULL OR isnan({c})) AS "wide.{c}.required"',
                f'count_if({c} < 0) AS "wide.{c}.minimum"',
                f'count_if({c} > 100) AS "wide.{c}.maximum"',
            ]
    return "SELECT " + ",\n  ".join(parts) + "\nFROM wide"


def parity(hand_out: Path, lockgate_out: Path) -> dict:
    """Rule by rule: lockgate's failed rows against the hand-written query's metric."""
    hand = json.loads(hand_out.read_text())
    report = json.loads(lockgate_out.read_text())
    got = {r["rule"]: r.get("failed_rows") for r in report["results"]}
    compared = [k for k in hand if k in got]
    differ = [k for k in compared if int(got[k] or 0) != int(hand[k] or 0)]
    failing = sum(1 for r in report["results"] if not r["passed"])
    return {"compared": len(compared), "differ": differ[:10], "failing_rules": failing}


# --- the run ------------------------------------------------------------------------------------


def main() -> None:
    from benchmarks import fresh
    from benchmarks.paths import DATA, HERE, LOCKGATE, PYTHON

    ap = argparse.ArgumentParser()
    ap.add_argument("--cols", type=int, default=1000)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--batches", default="10,25,50,100,250,1000", help="columns per query")
    ap.add_argument("--no-unique", action="store_true", help="skip the `unique` adversarial case")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    if args.quick:
        args.cols, args.rows, args.repeat, args.batches = 60, 2000, 1, "10,60"
    out = args.out or (HERE / "out" / "wide_quick" if args.quick else HERE)
    out.mkdir(parents=True, exist_ok=True)
    scratch = DATA / "wide_scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    db = generate(DATA / f"wide_{args.cols}x{args.rows}.duckdb", args.cols, args.rows)
    fresh.log(f"data {db.name}")
    results: dict = {**fresh.context(sys.argv), "cols": args.cols, "rows": args.rows}
    for case, unique in (("range", False), ("unique", True)):
        if unique and args.no_unique:
            continue
        results[case] = run_case(args, db, scratch / case, unique, LOCKGATE, PYTHON)
    fresh.write_json(out / "wide_results.json", results)
    write_report(results, out)
    fresh.log(f"wrote {out / 'RESULTS_WIDE.md'}")


def run_case(args, db: Path, scratch: Path, unique: bool, lockgate: str, python: str) -> dict:
    from benchmarks import fresh

    scratch.mkdir(parents=True, exist_ok=True)
    path = contract(scratch / "wide.odcs.yaml", db, args.cols, unique)
    sql = scratch / "handwritten.sql"
    sql.write_text(handwritten_sql(args.cols, unique))
    hand_out = scratch / "hand.json"
    check = [lockgate, "check", str(path), "--format", "json", "--no-history"]
    cache = scratch / "plans"
    child_argv = [
        python,
        "-m",
        "benchmarks.wide_table",
        "--child",
        str(db),
        str(sql),
        str(hand_out),
    ]
    base = fresh.Command("handwritten", "hand-written fused query", child_argv)
    cold = fresh.Command(
        "lockgate_cold", "lockgate check, plan compiled", check, {"LOCKGATE_PLAN_CACHE": "off"}
    )
    warm = fresh.Command(
        "lockgate_warm", "lockgate check, cached plan", check, {"LOCKGATE_PLAN_CACHE": str(cache)}
    )
    commands = [base, cold, warm]
    batches = [] if unique else [int(b) for b in args.batches.split(",")]
    for b in batches:
        env = {"LOCKGATE_PLAN_CACHE": str(cache), "LOCKGATE_SCAN_BATCH_COLUMNS": str(b)}
        commands.append(
            fresh.Command(f"batch_{b}", f"cached plan, {b} columns per query", check, env)
        )
    fresh.log(f"{'unique' if unique else 'range'}: warming the plan caches")
    for command in commands[2:]:  # fill each cache entry; not timed
        fresh.run_series([command], 1, scratch / "warmup", timeout=3600)
    repeat = 1 if unique else args.repeat
    series = fresh.run_series(commands, repeat, scratch / "runs", timeout=3600)
    check_out = scratch / "runs" / "lockgate_warm.out"
    return {
        "unique": unique,
        "rules": args.cols * (1 if unique else 3) + 1,
        "commands": {c.key: c.label for c in commands},
        "series": series,
        "batches": batches,
        "parity": parity(scratch / "hand.json", check_out),
    }


# --- report -------------------------------------------------------------------------------------


def _row(label: str, s: dict, base: dict) -> str:
    return (
        f"| {label} | {s['median_s']:.2f} | {s['min_s']:.2f} | {s['median_cpu_s']:.2f} | "
        f"{s['median_s'] / base['median_s']:.2f}× | "
        f"{s['median_cpu_s'] / base['median_cpu_s']:.2f}× | "
        f"{s['max_rss_mb']:.0f} |"
    )


def write_report(results: dict, out: Path) -> None:
    from benchmarks import fresh

    lines = [
        "# Wide tables",
        "",
        "Generated by `benchmarks/wide_table.py` (`python -m benchmarks.wide_table`); analysis in",
        "`benchmarks/notes_wide_startup.md`.",
        "",
        f"{fresh.run_line(results)} "
        f"Table: {results['cols']:,} DOUBLE columns × {results['rows']:,} rows.",
        "",
    ]
    for case in ("range", "unique"):
        if case not in results:
            continue
        r = results[case]
        s, base = r["series"], r["series"]["handwritten"]
        title = (
            "`required` + `minimum` + `maximum` on every column"
            if case == "range"
            else "`unique` on every column (adversarial)"
        )
        lines += [
            f"## {title}: {r['rules']:,} rules",
            "",
            "| command (fresh process) | median s | fastest s | median CPU s "
            "| × hand-written (wall) | × (CPU) | peak RSS MB |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for key, label in r["commands"].items():
            lines.append(_row(label, s[key], base))
        p = r["parity"]
        lines += [
            "",
            f"Parity: {p['compared']:,} metrics compared with the hand-written query, "
            f"{len(p['differ'])} differ; the check fails {p['failing_rules']} rules.",
            "",
        ]
    (out / "RESULTS_WIDE.md").write_text("\n".join(lines) + "\n")
    if "range" in results and results["range"]["batches"]:
        plot(results, out / "wide_table.png")


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r = results["range"]
    s = r["series"]
    xs = r["batches"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5.2))
    seconds = [s[f"batch_{b}"]["median_s"] for b in xs]
    rss = [s[f"batch_{b}"]["max_rss_mb"] for b in xs]
    left.plot(xs, seconds, color="C0", marker="o", label="lockgate check, cached plan")
    right.plot(xs, rss, color="C0", marker="o", label="lockgate check, cached plan")
    styles = {"handwritten": ("C3", "--"), "lockgate_cold": ("C2", ":")}
    for key, (color, line) in styles.items():
        label = r["commands"][key]
        left.axhline(s[key]["median_s"], color=color, linestyle=line, label=label)
        right.axhline(s[key]["max_rss_mb"], color=color, linestyle=line, label=label)
    for ax in (left, right):
        ax.set_xscale("log")
        ax.set_xticks(xs, [str(x) for x in xs])
        ax.minorticks_off()
        ax.grid(True, alpha=0.3)
        ax.set_xlabel("columns per scan query (LOCKGATE_SCAN_BATCH_COLUMNS)")
    top = max(seconds + [s[k]["median_s"] for k in styles]) * 1.15
    left.set_ylim(0, top)
    step = 1 if top < 8 else 2 if top < 16 else 5
    left.set_yticks([i * step for i in range(int(top / step) + 1)])
    left.set_ylabel("median wall seconds, whole process")
    left.set_title(f"{results['cols']:,} columns × {results['rows']:,} rows, {r['rules']:,} rules")
    top_mb = max(rss + [s[k]["max_rss_mb"] for k in styles]) * 1.15
    right.set_ylim(0, top_mb)
    mb_step = 100 if top_mb < 1200 else 250
    right.set_yticks([i * mb_step for i in range(int(top_mb / mb_step) + 1)])
    right.set_ylabel("peak RSS, MB")
    right.set_title("Peak memory")
    left.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
    else:
        main()
