"""lockgate: data-quality contracts (ODCS v3.1) enforced where the data lives.

The package root stays light on purpose: `import lockgate` must not pull in pandas, ibis,
Great Expectations, dagster or dbt. The public API is resolved lazily on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lockgate.version import __version__

_LAZY = {
    "load_contract": ("lockgate.contract.loader", "load_contract"),
    "lint_paths": ("lockgate.contract.loader", "lint_paths"),
    "validate": ("lockgate.validation", "validate"),
    "validate_frames": ("lockgate.validation", "validate_frames"),
    "validate_spark": ("lockgate.validation", "validate_spark"),
    "Contract": ("lockgate.contract.model", "Contract"),
    "Rule": ("lockgate.contract.rules", "Rule"),
    "ValidationResult": ("lockgate.results.model", "ValidationResult"),
    "ContractError": ("lockgate.errors", "ContractError"),
    "LockgateError": ("lockgate.errors", "LockgateError"),
}

__all__ = sorted(_LAZY) + ["__version__"]

if TYPE_CHECKING:  # pragma: no cover
    from lockgate.contract.loader import lint_paths, load_contract  # noqa: F401
    from lockgate.validation import validate, validate_frames, validate_spark  # noqa: F401


def __getattr__(name: str) -> Any:
    try:
        module_name, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'lockgate' has no attribute {name!r}") from None
    import importlib

    value = getattr(importlib.import_module(module_name), attr)
    globals()[name] = value
    return value
