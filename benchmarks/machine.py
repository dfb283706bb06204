"""The machine and software a benchmark ran on, for the results file."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata

from benchmarks.paths import REPO

PACKAGES = (
    "duckdb",
    "ibis-framework",
    "sqlglot",
    "pandas",
    "pyarrow",
    "numpy",
    "pandera",
    "great-expectations",
    "dagster",
    "psutil",
)


def cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def describe() -> dict:
    import psutil

    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    try:  # read-only: which commit the lockgate code came from
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "cpu_model": cpu_model(),
        "logical_cores": os.cpu_count(),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
        "lockgate_commit": commit,
        "pythondontwritebytecode": os.environ.get("PYTHONDONTWRITEBYTECODE", ""),
        "load_average_start": load_average(),
    }
