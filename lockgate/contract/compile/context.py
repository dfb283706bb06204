"""Shared state of one compilation: the source document and the findings collected so far."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from lockgate.contract.findings import Finding, Location
from lockgate.contract.source import DocPath, SourceDoc


@dataclass
class CompileContext:
    doc: SourceDoc
    findings: list[Finding] = field(default_factory=list)
    # draft quarantine policies and where they were declared (lockgate.contract.compile.quarantine)
    quarantine: list[Any] = field(default_factory=list)

    def loc(self, path: DocPath, *, key: bool = False) -> Location:
        return self.doc.locate(path, key=key)

    def error(self, path: DocPath, message: str, code: str, *, key: bool = False) -> None:
        self.findings.append(Finding(self.loc(path, key=key), message, "error", code))

    def warn(self, path: DocPath, message: str, code: str, *, key: bool = False) -> None:
        self.findings.append(Finding(self.loc(path, key=key), message, "warning", code))

    def unknown_key(
        self, keys: Iterable[str], allowed: tuple[str, ...], path: DocPath, what: str
    ) -> bool:
        """Report the first of `keys` not in `allowed` (with the closest allowed one as a hint);
        whether there was one. `what` names the argument in the message, e.g. "argument 'x'"."""
        for key in keys:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = (
                    f"did you mean '{close[0]}'?"
                    if close
                    else f"expected {', '.join(allowed) or 'no arguments'}"
                )
                self.error(
                    path + (key,),
                    f"unknown {what.format(key=key)}; {hint}",
                    "unknown-key",
                    key=True,
                )
                return True
        return False
