"""The training environment a model was fitted in: the lockfile's hash and library versions.

Recorded in the model's receipt so that a reviewer can tell which dependencies produced it, and
so that a spec's `requires:` can refuse to release a model trained outside the declared versions
(a pickled scikit-learn model is only safe to load with the version that wrote it).
"""

from __future__ import annotations

import hashlib
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

# Always recorded: what fits, pickles and scores every model; a spec adds its own (`requires`).
CORE_LIBRARIES = ("scikit-learn", "numpy", "pandas", "scipy", "joblib", "lockgate")
LOCKFILES = ("uv.lock", "poetry.lock", "requirements.txt")


def training_environment(spec_path: Path, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """Python version, the hash of the project's lockfile (searched from the spec's folder up)
    and the installed versions of the core libraries plus `extra` (distribution names)."""
    names = dict.fromkeys(canonicalize_name(n) for n in (*CORE_LIBRARIES, *extra))
    return {
        "python": platform.python_version(),
        "lockfile": _lockfile(Path(spec_path).resolve().parent),
        "packages": {name: _version(name) for name in names},
    }


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _lockfile(start: Path) -> dict[str, str] | None:
    """The nearest lockfile above the spec, else above the working directory (a spec kept
    outside the project still records the environment the project runs in)."""
    cwd = Path.cwd().resolve()
    for folder in dict.fromkeys((start, *start.parents, cwd, *cwd.parents)):
        for name in LOCKFILES:
            path = folder / name
            if path.is_file():
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                return {"path": str(path), "sha256": digest}
    return None
