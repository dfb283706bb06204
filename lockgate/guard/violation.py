"""ContractViolation: the explicit error that stops a pipeline step, naming what broke."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lockgate.errors import LockgateError
from lockgate.results.jsonable import json_safe

MAX_SAMPLES_IN_MESSAGE = 3


@dataclass(frozen=True)
class Violation:
    contract_id: str
    version: str
    table: str
    reason: str  # "rule failed" | "never validated" | "contract changed" | "data changed"
    rule: str | None = None
    column: str | None = None
    observed: Any = None
    expected: str | None = None
    failed_rows: int | None = None
    sample_keys: list[dict[str, Any]] = field(default_factory=list)

    def describe(self) -> str:
        head = f"contract {self.contract_id} {self.version}, table {self.table}"
        if self.rule is None:
            return f"{head}: {self.reason}"
        column = f" (column {self.column})" if self.column else ""
        rows = f", {self.failed_rows} failing rows" if self.failed_rows else ""
        text = (
            f"{head}: rule {self.rule}{column} failed: observed {json_safe(self.observed)!r}, "
            f"expected {self.expected}{rows}"
        )
        if self.sample_keys:
            shown = "; ".join(
                ", ".join(f"{k}={json_safe(v)}" for k, v in s.items())
                for s in self.sample_keys[:MAX_SAMPLES_IN_MESSAGE]
            )
            text += f"; sample rows: {shown}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "contract": self.contract_id,
            "version": self.version,
            "table": self.table,
            "reason": self.reason,
            "rule": self.rule,
            "column": self.column,
            "observed": json_safe(self.observed),
            "expected": self.expected,
            "failed_rows": self.failed_rows,
            "sample_keys": json_safe(self.sample_keys),
        }


class ContractViolation(LockgateError):
    """Raised by a guarded step (training, release) instead of using data that did not pass."""

    def __init__(self, stage: str, violations: list[Violation]):
        self.stage = stage
        self.violations = violations
        lines = [f"{stage} refused: {len(violations)} contract violation(s) upstream"]
        lines += [f"  - {v.describe()}" for v in violations]
        super().__init__("\n".join(lines))

    def _repr_html_(self) -> str:
        """Jupyter's view of the refusal: one row per violated rule, with bounds and samples."""
        from lockgate.results.notebook import violation_html

        return violation_html(self)
