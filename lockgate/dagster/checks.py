"""A contract as Dagster asset checks: one check per rule, one op (one fused scan) per contract.

Error-severity rules are blocking checks with ERROR severity, so a failure stops everything
downstream in the same run; warnings are non-blocking WARN checks. Each result carries the
contract id and version, the table of all rule results of the run, and sample failing rows.
The run is recorded in lockgate's history store, which the training and release guards read.
"""

# no `from __future__ import annotations`: Dagster reads the context annotations at definition time

import re
from pathlib import Path
from typing import Callable

import dagster as dg

from lockgate.contract.loader import load_contract
from lockgate.contract.model import Contract, Table
from lockgate.dagster.resources import LockgatePaths
from lockgate.engines.results import RuleResult, ValidationResult, json_safe

RULE_COLUMNS = ("rule", "check", "column", "severity", "passed", "observed", "expected", "failed_rows")


def check_name(rule_id: str) -> str:
    """Dagster names allow [A-Za-z0-9_] only."""
    return re.sub(r"[^A-Za-z0-9_]+", "_", rule_id).strip("_")


def contract_checks(
    contract_path: str | Path,
    asset_key_for: Callable[[Contract, Table], dg.AssetKey],
    paths: LockgatePaths,
) -> dg.AssetChecksDefinition | None:
    contract = load_contract(contract_path)
    specs = []
    keys: dict[str, dg.AssetCheckKey] = {}
    for table in contract.tables:
        asset = asset_key_for(contract, table)
        for rule in contract.rules_for(table.name):
            spec = dg.AssetCheckSpec(
                name=check_name(rule.id),
                asset=asset,
                blocking=rule.severity == "error",
                description=f"{rule.check} ({rule.severity}): {rule.description or rule.id}",
                metadata={"lockgate/contract": contract.id, "lockgate/version": contract.version, "lockgate/rule": rule.id},
            )
            specs.append(spec)
            keys[rule.id] = spec.key
    if not specs:
        return None

    @dg.multi_asset_check(
        name=check_name(f"contract_{contract.id}"),
        specs=specs,
        can_subset=True,
        description=f"lockgate contract {contract.id} {contract.version} ({Path(contract_path).name})",
    )
    def _checks(context: dg.AssetCheckExecutionContext):
        from lockgate.engines.run import validate

        result = validate(contract, paths.server, history=paths.history)
        context.log.info(_summary(result))
        rules_table = _rules_table(result)
        for r in result.results:
            key = keys.get(r.rule.id)
            if key is None or key not in context.selected_asset_check_keys:
                continue
            yield dg.AssetCheckResult(
                asset_key=key.asset_key,
                check_name=key.name,
                passed=r.passed,
                severity=dg.AssetCheckSeverity.ERROR if r.rule.severity == "error" else dg.AssetCheckSeverity.WARN,
                description=_one_line(r),
                metadata={
                    "contract": contract.id,
                    "contract_version": contract.version,
                    "rule": r.rule.id,
                    "observed": str(json_safe(r.observed)),
                    "expected": r.expected,
                    "failed_rows": dg.MetadataValue.int(r.failed_rows) if r.failed_rows is not None else dg.MetadataValue.text("n/a"),
                    "rule_results": rules_table,
                    "failing_rows_sample": _samples_table(r),
                    **_quarantine_metadata(result, r),
                },
            )

    return _checks


def _quarantine_metadata(result: ValidationResult, r: RuleResult) -> dict:
    """The table's quarantine (rows per rule) on each of its checks, when it has a policy."""
    outcome = result.quarantine_of(r.rule.table)
    if outcome is None:
        return {}
    from lockgate.quarantine.report import metadata

    return metadata(outcome)


def _one_line(r: RuleResult) -> str:
    verdict = "passed" if r.passed else "FAILED"
    rows = f", {r.failed_rows} failing rows" if r.failed_rows else ""
    return f"{verdict}: observed {json_safe(r.observed)}, expected {r.expected}{rows}"


def _summary(result: ValidationResult) -> str:
    failed = [r.rule.id for r in result.results if not r.passed]
    return f"contract {result.contract_id} {result.contract_version}: {len(result.results)} rules, {len(failed)} failed {failed}"


def _rules_table(result: ValidationResult) -> dg.MetadataValue:
    schema = dg.TableSchema(columns=[dg.TableColumn(c, "bool" if c == "passed" else "string") for c in RULE_COLUMNS])
    ordered = sorted(result.results, key=lambda r: (r.passed, r.rule.id))  # failures first
    records = [
        dg.TableRecord(
            {
                "rule": r.rule.id,
                "check": r.rule.check,
                "column": r.rule.column or "",
                "severity": r.rule.severity,
                "passed": r.passed,
                "observed": str(json_safe(r.observed)),
                "expected": r.expected,
                "failed_rows": "" if r.failed_rows is None else str(r.failed_rows),
            }
        )
        for r in ordered
    ]
    return dg.MetadataValue.table(records=records, schema=schema)


def _samples_table(r: RuleResult) -> dg.MetadataValue:
    columns = list(dict.fromkeys(k for row in r.samples for k in row)) or ["no failing rows"]
    schema = dg.TableSchema(columns=[dg.TableColumn(c, "string") for c in columns])
    records = [dg.TableRecord({c: _cell(row.get(c)) for c in columns}) for row in r.samples]
    return dg.MetadataValue.table(records=records, schema=schema)


def _cell(value) -> str | int | float | bool | None:
    value = json_safe(value)
    return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)
