"""Where the reference project keeps things, resolved from the repository (never from the cwd).

Contracts name the warehouse as `${LOCKGATE_WAREHOUSE:-warehouse/marketplace.duckdb}`; the code
location pins that variable to an absolute path so every process (the simulator, dbt, checks,
training) opens the same file wherever Dagster starts it.
"""

from __future__ import annotations

import os
from pathlib import Path

from dagster_project.simulator import warehouse_path

REPO_ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = REPO_ROOT / "contracts"
MODEL_SPECS = CONTRACTS / "models"
DBT_DIR = REPO_ROOT / "dbt"
STATE_DIR = Path(os.environ.get("LOCKGATE_STATE_DIR", REPO_ROOT / ".lockgate"))


def pin_environment() -> None:
    os.environ["LOCKGATE_WAREHOUSE"] = str(warehouse_path())
    os.environ.setdefault("LOCKGATE_HISTORY", str(STATE_DIR / "history.sqlite"))
    os.environ.setdefault("LOCKGATE_REGISTRY", str(STATE_DIR / "registry"))


def history_location() -> str:
    return os.environ["LOCKGATE_HISTORY"]


def registry_root() -> Path:
    return Path(os.environ["LOCKGATE_REGISTRY"])


def alerts_file() -> Path:
    return STATE_DIR / "alerts.jsonl"
