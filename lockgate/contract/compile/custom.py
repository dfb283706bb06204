"""`quality[].type: custom` with `engine: lockgate`: the checks ODCS cannot express.

Each custom check is one small compiler in `CUSTOM_CHECKS`, so adding a check (the stateful
detectors add theirs) does not touch the others. `implementation` is a mapping (or YAML text of
one) whose `check` key names the check.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

import yaml

from lockgate.contract.compile.context import CompileContext
from lockgate.contract.model import Table
from lockgate.contract.rules import ExtraColumns, Rule, Severity, Threshold
from lockgate.contract.source import DocPath, safe_yaml

CustomCompiler = Callable[
    [CompileContext, Table, "str | None", dict[str, Any], DocPath, Severity], "Rule | None"
]
CUSTOM_CHECKS: dict[str, CustomCompiler] = {}


def register_custom_check(name: str) -> Callable[[CustomCompiler], CustomCompiler]:
    def decorate(fn: CustomCompiler) -> CustomCompiler:
        CUSTOM_CHECKS[name] = fn
        return fn

    return decorate


def custom_rule(
    ctx: CompileContext,
    table: Table,
    column: str | None,
    entry: dict[str, Any],
    path: DocPath,
    severity: Severity,
) -> Rule | None:
    engine = entry.get("engine")
    if engine != "lockgate":
        ctx.error(
            path + ("engine",),
            f"lockgate cannot enforce custom rules for engine {engine!r}; use engine: "
            "lockgate or an ODCS library metric",
            "unsupported-engine",
        )
        return None
    impl = entry.get("implementation")
    if isinstance(impl, str):
        try:
            impl = safe_yaml(impl)  # embedded YAML is as untrusted as the contract
        except yaml.YAMLError as exc:
            ctx.error(
                path + ("implementation",),
                f"implementation is not valid YAML: {exc}",
                "invalid-value",
            )
            return None
    if not isinstance(impl, dict) or "check" not in impl:
        ctx.error(
            path + ("implementation",),
            "implementation must be a mapping with a 'check' key "
            f"({', '.join(sorted(CUSTOM_CHECKS))})",
            "invalid-value",
        )
        return None
    _load_plugins()
    compiler = CUSTOM_CHECKS.get(impl["check"])
    if compiler is None:
        close = difflib.get_close_matches(str(impl["check"]), sorted(CUSTOM_CHECKS), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        ctx.error(
            path + ("implementation", "check"),
            f"unknown lockgate check {impl['check']!r}; {hint}known: "
            f"{', '.join(sorted(CUSTOM_CHECKS))}",
            "unknown-check",
        )
        return None
    rule = compiler(ctx, table, column, {**impl, "_entry": entry}, path, severity)
    return rule


def _load_plugins() -> None:
    """Import the modules that register custom checks (stateful detectors live in
    lockgate.state)."""
    import importlib

    for module in (
        "lockgate.state.checks",
        "lockgate.reconcile.compile",
        "lockgate.contract.compile.quarantine",
    ):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


def impl_arguments(
    ctx: CompileContext, impl: dict[str, Any], allowed: tuple[str, ...], path: DocPath
) -> dict[str, Any] | None:
    """The implementation's keys minus `check`; unknown keys are an error with a suggestion."""
    args = {k: v for k, v in impl.items() if k not in ("check", "_entry")}
    if ctx.unknown_key(
        args, allowed, path + ("implementation",), f"argument '{{key}}' for {impl['check']}"
    ):
        return None
    return args


@register_custom_check("extraColumns")
def _extra_columns(
    ctx: CompileContext,
    table: Table,
    column: str | None,
    impl: dict[str, Any],
    path: DocPath,
    severity: str,
) -> Rule | None:
    """Columns in the data that the contract does not declare: forbid (error), warn, or allow."""
    args = impl_arguments(ctx, impl, ("policy",), path)
    if args is None:
        return None
    policy = args.get("policy", "forbid")
    if policy not in ("forbid", "warn", "allow"):
        ctx.error(
            path + ("implementation", "policy"),
            f"extraColumns policy must be forbid, warn or allow, got {policy!r}",
            "invalid-value",
        )
        return None
    if column is not None:
        ctx.error(
            path, "extraColumns is a table rule; put it under schema[].quality", "misplaced-rule"
        )
        return None
    if policy == "allow":
        return None
    entry = impl["_entry"]
    return Rule(
        id=entry.get("id") or f"{table.name}.extraColumns",
        table=table.name,
        column=None,
        check="extraColumns",
        measure=ExtraColumns(tuple(c.physical_name for c in table.columns)),
        threshold=Threshold("mustBe", 0, "value"),
        severity="error" if policy == "forbid" else "warning",
        description=entry.get("description") or f"extra columns: {policy}",
        location=ctx.loc(path),
    )
