"""Remember which contract texts passed the ODCS schema check, so they are not checked again.

The JSON-schema validation and the unknown-key walk are most of the cost of loading a contract
(about 10 ms of 12 for a 25-rule contract). A Dagster code location loads every contract in every
process it starts (the webserver, the daemon, each run), so a project with hundreds of contracts
would pay seconds each time for files that have not changed since the last load.

Only a clean result is remembered, as an empty marker file named by a hash of everything the
result depends on: the contract's text, the schema it was checked against, and the code that
checks it. A contract with findings is checked, and its findings reported, every time. A marker
is written atomically and carries no content, so an interrupted or concurrent write cannot leave
a wrong answer behind; a cache that cannot be read or written is skipped, never an error.

Markers go under lockgate's per-user cache folder (lockgate.user_cache: LOCKGATE_CACHE_DIR;
`off` turns the cache off).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from lockgate.user_cache import cache_dir


def _marker(text: str, checker: bytes) -> Path | None:
    root = cache_dir()
    if root is None:
        return None
    key = hashlib.sha256(checker + text.encode("utf-8")).hexdigest()
    return root / "schema-clean" / key[:2] / key


def known_clean(text: str, checker: bytes) -> bool:
    """Whether this exact text passed this exact schema check before; `checker` identifies the
    check (lockgate.contract.odcs_schema.checker_fingerprint), so that a new schema or new checking
    code never reuses an old answer."""
    marker = _marker(text, checker)
    try:
        return marker is not None and marker.is_file()
    except OSError:
        return False


def remember_clean(text: str, checker: bytes) -> None:
    marker = _marker(text, checker)
    try:
        if marker is None or marker.is_file():
            return
        marker.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=marker.parent, prefix=".tmp-")
        os.close(fd)
        os.replace(tmp, marker)
    except OSError:
        pass  # a read-only or full disk costs only the speed-up
