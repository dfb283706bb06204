"""Diff two versions of a contract: run the classifier table, judge the version bump, and find
what reads the changed tables downstream."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lockgate.contract.model import Contract
from lockgate.contract.source import SourceDoc
from lockgate.review.blast import Downstream, TableImpact, blast_radius
from lockgate.review.changes import Change
from lockgate.review.classifiers import CLASSIFIERS
from lockgate.review.compare import Comparison
from lockgate.review.semver import FAIL, PASS, WARN, Verdict, verdict
from lockgate.review.versions import Version


def classify(old: Contract, new: Contract) -> list[Change]:
    """Every change from `old` to `new`, in the order of the classifier table."""
    cmp = Comparison(old, new)
    changes = []
    for classifier in CLASSIFIERS:
        for hit in classifier.detect(cmp):
            cmp.claimed |= hit.claims
            cmp.found += 1
            changes.append(
                Change(
                    classifier.id,
                    classifier.severity,
                    classifier.affects,
                    classifier.explanation,
                    hit.table,
                    hit.column,
                    hit.subject,
                    hit.before,
                    hit.after,
                )
            )
    return changes


@dataclass
class ContractDiff:
    path: str  # the contract file the diff is about
    contract_id: str
    status: str  # changed | unchanged | added | removed
    old: str | None  # where the old version came from (a path, or REF:path)
    new: str | None
    old_version: str | None
    new_version: str | None
    changes: list[Change]
    verdict: Verdict
    impacts: list[TableImpact] = field(default_factory=list)


@dataclass
class DiffReport:
    diffs: list[ContractDiff]
    notes: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        statuses = {d.verdict.status for d in self.diffs}
        return FAIL if FAIL in statuses else WARN if WARN in statuses else PASS

    @property
    def exit_code(self) -> int:
        return max((d.verdict.exit_code for d in self.diffs), default=0)

    @property
    def changes(self) -> list[Change]:
        return [c for d in self.diffs for c in d.changes]


def diff_versions(
    path: Path, old: Version | None, new: Version | None, downstream: Downstream
) -> ContractDiff:
    """Compare two versions; either may be None (a contract added or removed)."""
    if old is None and new is None:
        raise ValueError("nothing to compare")
    current = new or old
    assert current is not None  # checked above
    before = old.contract if old else _empty_like(current.contract)
    after = new.contract if new else _empty_like(current.contract)
    changes = classify(before, after)
    if old is None:
        status, judged = "added", Verdict(PASS, f"new contract, version {after.version}", None)
    elif new is None:
        tables = len(before.tables)
        status, judged = (
            "removed",
            Verdict(
                WARN,
                f"contract removed: its {tables} table(s) are no longer guaranteed to anyone",
                "major",
            ),
        )
    else:
        status = "changed" if changes else "unchanged"
        judged = verdict(before.version, after.version, changes)
    impacts = blast_radius(
        old.contract if old else None, new.contract if new else None, path, changes, downstream
    )
    return ContractDiff(
        path=str(path),
        contract_id=current.contract.id,
        status=status,
        old=old.label if old else None,
        new=new.label if new else None,
        old_version=old.contract.version if old else None,
        new_version=new.contract.version if new else None,
        changes=changes,
        verdict=judged,
        impacts=impacts,
    )


def _empty_like(contract: Contract) -> Contract:
    """The same contract without tables: what an added or removed contract is compared with, so
    that the diff lists its tables and nothing else."""
    raw = {k: v for k, v in contract.raw.items() if k not in ("schema", "slaProperties", "version")}
    return Contract(
        id=contract.id,
        version="",
        name=contract.name,
        api_version=contract.api_version,
        tables=(),
        servers=contract.servers,
        rules=(),
        source=SourceDoc(contract.file, "", raw),
    )
