"""The two versions `lockgate diff` compares: a file on disk, or a file as of a git revision.

The new version must be a valid contract (it is what the pull request proposes; `lockgate lint`
says why not). The old version only has to compile: it is history, and a lint rule added since
must not make every diff against it impossible.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from lockgate.contract.loader import CONTRACT_GLOBS, analyze, analyze_text
from lockgate.contract.model import Contract
from lockgate.errors import ContractError, UsageError


@dataclass(frozen=True)
class Version:
    contract: Contract
    label: str  # where it came from: a path, or "REF:path"


def load_file(path: Path, *, strict: bool) -> Version:
    if not path.is_file():
        raise UsageError(f"cannot read contract {path}: no such file")
    contract, findings = analyze(path)
    return Version(_accept(contract, findings, strict), str(path))


def load_text(text: str, label: str, *, strict: bool) -> Version:
    contract, findings = analyze_text(text, label)
    return Version(_accept(contract, findings, strict), label)


def _accept(contract: Contract | None, findings, strict: bool) -> Contract:
    if contract is None or (strict and any(f.severity == "error" for f in findings)):
        raise ContractError(findings)
    return contract


# --- git --------------------------------------------------------------------------------------------


class GitRepo:
    """Read-only questions to the git repository that holds a path."""

    def __init__(self, near: Path):
        near = near.resolve()
        while (
            not near.is_dir() and near != near.parent
        ):  # a deleted file: ask from its nearest folder
            near = near.parent
        self.cwd = near
        self.root = Path(self._git("rev-parse", "--show-toplevel", what="a git repository").strip())
        self.cwd = self.root  # every path below is given relative to the root

    def verify(self, ref: str) -> None:
        if self._run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode != 0:
            raise UsageError(
                f"unknown git revision {ref!r} (in CI, fetch it first, e.g. git fetch origin main)"
            )

    def show(self, ref: str, path: Path) -> str | None:
        """The file's text at `ref`, or None when it did not exist there."""
        relative = self.relative(path)
        proc = self._run("cat-file", "-e", f"{ref}:{relative}")
        if proc.returncode != 0:
            return None
        return self._git("show", f"{ref}:{relative}", what=f"{ref}:{relative}")

    def contracts_at(self, ref: str, directory: Path) -> list[Path]:
        """Contract files under `directory` as of `ref` (paths in the working tree's terms)."""
        out = self._git(
            "ls-tree",
            "-r",
            "--name-only",
            "--full-name",
            ref,
            "--",
            self.relative(directory),
            what=f"files of {ref}",
        )
        names = [
            line for line in out.splitlines() if any(Path(line).match(g) for g in CONTRACT_GLOBS)
        ]
        return [self.root / name for name in names]

    def relative(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            raise UsageError(f"{path} is not inside the git repository at {self.root}") from None

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        try:
            return subprocess.run(
                ["git", *args], cwd=self.cwd, capture_output=True, text=True, timeout=60
            )
        except FileNotFoundError:
            raise UsageError(
                "git is not installed; compare two files instead: lockgate diff OLD NEW"
            ) from None

    def _git(self, *args: str, what: str) -> str:
        proc = self._run(*args)
        if proc.returncode != 0:
            reason = (proc.stderr.strip().splitlines() or ["not found"])[-1]
            raise UsageError(f"cannot read {what}: {reason.removeprefix('fatal: ')}")
        return proc.stdout
