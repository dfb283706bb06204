"""Guards that halt: training and release refuse data whose latest validation failed, never ran,
or no longer describes the data (ContractViolation), and models carry validation receipts."""

from lockgate.guard.upstream import require_validated
from lockgate.guard.violation import ContractViolation, Violation

__all__ = ["ContractViolation", "Violation", "require_validated"]
