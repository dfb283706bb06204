"""Shared state of one compilation: the source document and the findings collected so far."""

from __future__ import annotations

from dataclasses import dataclass, field

from lockgate.contract.findings import Finding, Location
from lockgate.contract.source import DocPath, SourceDoc


@dataclass
class CompileContext:
    doc: SourceDoc
    findings: list[Finding] = field(default_factory=list)

    def loc(self, path: DocPath, *, key: bool = False) -> Location:
        return self.doc.locate(path, key=key)

    def error(self, path: DocPath, message: str, code: str, *, key: bool = False) -> None:
        self.findings.append(Finding(self.loc(path, key=key), message, "error", code))

    def warn(self, path: DocPath, message: str, code: str, *, key: bool = False) -> None:
        self.findings.append(Finding(self.loc(path, key=key), message, "warning", code))
