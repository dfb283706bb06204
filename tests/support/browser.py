"""Headless Chromium for the browser tests: Debian's `chromium` package, driven by Playwright
(no `playwright install`: it would download a browser)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium(timeout: float = 240) -> Path:
    """The binary, waiting a while for a parallel install; skip (fail under CI) without it."""
    deadline = time.monotonic() + timeout
    while not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)):
        if time.monotonic() > deadline:
            reason = f"{CHROMIUM} not installed (apt-get install chromium)"
            if os.environ.get("CI") == "true":
                pytest.fail(reason)
            pytest.skip(reason)
        time.sleep(5)
    return CHROMIUM


def artifact_dirs(first: Path) -> list[Path]:
    """Where screenshots go: the test's folder, and $LOCKGATE_ARTIFACTS when set."""
    dirs = [first]
    if os.environ.get("LOCKGATE_ARTIFACTS"):
        dirs.append(Path(os.environ["LOCKGATE_ARTIFACTS"]))
    for folder in dirs:
        folder.mkdir(parents=True, exist_ok=True)
    return dirs
