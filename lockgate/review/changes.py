"""What a contract diff reports: classified changes, and the classifier entries that produce them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterator

if TYPE_CHECKING:
    from lockgate.review.compare import Comparison

BREAKING, RISKY, SAFE = "breaking", "risky", "safe"
SEVERITIES = (BREAKING, RISKY, SAFE)
#: how each severity reads to tools that speak error/warning/info (GitHub annotations, linters)
LEVELS = {BREAKING: "error", RISKY: "warning", SAFE: "info"}


@dataclass(frozen=True)
class Hit:
    """One occurrence found by a classifier's detector."""

    table: str | None
    column: str | None
    subject: str  # what changed: a rule id, a field, a server name
    before: Any = None
    after: Any = None
    claims: frozenset[str] = (
        frozenset()
    )  # rule ids this change explains (later classifiers skip them)


@dataclass(frozen=True)
class Classifier:
    id: str
    severity: str  # breaking | risky | safe
    affects: str  # producers | consumers | both | nobody
    explanation: str  # one line, read by the reviewer next to every change of this kind
    detect: Callable[[Comparison], Iterator[Hit]]


@dataclass(frozen=True)
class Change:
    kind: str  # the classifier id
    severity: str
    affects: str
    explanation: str
    table: str | None
    column: str | None
    subject: str
    before: Any = None
    after: Any = None

    @property
    def where(self) -> str:
        if self.table and self.column:
            return f"{self.table}.{self.column}"
        return self.table or "contract"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "severity": self.severity,
            "level": LEVELS[self.severity],
            "affects": self.affects,
            "table": self.table,
            "column": self.column,
            "subject": self.subject,
            "before": _plain(self.before),
            "after": _plain(self.after),
            "explanation": self.explanation,
        }


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)
