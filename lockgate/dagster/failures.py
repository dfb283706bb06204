"""Refusals as `dagster.Failure`: the UI shows a Failure's description and metadata as they are,
where any other exception is wrapped in Dagster's own "error occurred while executing" traceback.

The guard itself keeps raising ContractViolation (lockgate's API); only the Dagster assets turn it
into a Failure, whose description begins with the ContractViolation's text and whose metadata
names the first violation field by field."""

# no `from __future__ import annotations`: keep the module like its Dagster siblings

from typing import Any

import dagster as dg

from lockgate.guard import ContractViolation, Violation
from lockgate.results.jsonable import json_safe


def violation_failure(exc: ContractViolation) -> dg.Failure:
    metadata: dict[str, Any] = {"stage": exc.stage, "violations": len(exc.violations)}
    if exc.violations:
        metadata.update(_first(exc.violations[0]))
    if len(exc.violations) > 1:
        metadata["all_violations"] = _violations_table(exc.violations)
    # retrying cannot help: the data has to be fixed (or validated again) first
    return dg.Failure(description=str(exc), metadata=metadata, allow_retries=False)


def release_failure(description: str, gates: list[dict[str, Any]], failed_gate: str) -> dg.Failure:
    rows = [
        dg.TableRecord({"gate": g["gate"], "passed": bool(g["passed"]), "detail": str(g["detail"])})
        for g in gates
    ]
    schema = dg.TableSchema(
        columns=[
            dg.TableColumn("gate", "string"),
            dg.TableColumn("passed", "bool"),
            dg.TableColumn("detail", "string"),
        ]
    )
    metadata: dict[str, str | dg.MetadataValue] = {
        "failed_gate": failed_gate,
        "gates": dg.MetadataValue.table(records=rows, schema=schema),
    }
    return dg.Failure(description=description, metadata=metadata, allow_retries=False)


def _first(v: Violation) -> dict[str, Any]:
    return {
        "contract": v.contract_id,
        "version": v.version,
        "table": v.table,
        "reason": v.reason,
        "rule": v.rule or "",
        "column": v.column or "",
        "observed": "" if v.observed is None else str(json_safe(v.observed)),
        "expected": v.expected or "",
        "failed_rows": dg.MetadataValue.int(v.failed_rows)
        if v.failed_rows is not None
        else dg.MetadataValue.text("n/a"),
        "samples": _samples(v.sample_keys),
    }


def _samples(rows: list[dict[str, Any]]) -> dg.MetadataValue:
    columns = list(dict.fromkeys(k for row in rows for k in row)) or ["(no sample rows)"]
    schema = dg.TableSchema(columns=[dg.TableColumn(c, "string") for c in columns])
    records = [dg.TableRecord({c: _cell(row.get(c)) for c in columns}) for row in rows]
    return dg.MetadataValue.table(records=records, schema=schema)


def _violations_table(violations: list[Violation]) -> dg.MetadataValue:
    columns = ("contract", "table", "rule", "column", "reason", "observed", "expected")
    schema = dg.TableSchema(columns=[dg.TableColumn(c, "string") for c in columns])
    records = [dg.TableRecord(dict(zip(columns, _violation_row(v)))) for v in violations]
    return dg.MetadataValue.table(records=records, schema=schema)


def _violation_row(v: Violation) -> tuple[str, ...]:
    observed = "" if v.observed is None else str(json_safe(v.observed))
    return (
        f"{v.contract_id} {v.version}",
        v.table,
        v.rule or "",
        v.column or "",
        v.reason,
        observed,
        v.expected or "",
    )


def _cell(value: Any) -> str | int | float | bool | None:
    value = json_safe(value)
    return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)
