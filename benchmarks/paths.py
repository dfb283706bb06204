"""Where the benchmark keeps its generated data and writes its results."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATA = HERE / "data"  # git-ignored: tables, Parquet files, generated contracts, per-run scratch
RESULTS_DIR = HERE  # RESULTS.md, results.json and time_vs_rows.png are committed next to the code

# The interpreter running the benchmark runs the children too (the project's .venv in practice).
PYTHON = sys.executable
LOCKGATE = str(Path(sys.executable).with_name("lockgate"))  # the console script a user runs
