"""Does the version bump match the changes? Semantic versioning applied to a contract.

A breaking change needs a new major version; any other change needs some bump (otherwise two
different contracts share a version, and receipts that pin it become ambiguous) but only warns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from lockgate.review.changes import BREAKING, RISKY, Change

PASS, WARN, FAIL = "pass", "warn", "fail"
EXIT_CODES = {PASS: 0, WARN: 0, FAIL: 1}

_SEMVER = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[-+].*)?$")


@dataclass(frozen=True)
class Verdict:
    status: str  # pass | warn | fail
    message: str
    required_bump: str | None  # major | minor | patch | None (no changes)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]


def parse_version(text: str | None) -> tuple[int, int, int] | None:
    match = _SEMVER.match(str(text or "").strip())
    if not match:
        return None
    return tuple(int(part or 0) for part in match.groups())  # type: ignore[return-value]


def required_bump(changes: Sequence[Change]) -> str | None:
    """major for a breaking change, minor when the contract says something new or weaker, patch
    for documentation."""
    if not changes:
        return None
    if any(c.severity == BREAKING for c in changes):
        return "major"
    if any(c.severity == RISKY or "added" in c.kind for c in changes):
        return "minor"
    return "patch"


def verdict(old_version: str | None, new_version: str | None, changes: Sequence[Change]) -> Verdict:
    bump = required_bump(changes)
    old, new = parse_version(old_version), parse_version(new_version)
    span = f"{old_version} -> {new_version}"
    if bump is None:
        return Verdict(
            PASS,
            f"no contract changes (version {span})"
            if old_version != new_version
            else "no contract changes",
            None,
        )
    breaking = sum(c.severity == BREAKING for c in changes)
    if bump == "major":
        if old is not None and new is not None and new[0] > old[0]:
            return Verdict(
                PASS, f"{breaking} breaking change(s) with a major version bump ({span})", bump
            )
        if new is None or old is None:
            return Verdict(
                FAIL,
                f"{breaking} breaking change(s) need a major version bump, but {span} is not semantic versioning",
                bump,
            )
        return Verdict(
            FAIL,
            f"{breaking} breaking change(s) need a major version bump ({span}); e.g. version: {old[0] + 1}.0.0",
            bump,
        )
    if old is not None and new is not None and new > old:
        return Verdict(
            PASS, f"{len(changes)} non-breaking change(s) with a version bump ({span})", bump
        )
    return Verdict(
        WARN,
        f"{len(changes)} non-breaking change(s) without a version bump ({span}); bump the {bump} version",
        bump,
    )
