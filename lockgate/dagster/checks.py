"""A contract as Dagster asset checks: one check per rule, one op (one fused scan) per contract.

Error-severity rules are blocking checks with ERROR severity, so a failure stops everything
downstream in the same run; warnings are non-blocking WARN checks. Each result carries only its
own rule: the contract id and version, the sentence saying what the rule was and what was found,
expected and observed, and sample failing rows (or, for the history detectors, their evidence).
The table of all the contract's rule results is attached once per run, to the first failed
check, so a run's event log grows with the rules, not with their square.
The run is recorded in lockgate's history store, which the training and release guards read.
The check's logical time is the run's partition or schedule tick (lockgate.dagster.logical_time),
so a re-execution or a retry of the same data repeats the load's verdicts.
"""

# no `from __future__ import annotations`: Dagster reads the context annotations at definition time

import os
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import dagster as dg

from lockgate import clock
from lockgate.contract.loader import load_contract
from lockgate.contract.model import Contract, Table
from lockgate.contract.rules import RowMeasure
from lockgate.dagster.logical_time import run_logical_time
from lockgate.dagster.partitions import run_partitions
from lockgate.dagster.resources import LockgateResource
from lockgate.quarantine.report import metadata as quarantine_metadata
from lockgate.report.statement import statement
from lockgate.results.jsonable import json_safe
from lockgate.results.model import RuleResult, ValidationResult

Validator = Callable[..., ValidationResult]  # called as lockgate.validate is
AssetKeyFor = Callable[[Contract, Table], dg.AssetKey]  # which asset holds a contract's table

RULE_COLUMNS = (
    "rule",
    "check",
    "column",
    "severity",
    "passed",
    "observed",
    "expected",
    "failed_rows",
)


def check_name(rule_id: str) -> str:
    """Dagster names allow [A-Za-z0-9_] only."""
    return re.sub(r"[^A-Za-z0-9_]+", "_", rule_id).strip("_")


def build_contract_checks(
    *,
    contracts: Iterable[str | os.PathLike[str]],
    asset_key_for: AssetKeyFor,
    partitions_def: dg.PartitionsDefinition | None = None,
    validate_with: Validator | None = None,
) -> Sequence[dg.AssetChecksDefinition]:
    """One multi-asset check per contract that has rules (one fused scan each), on the assets
    `asset_key_for` names. The checks need the `lockgate` resource (LockgateResource).

    `partitions_def`: the partitions of the assets whose tables have a partitioned property.
    Their checks are then partitioned checks: a run of one partition validates that partition
    (lockgate.engines.partitions) and its evaluations belong to it. `validate_with`: called as
    `lockgate.validate` is (the default), e.g. to check the contracts on another engine."""
    if isinstance(contracts, (str, os.PathLike)):
        raise TypeError("contracts: a list of contract paths, not one path")
    built = (
        _contract_checks(Path(path), asset_key_for, partitions_def, validate_with)
        for path in contracts
    )
    return [checks for checks in built if checks is not None]


def _contract_checks(
    contract_path: Path,
    asset_key_for: AssetKeyFor,
    partitions_def: dg.PartitionsDefinition | None,
    validate_with: Validator | None = None,
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
                metadata={
                    "lockgate/contract": contract.id,
                    "lockgate/version": contract.version,
                    "lockgate/rule": rule.id,
                },
                partitions_def=partitions_def if table.partition_columns else None,
            )
            specs.append(spec)
            keys[rule.id] = spec.key
    if not specs:
        return None

    @dg.multi_asset_check(
        name=check_name(f"contract_{contract.id}"),
        specs=specs,
        can_subset=True,
        description=f"lockgate contract {contract.id} {contract.version} ({contract_path.name})",
    )
    def _checks(context: dg.AssetCheckExecutionContext, lockgate: LockgateResource):
        # lazy: the engines (ibis, numpy) load when a check runs, not when the code location loads
        from lockgate.validation import validate

        # the run's partition end or schedule tick; a manual run is judged on lockgate's clock
        as_of = run_logical_time(context) or clock.now()
        partitions = None
        if partitions_def is not None and any(t.partition_columns for t in contract.tables):
            partitions = run_partitions(context)  # this run's partitions only
        result = (validate_with or validate)(
            contract,
            lockgate.server,
            as_of=as_of,
            history=lockgate.history,
            partitions=partitions,
        )
        context.log.info(_summary(result))
        table_attached = False
        for r in result.results:
            key = keys.get(r.rule.id)
            if key is None or key not in context.selected_asset_check_keys:
                continue
            metadata = check_metadata(contract, r)
            if not r.passed and not table_attached:
                metadata["contract_rule_results"] = _rules_table(result)  # once per run
                # every rule over time, against its threshold: lockgate's own HTML report
                metadata["history_report"] = (
                    f"lockgate report --history {lockgate.history} --output lockgate-report"
                )
                table_attached = True
            yield dg.AssetCheckResult(
                asset_key=key.asset_key,
                check_name=key.name,
                passed=r.passed,
                severity=dg.AssetCheckSeverity.ERROR
                if r.rule.severity == "error"
                else dg.AssetCheckSeverity.WARN,
                description=_one_line(r),
                metadata={**metadata, **_quarantine_metadata(result, r)},
            )

    return _checks


def check_metadata(contract: Contract, r: RuleResult) -> dict[str, Any]:
    """One rule's own result: no other rule's, so each evaluation stays small."""
    metadata: dict[str, Any] = {
        "contract": contract.id,
        "contract_version": contract.version,
        "rule": r.rule.id,
        "column": r.rule.column or "",
        "result": statement(r),
        "observed": str(json_safe(r.observed)),
        "expected": r.expected,
    }
    if isinstance(r.rule.measure, RowMeasure):
        failed = r.failed_rows
        metadata["failed_rows"] = (
            dg.MetadataValue.int(failed) if failed is not None else dg.MetadataValue.text("n/a")
        )
        if r.samples:
            metadata["failing_rows_sample"] = _samples_table(r)
    elif not r.passed:
        # detectors judge the table against history or a reference: no row is "the" failing one
        metadata["evidence"] = str(json_safe(r.observed))
    return metadata


def _quarantine_metadata(result: ValidationResult, r: RuleResult) -> dict[str, Any]:
    """The table's quarantine (rows per rule) on each of its checks, when it has a policy."""
    outcome = result.quarantine_of(r.rule.table)
    if outcome is None:
        return {}
    return quarantine_metadata(outcome)


def _one_line(r: RuleResult) -> str:
    return f"{'passed' if r.passed else 'FAILED'}: {statement(r)}"


def _summary(result: ValidationResult) -> str:
    failed = [r.rule.id for r in result.results if not r.passed]
    as_of = f" as of {result.as_of:%Y-%m-%d %H:%M:%S} UTC" if result.as_of else ""
    retries = "".join(
        f"; {table}: same data as run #{run}, its verdicts repeated"
        for table, run in sorted(result.retry_of.items())
    )
    return (
        f"contract {result.contract_id} {result.contract_version}{as_of}: "
        f"{len(result.results)} rules, {len(failed)} failed {failed}{retries}"
    )


def _rules_table(result: ValidationResult) -> dg.MetadataValue:
    schema = dg.TableSchema(
        columns=[dg.TableColumn(c, "bool" if c == "passed" else "string") for c in RULE_COLUMNS]
    )
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
    columns = list(dict.fromkeys(k for row in r.samples for k in row))
    schema = dg.TableSchema(columns=[dg.TableColumn(c, "string") for c in columns])
    records = [dg.TableRecord({c: _cell(row.get(c)) for c in columns}) for row in r.samples]
    return dg.MetadataValue.table(records=records, schema=schema)


def _cell(value) -> str | int | float | bool | None:
    value = json_safe(value)
    return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)
