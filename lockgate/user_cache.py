"""lockgate's per-user cache folder: outside any project, so nothing committed to a repository
can put files there.

    LOCKGATE_CACHE_DIR   the folder (default: $XDG_CACHE_HOME/lockgate, else ~/.cache/lockgate);
                         `off` turns off what lives there: the schema-check markers
                         (lockgate.contract.schema_cache) and the key that signs cached plans
                         (lockgate.engines.sql.plan_cache), so no plan is cached either.
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "LOCKGATE_CACHE_DIR"


def cache_dir() -> Path | None:
    """The folder; None when the cache is turned off, or there is no home folder to put it in."""
    configured = os.environ.get(CACHE_ENV, "").strip()
    if configured.lower() == "off":
        return None
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # no HOME and no passwd entry (a container's `--user 12345`)
            return None
    return Path(base) / "lockgate"
