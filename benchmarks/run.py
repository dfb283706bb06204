"""Run the benchmark and write benchmarks/results.json, RESULTS.md and time_vs_rows.png.

    .venv/bin/python -m benchmarks.run                 # 10M rows, 5 repetitions (~1 h on 2 cores)
    .venv/bin/python -m benchmarks.run --rows 3000000 --repeat 3
    .venv/bin/python -m benchmarks.run --quick         # 20k rows, 1 repetition,
                                                       # into benchmarks/out/quick

Every measurement is a fresh child process; within a repetition the approaches run one after the
other, starting each repetition with the next approach, so that a noisy neighbour slows all of them
rather than one. Ratios are against the hand-written fused query measured in the same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

from benchmarks import machine, process, report
from benchmarks.approaches import APPROACHES, BASELINE, BY_KEY, Approach, lockgate_cli
from benchmarks.approaches import gx as gx_approach
from benchmarks.approaches.common import Job
from benchmarks.contract import check_compiles, write_contract
from benchmarks.generate import generate
from benchmarks.paths import DATA, LOCKGATE, PYTHON, REPO, RESULTS_DIR
from benchmarks.rules import CATALOGUE, RULE_COUNTS, STANDARD, first

SPECS = {s.id: s for s in CATALOGUE}
AB = (BASELINE, "lockgate_sql", "lockgate_cli")  # the tight A/B at the main size
SMALL_TABLE_ROWS = 1000  # the `lockgate check` start-up target is on a 1,000-row table


def log(message: str) -> None:
    print(f"[{dt.datetime.now():%H:%M:%S}] {message}", flush=True)


# --- one measurement ---------------------------------------------------------------------------


def measure(approach: Approach, job: Job, scratch: Path, attempts: int = 2) -> dict:
    """One fresh-process measurement. The lockgate working tree is shared with people editing it,
    so a crash is retried once after a pause before it stops the run."""
    for attempt in range(1, attempts + 1):
        try:
            return _measure_once(approach, job, scratch)
        except RuntimeError as exc:
            if attempt == attempts:
                raise
            log(f"{approach.key} failed ({str(exc).splitlines()[0]}); retrying in 30 s")
            time.sleep(30)
    raise AssertionError("unreachable")


def _measure_once(approach: Approach, job: Job, scratch: Path) -> dict:
    scratch.mkdir(parents=True, exist_ok=True)
    out = scratch / f"{approach.key}.out"
    if approach.cli:
        done = process.run(lockgate_cli.command(job), stdout=out, cwd=REPO, env=cli_env(scratch))
        _check(done, approach, out)
        seconds, cpu, details, metrics = done.wall_s, done.cpu_s, {}, lockgate_cli.metrics(out, job)
    else:
        result = scratch / f"{approach.key}.json"
        result.unlink(missing_ok=True)
        done = process.run(
            [PYTHON, "-m", "benchmarks.child", json.dumps(job.to_dict()), str(result)],
            stdout=out,
            cwd=REPO,
        )
        _check(done, approach, out)
        data = json.loads(result.read_text())
        seconds, cpu, details, metrics = (
            data["seconds"],
            data["cpu_s"],
            {"prepare_s": data["prepare_s"], **data["details"]},
            data["metrics"],
        )
    return {
        "seconds": seconds,
        "cpu_s": cpu,
        "wall_s": done.wall_s,
        "peak_rss_mb": done.peak_rss_mb,
        "details": details,
        "metrics": metrics,
    }


def cli_env(scratch: Path) -> dict:
    """`lockgate check` records each run in a history store (default .lockgate/ in the working
    directory): keep the benchmark's runs in its scratch directory instead of the repository."""
    return {**os.environ, "LOCKGATE_HISTORY": str(scratch / "history.sqlite")}


def _check(done: process.Finished, approach: Approach, out: Path) -> None:
    if done.returncode != 0:
        tail = "\n".join(
            (done.stderr or out.read_text(errors="replace")).strip().splitlines()[-15:]
        )
        raise RuntimeError(f"{approach.key} exited with {done.returncode}:\n{tail}")


def job_for(approach: Approach, db: Path, parquet: Path, contract: Path, n_rules: int) -> Job:
    return Job(
        approach.key,
        db,
        parquet,
        contract,
        n_rules,
        approach.source,
        {} if approach.duckdb_defaults else lockgate_duckdb_settings(),
    )


def lockgate_duckdb_settings() -> dict:
    """The settings lockgate opens DuckDB with (its memory limit), for the hand-written queries;
    the temp directory is per process and chosen by the child."""
    from lockgate.connectors.duckdb import check_config

    return {k: v for k, v in check_config().items() if k != "temp_directory"}


def alternate(items: list, rep: int) -> list:
    """Start repetition `rep` with the next item, so no item always runs right after another."""
    shift = rep % len(items)
    return items[shift:] + items[:shift]


def summarize(samples: list[dict]) -> dict:
    secs = [s["seconds"] for s in samples]
    walls = [s["wall_s"] for s in samples]
    rss = [s["peak_rss_mb"] for s in samples]
    details: dict[str, float] = {}
    for key in {k for s in samples for k, v in s["details"].items() if isinstance(v, (int, float))}:
        details[key] = statistics.median(
            s["details"][key] for s in samples if isinstance(s["details"].get(key), (int, float))
        )
    return {
        "n": len(samples),
        "median_s": statistics.median(secs),
        "min_s": min(secs),
        "max_s": max(secs),
        "all_s": secs,
        "median_wall_s": statistics.median(walls),
        "median_cpu_s": statistics.median(s["cpu_s"] for s in samples),
        "min_cpu_s": min(s["cpu_s"] for s in samples),
        "peak_rss_mb": max(rss),
        "median_peak_rss_mb": statistics.median(rss),
        "details": details,
    }


# --- phases ------------------------------------------------------------------------------------


def compare_at(
    rows: int, approaches: list[Approach], repeat: int, data: Path, skip: dict[str, str]
) -> dict:
    """Every approach on the standard 25-rule contract at one table size."""
    db, parquet = generate(rows, data_dir=data)
    contract = write_contract(first(STANDARD), db, parquet, data / "contracts")
    check_compiles(contract, first(STANDARD))
    scratch = data / "scratch"
    runnable = [a for a in approaches if a.key not in skip]
    log(f"{rows:,} rows: warm-up (page cache)")
    measure(BY_KEY[BASELINE], job_for(BY_KEY[BASELINE], db, parquet, contract, STANDARD), scratch)
    samples: dict[str, list[dict]] = {a.key: [] for a in runnable}
    for rep in range(repeat):
        for approach in alternate(runnable, rep):
            sample = measure(approach, job_for(approach, db, parquet, contract, STANDARD), scratch)
            samples[approach.key].append(sample)
            log(
                f"{rows:,} rows, rep {rep + 1}/{repeat}: {approach.key:22s} "
                f"{sample['seconds']:8.3f}s  cpu {sample['cpu_s']:8.3f}s  wall "
                f"{sample['wall_s']:8.3f}s  rss {sample['peak_rss_mb']:7.0f} MB"
            )
    return {
        "rows": rows,
        "n_rules": STANDARD,
        "repeat": repeat,
        "contract": str(
            contract.relative_to(data.parent) if contract.is_relative_to(data.parent) else contract
        ),
        "skipped": skip,
        "approaches": {key: summarize(s) for key, s in samples.items()},
        "parity": parity({key: s[0]["metrics"] for key, s in samples.items()}),
        "metrics": {key: s[0]["metrics"] for key, s in samples.items()},
    }


def parity(metrics: dict[str, dict]) -> dict:
    """Each approach's metrics against the hand-written query's, rule by rule."""
    base = metrics[BASELINE]
    out = {}
    for key, theirs in metrics.items():
        if key == BASELINE:
            continue
        compared, mismatches, not_compared = 0, {}, {}
        for rule_id, expected in base.items():
            if rule_id not in theirs:
                not_compared[rule_id] = "not expressible"
                continue
            if key == "gx" and not gx_approach.comparable(SPECS[rule_id]):
                not_compared[rule_id] = (
                    f"GX counts differently: {theirs[rule_id]} (hand-written {expected})"
                )
                continue
            compared += 1
            if theirs[rule_id] != expected:
                mismatches[rule_id] = {"expected": expected, "got": theirs[rule_id]}
        out[key] = {"compared": compared, "mismatches": mismatches, "not_compared": not_compared}
    return out


def rule_scaling(rows: int, counts: tuple[int, ...], repeat: int, data: Path) -> dict:
    """The SQL engine and the hand-written query with 5..50 rules: what an extra rule costs."""
    db, parquet = generate(rows, data_dir=data)
    contracts = {}
    for n in counts:
        contracts[n] = write_contract(first(n), db, parquet, data / "contracts")
        check_compiles(contracts[n], first(n))
    pairs = [(n, BY_KEY[key]) for n in counts for key in (BASELINE, "lockgate_sql")]
    samples: dict[tuple[int, str], list[dict]] = {(n, a.key): [] for n, a in pairs}
    scratch = data / "scratch"
    for rep in range(repeat):
        for n, approach in alternate(pairs, rep):
            sample = measure(approach, job_for(approach, db, parquet, contracts[n], n), scratch)
            samples[(n, approach.key)].append(sample)
            log(
                f"rules {n:2d}, rep {rep + 1}/{repeat}: {approach.key:14s} "
                f"{sample['seconds']:8.3f}s  cpu {sample['cpu_s']:8.3f}s  rss "
                f"{sample['peak_rss_mb']:7.0f} MB"
            )
        for n in counts:  # the metrics must agree at every size of contract too
            a, b = (
                samples[(n, BASELINE)][-1]["metrics"],
                samples[(n, "lockgate_sql")][-1]["metrics"],
            )
            if a != b:
                raise AssertionError(
                    f"{n} rules: lockgate and the hand-written query disagree: {_diff(a, b)}"
                )
    table = {
        str(n): {key: summarize(samples[(n, key)]) for key in (BASELINE, "lockgate_sql")}
        for n in counts
    }
    return {
        "rows": rows,
        "repeat": repeat,
        "counts": list(counts),
        "by_count": table,
        "marginal": marginal(table, counts),
    }


def marginal(table: dict, counts: tuple[int, ...]) -> dict:
    """Least-squares slope of the median time against the number of rules, per approach, in wall
    time and in CPU time, also as a percentage of the 25-rule check and of the smallest contract."""
    out = {}
    for key in (BASELINE, "lockgate_sql"):
        for measure in ("median_s", "median_cpu_s"):
            xs = list(counts)
            ys = [table[str(n)][key][measure] for n in counts]
            if len(xs) < 2:
                continue
            mx, my = statistics.fmean(xs), statistics.fmean(ys)
            slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum(
                (x - mx) ** 2 for x in xs
            )
            ref = table[str(STANDARD)][key][measure] if str(STANDARD) in table else ys[-1]
            out[key if measure == "median_s" else f"{key}_cpu"] = {
                "slope_s_per_rule": slope,
                "intercept_s": my - slope * mx,
                "pct_of_standard_check": 100 * slope / ref,
                "pct_of_smallest": 100 * slope / ys[0],
            }
    return out


def _diff(a: dict, b: dict) -> dict:
    return {k: (a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)}


def startup(repeat: int, data: Path) -> dict:
    """`lockgate --help`, and `lockgate check` end to end on a 1,000-row table, each a fresh
    process; the bare interpreter and `import duckdb` as floors; and the same check with lockgate's
    modules byte-compiled, as a wheel install would have them (this machine sets
    PYTHONDONTWRITEBYTECODE=1 and lockgate is an editable install, so it recompiles every time)."""
    db, parquet = generate(SMALL_TABLE_ROWS, data_dir=data)
    contract = str(write_contract(first(STANDARD), db, parquet, data / "contracts"))
    check_compiles(Path(contract), first(STANDARD))
    compiled = byte_compiled_copy(data / "scratch" / "precompiled")
    check = f"lockgate check ({SMALL_TABLE_ROWS:,} rows, {STANDARD} rules)"
    commands = {
        "python -c pass": ([PYTHON, "-c", "pass"], REPO),
        "python -c 'import duckdb'": ([PYTHON, "-c", "import duckdb"], REPO),
        "lockgate --help": ([LOCKGATE, "--help"], REPO),
        check: ([LOCKGATE, "check", contract], REPO),
        "python -m lockgate.cli check, lockgate from source": (
            [PYTHON, "-m", "lockgate.cli", "check", contract],
            REPO,
        ),
        "python -m lockgate.cli check, lockgate byte-compiled": (
            [PYTHON, "-m", "lockgate.cli", "check", contract],
            compiled,
        ),
    }
    samples: dict[str, list[process.Finished]] = {k: [] for k in commands}
    out = data / "scratch" / "startup.out"
    out.parent.mkdir(parents=True, exist_ok=True)
    for rep in range(repeat):
        for name in alternate(list(commands), rep):
            cmd, cwd = commands[name]
            done = process.run(cmd, stdout=out, cwd=cwd, env=cli_env(out.parent))
            if done.returncode != 0:
                raise RuntimeError(
                    f"{name} exited with {done.returncode}: "
                    f"{done.stderr[-2000:]}{out.read_text()[-2000:]}"
                )
            samples[name].append(done)
    log(
        "start-up: "
        + ", ".join(
            f"{k} {statistics.median(d.wall_s for d in v):.3f}s" for k, v in samples.items()
        )
    )
    return {
        name: {
            "n": len(runs),
            "median_s": statistics.median(d.wall_s for d in runs),
            "min_s": min(d.wall_s for d in runs),
            "max_s": max(d.wall_s for d in runs),
            "median_cpu_s": statistics.median(d.cpu_s for d in runs),
            "peak_rss_mb": max(d.peak_rss_mb for d in runs),
        }
        for name, runs in samples.items()
    }


def byte_compiled_copy(root: Path) -> Path:
    """A copy of the lockgate package with its .pyc files; `python -m lockgate.cli` run from `root`
    imports it instead of the editable install (the working directory comes first on sys.path)."""
    import compileall
    import shutil

    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(
        REPO / "lockgate", root / "lockgate", ignore=shutil.ignore_patterns("__pycache__")
    )
    compileall.compile_dir(root / "lockgate", quiet=1)
    return root


# --- the command -------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--rows", type=int, default=None, help="the main table size (default 10M)")
    p.add_argument(
        "--sizes",
        default=None,
        help=(
            "smaller sizes for the time-vs-rows plot (comma-separated, default "
            "1000000,3000000; '' for none)"
        ),
    )
    p.add_argument(
        "--repeat", type=int, default=None, help="repetitions at the main size (default 5)"
    )
    p.add_argument(
        "--sizes-repeat",
        type=int,
        default=None,
        help="repetitions at the smaller sizes (default 3)",
    )
    p.add_argument(
        "--approaches",
        default=",".join(a.key for a in APPROACHES),
        help="which approaches (comma-separated keys)",
    )
    p.add_argument(
        "--gx-max-rows",
        type=int,
        default=3_000_000,
        help="skip Great Expectations above this many rows (default 3M)",
    )
    p.add_argument(
        "--ab-repeat",
        type=int,
        default=None,
        help=(
            "repetitions of the tight A/B of (a) against lockgate at the main size (default 9; "
            "0 to skip)"
        ),
    )
    p.add_argument(
        "--rule-counts",
        default=None,
        help="contract sizes for the cost per rule (default 5,10,25,50; '' to skip)",
    )
    p.add_argument(
        "--startup-repeat",
        type=int,
        default=None,
        help="runs of --help and of the 1,000-row check (default 10; 0 to skip)",
    )
    p.add_argument(
        "--dagster-contracts",
        type=int,
        default=None,
        help="contracts for the Dagster loading benchmark (default 200; 0 to skip)",
    )
    p.add_argument(
        "--data", type=Path, default=DATA, help="where tables and contracts are generated"
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="where results go (default: benchmarks/, or benchmarks/out/quick with --quick)",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help=(
            "20k rows, 1 repetition, every phase small, no Dagster: a smoke test (the test "
            "suite runs it)"
        ),
    )
    args = p.parse_args(argv)
    full = {
        "rows": 10_000_000,
        "sizes": "1000000,3000000",
        "repeat": 5,
        "sizes_repeat": 3,
        "ab_repeat": 9,
        "rule_counts": ",".join(map(str, RULE_COUNTS)),
        "startup_repeat": 10,
        "dagster_contracts": 200,
    }
    quick = {
        "rows": 20_000,
        "sizes": "",
        "repeat": 1,
        "sizes_repeat": 1,
        "ab_repeat": 1,
        "rule_counts": "5,25",
        "startup_repeat": 1,
        "dagster_contracts": 0,
    }
    for key, value in (quick if args.quick else full).items():
        if getattr(args, key) is None:  # what was given on the command line wins
            setattr(args, key, value)
    args.out = args.out or (RESULTS_DIR / "out" / "quick" if args.quick else RESULTS_DIR)
    return args


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    chosen = [BY_KEY[k] for k in args.approaches.split(",") if k]
    if BASELINE not in [a.key for a in chosen]:
        chosen.insert(0, BY_KEY[BASELINE])  # every ratio is against it
    sizes = sorted({int(s) for s in args.sizes.split(",") if s} | {args.rows})
    results: dict = {
        "started": dt.datetime.now().isoformat(timespec="seconds"),
        "command": " ".join(
            ["python -m benchmarks.run", *(argv if argv is not None else sys.argv[1:])]
        ),
        "machine": machine.describe(),
        "main_rows": args.rows,
        "approaches": {a.key: a.label for a in chosen},
        "sizes": [],
    }
    json_path = args.out / "results.json"

    def save() -> None:
        results["machine"]["load_average_end"] = machine.load_average()
        json_path.write_text(json.dumps(results, indent=1, default=str))

    started = time.perf_counter()
    for rows in sizes:
        skip = {}
        if rows > args.gx_max_rows and any(a.key == "gx" for a in chosen):
            skip["gx"] = f"above --gx-max-rows {args.gx_max_rows:,}"
        repeat = args.repeat if rows == args.rows else args.sizes_repeat
        results["sizes"].append(compare_at(rows, chosen, repeat, args.data, skip))
        save()
    if args.ab_repeat:
        # The machine's other load drifts over a long run; the SQL-engine target is judged on a
        # tight, interleaved A/B of the three approaches it concerns, with more repetitions.
        pair = [BY_KEY[k] for k in AB]
        results["ab"] = compare_at(args.rows, pair, args.ab_repeat, args.data, {})
        save()
    counts = tuple(int(n) for n in args.rule_counts.split(",") if n)
    if counts:
        results["rule_scaling"] = rule_scaling(args.rows, counts, args.repeat, args.data)
        save()
    if args.startup_repeat:
        results["startup"] = startup(args.startup_repeat, args.data)
        save()
    if args.dagster_contracts:
        from benchmarks import dagster_load

        results["dagster"] = dagster_load.benchmark(
            args.dagster_contracts, args.data, repeat=max(1, min(args.repeat, 3))
        )
        save()
    results["duration_s"] = time.perf_counter() - started
    save()
    report.write(results, args.out)
    log(f"wrote {json_path}, {args.out / 'RESULTS.md'} and {args.out / report.PLOT}")
    return results


if __name__ == "__main__":
    main()
