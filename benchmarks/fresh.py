"""Shared by benchmarks/wide_table.py and benchmarks/startup.py: repeated fresh-process runs of
several commands, interleaved, summarised as medians with ratios to a baseline of the same run.

Each command runs through `process.run` (the 9 MB launcher), so peak RSS is the child's own.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import machine, process


@dataclass
class Command:
    key: str
    label: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    ok_codes: tuple[int, ...] = (0, 1)  # `lockgate check` exits 1 when a rule fails


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def run_series(commands: list[Command], repeat: int, scratch: Path, timeout: float = 1800) -> dict:
    """{key: {"runs": [...], "median_s", "median_cpu_s", "max_rss_mb", "min_s"}}, the commands
    alternating within each repetition (starting with the next one each time)."""
    scratch.mkdir(parents=True, exist_ok=True)
    runs: dict[str, list[dict]] = {c.key: [] for c in commands}
    for rep in range(repeat):
        order = commands[rep % len(commands) :] + commands[: rep % len(commands)]
        for command in order:
            out = scratch / f"{command.key}.out"
            env = {**child_environment(), **command.env}
            done = process.run(command.argv, stdout=out, timeout=timeout, env=env)
            if done.returncode not in command.ok_codes:
                raise RuntimeError(f"{command.key} exited {done.returncode}: {done.stderr[-2000:]}")
            runs[command.key].append(
                {"wall_s": done.wall_s, "cpu_s": done.cpu_s, "rss_mb": done.peak_rss_mb}
            )
            log(f"{command.key} rep {rep + 1}: {done.wall_s:.2f} s, {done.peak_rss_mb:.0f} MB")
    return {key: summary(rs) for key, rs in runs.items()}


def child_environment() -> dict[str, str]:
    """This process's environment, except PYTHONDONTWRITEBYTECODE (set on this machine, and on
    some CI runners): an installed lockgate has its bytecode compiled, and without it every run
    would compile lockgate's ~70 modules again (~50 ms of a 0.3 s check). The warm-up run of
    each benchmark writes the bytecode."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def summary(rs: list[dict]) -> dict:
    return {
        "runs": rs,
        "median_s": statistics.median(r["wall_s"] for r in rs),
        "min_s": min(r["wall_s"] for r in rs),
        "median_cpu_s": statistics.median(r["cpu_s"] for r in rs),
        "max_rss_mb": max(r["rss_mb"] for r in rs),
    }


def context(argv: list[str]) -> dict:
    """Machine, versions, load and commit, as benchmarks/run.py records them."""
    info = machine.describe() if hasattr(machine, "describe") else {}
    return {
        "command": "python -m " + " ".join(argv),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "load_average": list(os.getloadavg()),
        "machine": info,
        "python": sys.version.split()[0],
    }


def run_line(results: dict) -> str:
    """When, on what, from which commit: the line under a results page's title."""
    load = ", ".join(f"{x:.2f}" for x in results["load_average"])
    commit = results.get("machine", {}).get("lockgate_commit") or "unknown"
    return (
        f"Run: started {results['started']}, load average at start [{load}], "
        f"Python {results['python']}, lockgate at commit {commit}."
    )


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=1, default=str) + "\n")


def ratio(a: dict, base: dict, field_name: str = "median_s") -> float:
    return a[field_name] / base[field_name]
