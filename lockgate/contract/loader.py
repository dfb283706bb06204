"""Entry points: load one contract (raising on errors) or lint many paths (collecting findings)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from lockgate.contract.compile import compile_document
from lockgate.contract.findings import Finding
from lockgate.contract.model import Contract
from lockgate.contract.odcs_schema import schema_findings
from lockgate.contract.source import SourceDoc, load_source, parse_source
from lockgate.errors import ContractError

CONTRACT_GLOBS = ("*.odcs.yaml", "*.odcs.yml")


def analyze(path: str | Path) -> tuple[Contract | None, list[Finding]]:
    """Parse, validate against ODCS, compile; return the contract (if it compiled) and all
    findings."""
    return _analyze_source(load_source(path, display=_display(path)))


def analyze_text(text: str, name: str) -> tuple[Contract | None, list[Finding]]:
    """`analyze` for contract text that is not a file of its own (e.g. `git show REF:path`)."""
    return _analyze_source(parse_source(text, name))


def _analyze_source(doc: SourceDoc) -> tuple[Contract | None, list[Finding]]:
    if doc.findings and doc.data is None:
        return None, list(doc.findings)
    findings = list(doc.findings) + schema_findings(doc)
    contract, compile_findings = compile_document(doc)
    seen = {(f.location, f.message) for f in findings}
    findings += [f for f in compile_findings if (f.location, f.message) not in seen]
    findings.sort(key=lambda f: (f.location.line, f.location.col))
    return contract, findings


def load_contract(path: str | Path) -> Contract:
    """The compiled contract; ContractError (with every finding) if any error was found."""
    contract, findings = analyze(path)
    if contract is None or any(f.severity == "error" for f in findings):
        raise ContractError(findings or [])
    return contract


def contract_files(paths: Iterable[str | Path]) -> list[Path]:
    """Files named on the command line, plus contracts found under named directories."""
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            for pattern in CONTRACT_GLOBS:
                found.extend(sorted(p.rglob(pattern)))
        else:
            found.append(p)
    return list(dict.fromkeys(found))


def lint_paths(paths: Iterable[str | Path]) -> dict[Path, list[Finding]]:
    return {path: _lint_one(path) for path in contract_files(paths)}


def _lint_one(path: Path) -> list[Finding]:
    """One file's findings; a file lockgate fails on is a finding of that file, so that the
    findings of every other file are still reported."""
    try:
        return analyze(path)[1]
    except Exception as exc:  # noqa: BLE001 - reported as a finding, with its kind
        from lockgate.contract.findings import Location

        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        where = Location(_display(path), 1, 1)
        message = f"lockgate could not lint this file ({type(exc).__name__}: {reason})"
        return [Finding(where, message, code="internal")]


def _display(path: str | Path) -> str:
    """Paths relative to the working directory read best in editors and CI logs."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative
