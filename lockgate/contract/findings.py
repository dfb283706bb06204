"""A lint finding, printed the way compilers print them: `file:line:col: severity: message`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Location:
    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True, order=True)
class Finding:
    location: Location
    message: str
    severity: str = "error"  # "error" makes the contract unusable; "warning" is advice
    code: str = ""  # short stable identifier, e.g. "unknown-key", for docs and tests

    def __str__(self) -> str:
        code = f" [{self.code}]" if self.code else ""
        return f"{self.location}: {self.severity}: {self.message}{code}"
