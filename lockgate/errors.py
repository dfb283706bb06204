"""Exceptions that carry a message fit for a one-line CLI error."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lockgate.contract.findings import Finding


class LockgateError(Exception):
    """Base class: anything the CLI reports as a usage/contract/connection error (exit 2)."""


class ContractError(LockgateError):
    """A contract failed to load: invalid YAML, invalid ODCS, or a lockgate lint error."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        errors = [f for f in findings if f.severity == "error"]
        first = errors[0] if errors else findings[0]
        more = (
            f" (and {len(errors) - 1} more error(s); run `lockgate lint`)"
            if len(errors) > 1
            else ""
        )
        super().__init__(f"{first}{more}")


class ConnectionFailed(LockgateError):
    """The warehouse named by a contract's server could not be reached."""


class UsageError(LockgateError):
    """The caller asked for something that does not exist (server, engine, format...)."""
