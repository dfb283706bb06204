"""Where a code location keeps lockgate's state: the history store and the model registry."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LockgatePaths:
    """`history`: a SQLite file or postgresql:// URL; `registry`: the model registry folder;
    `server`: the contracts' server to validate (None: each contract's first)."""

    history: str
    registry: Path
    server: str | None = None
