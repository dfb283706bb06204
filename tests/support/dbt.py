"""Run the real dbt CLI (from the venv) in a subprocess and read its run results."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

DBT = str(Path(sys.executable).with_name("dbt"))


def dbt(
    project: Path,
    *args: str,
    env: dict | None = None,
    check: bool = False,
    workdir: Path | None = None,
) -> subprocess.CompletedProcess:
    """`workdir` receives dbt's target and logs: tests sharing the repository's dbt project must
    not write its target/ at the same time."""
    extra = (
        ["--target-path", str(workdir / "target"), "--log-path", str(workdir / "logs")]
        if workdir
        else []
    )
    proc = subprocess.run(
        [DBT, *args, "--profiles-dir", str(project), "--project-dir", str(project), *extra],
        cwd=project,
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"dbt {' '.join(args)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}"
        )
    return proc


def dbt_test_statuses(project: Path) -> dict[str, str]:
    """dbt test name -> status (pass, fail, warn, error) from target/run_results.json."""
    results = json.loads((project / "target" / "run_results.json").read_text())
    return {
        r["unique_id"].split(".")[2]: r["status"]
        for r in results["results"]
        if r["unique_id"].startswith("test.")
    }
