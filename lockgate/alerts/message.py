"""What an alert says: one failing (or resolved) rule of one load, and what was done about it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Alert:
    status: str  # "failing" | "resolved"
    source: str  # the contract (or monitoring contract) id
    load: str  # the load: e.g. a monitoring window, a run's logical time
    rule: str
    column: str | None = None
    observed: Any = None
    expected: str | None = None
    severity: str = "error"
    action: str | None = None  # e.g. "rolled back conversion from v2 to v1"

    @property
    def title(self) -> str:
        word = "FAILING" if self.status == "failing" else "resolved"
        return f"[lockgate] {word}: {self.rule} ({self.source})"

    def text(self) -> str:
        lines = [self.title, f"load: {self.load}"]
        if self.status == "failing":
            lines.append(f"observed: {self.observed}")
            lines.append(f"expected: {self.expected}")
        else:
            lines.append("the rule passes again")
        if self.action:
            lines.append(f"action: {self.action}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["observed"] = _plain(self.observed)
        out["title"] = self.title
        return out


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
