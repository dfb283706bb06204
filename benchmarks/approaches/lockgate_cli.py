"""(b) `lockgate check CONTRACT --format json` as a user runs it: a fresh process, timed from the
outside, so interpreter start-up, imports and contract loading are all included."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.approaches.common import Job, lockgate_metrics
from benchmarks.paths import LOCKGATE


def command(job: Job) -> list[str]:
    return [LOCKGATE, "check", str(job.contract), "--server", job.source, "--format", "json"]


def metrics(stdout_file: Path, job: Job) -> dict:
    return lockgate_metrics(json.loads(stdout_file.read_text()), job.specs)
