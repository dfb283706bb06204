"""The champion of each served model, followed through promotions and rollbacks without a restart.

The registry moves an alias by atomically replacing `aliases.json` (a new inode each time). Every
request looks at that file's inode and modification time (one `stat`, microseconds); when it
changed, the aliases are read again and a newly named champion is loaded once, under a lock, while
other requests keep being answered. A request therefore always sees one whole version: the old
champion or the new one, never a half-written file, and never an error for the switch.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any

from lockgate.contract.loader import load_contract
from lockgate.ml.spec import ModelSpec
from lockgate.registry import ModelRegistry, ModelVersion
from lockgate.serve.row_validator import RowValidator

KEEP_LOADED = 3  # the champion, the previous one (for a quick rollback) and one more


@dataclass(frozen=True)
class Champion:
    version: ModelVersion
    model: Any


class ServedModel:
    """One model spec: its feature-contract validator and its current champion."""

    def __init__(self, spec: ModelSpec, registry: ModelRegistry):
        self.spec = spec
        self.registry = registry
        self.contract = load_contract(spec.contract_path)
        self.validator = RowValidator(self.contract, spec.table, spec.features)
        self._lock = threading.Lock()
        self._seen: tuple[int, int] | None = None
        self._current: Champion | None = None
        self._loaded: dict[str, Champion] = {}
        self.load_error: str | None = None  # why the newly named champion could not be loaded

    @property
    def name(self) -> str:
        return self.spec.name

    def champion(self) -> Champion | None:
        stamp = self._stamp()
        if stamp == self._seen:
            return self._current
        with self._lock:
            stamp = self._stamp()
            if stamp != self._seen:
                try:
                    self._current = self._resolve()
                    self.load_error = None
                except Exception as exc:  # noqa: BLE001 (a broken version must not stop serving)
                    # keep answering with the champion already loaded; /health shows why
                    self.load_error = f"{type(exc).__name__}: {exc}"
                self._seen = stamp
            return self._current

    def _stamp(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.registry.root / self.spec.name / "aliases.json")
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns)

    def _resolve(self) -> Champion | None:
        version = self.registry.aliases(self.spec.name).get("champion")
        if not version:
            return None
        if version not in self._loaded:
            found = self.registry.get(self.spec.name, version)
            self._loaded[version] = Champion(found, found.load_model())
            for old in list(self._loaded)[:-KEEP_LOADED]:
                del self._loaded[old]
        return self._loaded[version]

    def describe(self) -> dict[str, Any]:
        champion = self.champion()
        aliases = self.registry.aliases(self.spec.name)
        out: dict[str, Any] = {
            "name": self.spec.name,
            "description": self.spec.description,
            "features": list(self.spec.features),
            "contract": {
                "id": self.contract.id,
                "version": self.contract.version,
                "table": self.spec.table,
            },
            "record_rules": self.validator.rule_ids,
            "champion": None,
            "previous": aliases.get("previous"),
        }
        if champion is not None:
            v = champion.version
            out["champion"] = {
                "version": v.version,
                "registered_at": v.record.get("registered_at"),
                "metrics": v.metrics,
                "receipt": v.receipt,
                "release": v.release,
            }
        return out
