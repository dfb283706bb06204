"""Run a command in a fresh child process; return its wall time, exit code and peak RSS.

The command is started by `launch.py`, a minimal launcher process, which times it and reads its
peak RSS from the kernel (`os.wait4`) when it reaps it: the figure covers the whole child process
(interpreter, imports, DuckDB's buffers, DataFrames) and nothing of the benchmark runner.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from benchmarks.paths import HERE, PYTHON

LAUNCHER = HERE / "launch.py"


@dataclass(frozen=True)
class Finished:
    wall_s: float
    cpu_s: float  # user + system time of the whole child, all its threads
    returncode: int
    peak_rss_mb: float
    stderr: str


def run(
    cmd: list[str],
    *,
    stdout: Path,
    timeout: float = 3600,
    cwd: Path | None = None,
    env: dict | None = None,
) -> Finished:
    stdout = Path(stdout)
    stderr = stdout.with_name(stdout.name + ".stderr")
    result = stdout.with_name(stdout.name + ".launch.json")
    result.unlink(missing_ok=True)
    subprocess.run(
        [
            PYTHON,
            "-I",
            "-S",
            str(LAUNCHER),
            str(result),
            str(stdout),
            str(stderr),
            str(timeout),
            "--",
            *cmd,
        ],
        cwd=cwd,
        env=env,
        check=True,
        timeout=timeout + 60,
    )
    data = json.loads(result.read_text())
    text = stderr.read_text(errors="replace") if stderr.exists() else ""
    return Finished(
        data["wall_s"], data["cpu_s"], data["returncode"], data["maxrss_kb"] / 1024, text
    )  # ru_maxrss: KiB on Linux
