"""What engines return (Measurement), what the judge decides (RuleResult), and the run's verdict."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from lockgate.contract.rules import Rule
from lockgate.results.jsonable import json_safe


@dataclass
class Measurement:
    """An engine's answer for one rule. Exactly one of `error` or a measured value is meaningful."""

    value: Any = None  # the number (or timestamp) the judge compares, e.g. a row count
    failed_rows: int | None = None  # rows breaking the rule, for row-level measures
    total_rows: int | None = None  # rows in the table, the denominator of `unit: percent`
    detail: str | None = None  # readable observed value when `value` alone says too little
    error: str | None = None  # why the rule could not be measured (missing column, failed query)


@dataclass(frozen=True)
class RuleResult:
    rule: Rule
    passed: bool
    observed: Any
    expected: str
    failed_rows: int | None = None
    total_rows: int | None = None
    samples: tuple[dict[str, Any], ...] = ()
    error: str | None = None

    @property
    def blocking_failure(self) -> bool:
        return not self.passed and self.rule.severity == "error"

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON shape of one rule result (do not add keys: consumers rely on it)."""
        return {
            "rule": self.rule.id,
            "schema": self.rule.table,
            "column": self.rule.column,
            "check": self.rule.check,
            "severity": "error" if self.rule.severity == "error" else "warning",
            "passed": self.passed,
            "observed": json_safe(self.observed),
            "expected": self.expected,
            "failed_rows": self.failed_rows,
            "samples": [{k: json_safe(v) for k, v in row.items()} for row in self.samples],
        }


@dataclass
class ValidationResult:
    contract_id: str
    contract_version: str
    contract_hash: str
    server: str | None
    engine: str
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    results: list[RuleResult] = field(default_factory=list)
    table_rows: dict[str, int | None] = field(default_factory=dict)
    # the logical time of the check (freshness, advancement, history order); None: started_at
    as_of: dt.datetime | None = None
    # table -> run that first checked the same data (this check repeats its verdicts); not in JSON
    retry_of: dict[str, int] = field(default_factory=dict)
    # one lockgate.quarantine.verdict.TableQuarantine per table with a policy; None: no policy
    quarantine: list[Any] | None = None
    # lockgate.engines.partitions.PartitionSelection when only some partitions were checked
    partitions: Any = None

    @property
    def passed(self) -> bool:
        return not any(r.blocking_failure for r in self.results)

    @property
    def failures(self) -> list[RuleResult]:
        return [r for r in self.results if not r.passed]

    def result(self, rule_id: str) -> RuleResult:
        return next(r for r in self.results if r.rule.id == rule_id)

    def _repr_html_(self) -> str:
        """Jupyter's view: the verdict, failing rules first with bounds and samples."""
        from lockgate.results.notebook import result_html

        return result_html(self)

    def to_dict(self) -> dict[str, Any]:
        out = {
            "contract": self.contract_id,
            "version": self.contract_version,
            "passed": self.passed,
            "results": [r.to_dict() for r in self.results],
        }
        if self.partitions is not None:  # only for a partitioned check: {table: {column: [values]}}
            out["partitions"] = self.partitions.to_dict()
        if self.quarantine is not None:  # only when the contract has a quarantine policy
            out["quarantine"] = [q.to_dict() for q in self.quarantine]
        return out

    def quarantine_of(self, table: str) -> Any:
        """The quarantine outcome of a table with a policy (valid/quarantined frames when kept)."""
        return next((q for q in self.quarantine or () if q.table == table), None)
