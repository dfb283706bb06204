"""`lockgate diff`: decide which versions to compare, diff them, render the report.

Two ways to name the versions:
- `lockgate diff OLD NEW`: two files;
- `lockgate diff PATH... --base REF`: each contract file (or every contract under each directory)
  against its version at git revision REF. Contracts that exist only at REF were removed, those
  that exist only in the working tree were added.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from lockgate.contract.loader import contract_files
from lockgate.errors import UsageError
from lockgate.review.blast import load_downstream
from lockgate.review.diff import DiffReport, diff_versions
from lockgate.review.render import render
from lockgate.review.versions import GitRepo, load_file, load_text


def run_diff(
    paths: Sequence[Path],
    *,
    base: str | None,
    fmt: str,
    manifest: Path | None = None,
    specs: Path | None = None,
) -> tuple[str, int]:
    """The rendered report and the exit code (0 fine, 1 a breaking change without a major bump)."""
    downstream = load_downstream(manifest, specs)
    if base is None:
        diffs = [_two_files(paths, downstream)]
    else:
        diffs = _against_ref(paths, base, downstream)
    report = DiffReport(diffs, downstream.notes)
    return render(report, fmt), report.exit_code


def _two_files(paths: Sequence[Path], downstream):
    if len(paths) != 2:
        raise UsageError(
            f"expected OLD NEW (two contract files), or contracts with --base REF; got {len(paths)} path(s)"
        )
    old_path, new_path = paths
    for path in paths:
        if not path.is_file():
            raise UsageError(f"cannot read contract {path}: no such file")
    return diff_versions(
        new_path, load_file(old_path, strict=False), load_file(new_path, strict=True), downstream
    )


def _against_ref(paths: Sequence[Path], ref: str, downstream):
    repo = GitRepo(paths[0] if paths else Path.cwd())
    repo.verify(ref)
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += contract_files([path]) + repo.contracts_at(ref, path)
        else:
            files.append(path)  # may be gone from the working tree: then it must exist at REF
    shown = list(dict.fromkeys(_display(p) for p in files))
    if not shown:
        raise UsageError(
            f"no contracts (*.odcs.yaml) in {', '.join(map(str, paths))}, here or at {ref}"
        )
    diffs = []
    for name in shown:
        path = Path(name)
        text = repo.show(ref, path)
        old = (
            load_text(text, f"{ref}:{repo.relative(path)}", strict=False)
            if text is not None
            else None
        )
        new = load_file(path, strict=True) if path.is_file() else None
        if old is None and new is None:
            raise UsageError(f"no such contract, here or at {ref}: {path}")
        diffs.append(diff_versions(path, old, new, downstream))
    return diffs


def _display(path: Path) -> str:
    """Paths relative to the working directory when they are below it (as `lint` shows them)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
