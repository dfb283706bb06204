"""Run one approach once in this (fresh) process and write what it measured as JSON.

    python -m benchmarks.child JOB_JSON RESULT_PATH

`prepare` (imports, contract loading) runs before the clock starts; `measure` is timed, in wall
time and in CPU time (all threads; less disturbed than wall time by other load on the machine).
The parent
reads this process's peak RSS from the kernel when it reaps it (`os.wait4`), which covers
everything the process did, imports included.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from pathlib import Path

from benchmarks.approaches.common import Job


def main() -> None:
    job = Job.from_dict(json.loads(sys.argv[1]))
    out = Path(sys.argv[2])
    from benchmarks.approaches import BY_KEY

    module = importlib.import_module(f"benchmarks.approaches.{BY_KEY[job.approach].module}")
    started = time.perf_counter()
    module.prepare(job)
    prepared, cpu = time.perf_counter(), time.process_time()
    metrics = module.measure(job)
    finished, cpu = time.perf_counter(), time.process_time() - cpu  # CPU time of every thread
    details = module.details() if hasattr(module, "details") else {}
    out.write_text(
        json.dumps(
            {
                "seconds": finished - prepared,
                "cpu_s": cpu,
                "prepare_s": prepared - started,
                "metrics": metrics,
                "details": details,
            }
        )
    )


if __name__ == "__main__":
    main()
