"""A folder per model: `versions/vN/` (model, metrics, validation receipt, release record) and
`aliases.json` (`champion`, `previous`, and the champion history that rollback walks back).

Writes are atomic: a version is assembled in a temporary folder and renamed into place; aliases
are rewritten to a temporary file and `os.replace`d, under an exclusive file lock, so concurrent
promotions never interleave and a crash never leaves half an update.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from lockgate.errors import LockgateError

ALIASES = ("champion", "previous")
# A model name is one path segment, a version is what `register` makes: `vN`. Anything else
# (`../../evil`, an absolute path) could make the registry load a planted model with joblib.
_MODEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
_VERSION = re.compile(r"^v[1-9][0-9]{0,8}$")


class RegistryError(LockgateError):
    pass


def default_registry_root() -> Path:
    return Path(os.environ.get("LOCKGATE_REGISTRY", ".lockgate/registry"))


@dataclass(frozen=True)
class ModelVersion:
    name: str
    version: str
    path: Path
    record: dict[str, Any]

    @property
    def receipt(self) -> dict[str, Any]:
        return self.record.get("receipt") or {}

    @property
    def metrics(self) -> dict[str, float]:
        return self.record.get("metrics") or {}

    @property
    def release(self) -> dict[str, Any] | None:
        path = self.path / "release.json"
        return json.loads(path.read_text()) if path.exists() else None

    def load_model(self):
        import joblib

        return joblib.load(self.path / "model.joblib")


class ModelRegistry:
    def __init__(self, root: str | Path | None = None):
        self.root = Path(root) if root is not None else default_registry_root()

    # -- versions ------------------------------------------------------------------------------

    def register(self, name: str, model: Any, record: dict[str, Any]) -> ModelVersion:
        """Store a new version (model + record); returns it. The record must hold the receipt."""
        import joblib

        base = self._model_dir(name)
        (base / "versions").mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".incoming-", dir=base))
        try:
            joblib.dump(model, staging / "model.joblib")
            with self._lock(name):
                version = f"v{self._next_number(name)}"
                full = {**record, "name": name, "version": version, "registered_at": _now()}
                _write_json(staging / "version.json", full)
                target = base / "versions" / version
                os.rename(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return ModelVersion(name, version, target, full)

    def record_release(self, version: ModelVersion, release: dict[str, Any]) -> None:
        _write_json(version.path / "release.json", release)

    def versions(self, name: str) -> list[ModelVersion]:
        folder = self._model_dir(name) / "versions"
        if not folder.exists():
            return []
        found = [
            self._read(name, p.name)
            for p in folder.iterdir()
            if p.name.startswith("v") and p.name[1:].isdigit()
        ]
        return sorted(found, key=lambda v: int(v.version[1:]))

    def get(self, name: str, version: str) -> ModelVersion:
        _check_version(name, version)
        if not (self._model_dir(name) / "versions" / version / "version.json").exists():
            known = ", ".join(v.version for v in self.versions(name)) or "none"
            raise RegistryError(f"model {name!r} has no version {version!r} (versions: {known})")
        return self._read(name, version)

    def models(self) -> list[str]:
        if not self.root.exists():
            return []
        return sorted(p.name for p in self.root.iterdir() if (p / "versions").is_dir())

    # -- aliases -------------------------------------------------------------------------------

    def aliases(self, name: str) -> dict[str, Any]:
        path = self._model_dir(name) / "aliases.json"
        if not path.exists():
            return {"champion": None, "previous": None, "history": []}
        aliases = json.loads(path.read_text())
        # an alias only ever names a version of this model inside the registry
        named = [aliases.get(a) for a in ALIASES] + list(aliases.get("history") or [])
        for version in named:
            if version is not None and not (isinstance(version, str) and _VERSION.match(version)):
                shown = str(version)[:60]
                raise RegistryError(f"{path} names {shown!r}, which is not a version of {name}")
        return aliases

    def alias(self, name: str, alias: str) -> ModelVersion | None:
        version = self.aliases(name).get(alias)
        return self.get(name, version) if version else None

    def promote(self, name: str, version: str) -> dict[str, Any]:
        """Make `version` the champion (the old champion becomes `previous`). Refused unless the
        version carries a passing validation receipt and a passed release record."""
        candidate = self.get(name, version)
        if not candidate.receipt.get("passed"):
            problems = (
                "; ".join(candidate.receipt.get("problems", [])) or "no passing validation receipt"
            )
            raise RegistryError(f"{name} {version} cannot become champion: {problems}")
        release = candidate.release
        if release is not None and not release.get("passed"):
            raise RegistryError(
                f"{name} {version} cannot become champion: it failed the release gate '{release.get('failed_gate')}'"
            )
        with self._lock(name):
            current = self.aliases(name)
            if current.get("champion") == version:
                return current
            history = [v for v in current.get("history", []) if v != version] + [version]
            updated = {"champion": version, "previous": current.get("champion"), "history": history}
            self._write_aliases(name, updated, event={"action": "promote", "version": version})
        return updated

    def rollback(self, name: str) -> dict[str, Any]:
        """Restore the previous champion; the champion before it becomes `previous`."""
        with self._lock(name):
            current = self.aliases(name)
            history = list(current.get("history", []))
            if len(history) < 2:
                raise RegistryError(f"model {name!r} has no previous champion to roll back to")
            withdrawn = history.pop()
            updated = {
                "champion": history[-1],
                "previous": history[-2] if len(history) > 1 else None,
                "history": history,
            }
            self._write_aliases(
                name,
                updated,
                event={"action": "rollback", "version": history[-1], "withdrawn": withdrawn},
            )
        return updated

    def events(self, name: str) -> list[dict[str, Any]]:
        path = self._model_dir(name) / "events.jsonl"
        return (
            [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
            if path.exists()
            else []
        )

    # -- internals -----------------------------------------------------------------------------

    def _model_dir(self, name: str) -> Path:
        if not isinstance(name, str) or not _MODEL_NAME.match(name):
            shown = str(name)[:60]
            rule = "use letters, digits, '_', '-', '.' (one folder name)"
            raise RegistryError(f"invalid model name {shown!r}: {rule}")
        return self.root / name

    def _read(self, name: str, version: str) -> ModelVersion:
        _check_version(name, version)
        path = self._model_dir(name) / "versions" / version
        if not path.resolve().is_relative_to(self.root.resolve()):
            raise RegistryError(f"{name} {version} resolves outside the registry {self.root}")
        return ModelVersion(name, version, path, json.loads((path / "version.json").read_text()))

    def _next_number(self, name: str) -> int:
        numbers = [int(v.version[1:]) for v in self.versions(name)]
        return max(numbers, default=0) + 1

    def _write_aliases(self, name: str, aliases: dict[str, Any], event: dict[str, Any]) -> None:
        folder = self._model_dir(name)
        _write_json(folder / "aliases.json", aliases)
        with open(folder / "events.jsonl", "a", encoding="utf-8") as log:
            log.write(
                json.dumps({**event, "at": _now(), "aliases": {k: aliases.get(k) for k in ALIASES}})
                + "\n"
            )
            log.flush()
            os.fsync(log.fileno())

    @contextlib.contextmanager
    def _lock(self, name: str) -> Iterator[None]:
        folder = self._model_dir(name)
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / ".lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _check_version(name: str, version: str) -> None:
    if not isinstance(version, str) or not _VERSION.match(version):
        shown = str(version)[:60]
        rule = "versions are v1, v2, ..."
        raise RegistryError(f"invalid version {shown!r} of model {name!r}: {rule}")


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
