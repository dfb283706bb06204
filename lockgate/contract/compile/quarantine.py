"""`implementation: {check: quarantine, ...}` at table level: the table's quarantine policy.

The custom check itself yields no rule: it checks its arguments and records a draft policy in
the compile context; `resolve_policies` then checks the rule ids it names (or picks the default
rules) once every rule of the contract is compiled.
"""

from __future__ import annotations

import difflib
from typing import Any

from lockgate.contract.compile.context import CompileContext
from lockgate.contract.compile.custom import impl_arguments, register_custom_check
from lockgate.contract.compile.values import is_number
from lockgate.contract.model import Table
from lockgate.contract.quarantine_policy import QuarantinePolicy, can_quarantine, default_rules
from lockgate.contract.rules import Rule
from lockgate.contract.source import DocPath

ARGUMENTS = ("maxRate", "maxRows", "rules", "orderBy")


@register_custom_check("quarantine")
def _quarantine(
    ctx: CompileContext,
    table: Table,
    column: str | None,
    impl: dict[str, Any],
    path: DocPath,
    severity: str,
) -> None:
    args = impl_arguments(ctx, impl, ARGUMENTS, path)
    if args is None:
        return
    at = path + ("implementation",)
    if column is not None:
        ctx.error(
            path, "quarantine is a table policy; put it under schema[].quality", "misplaced-rule"
        )
        return
    if any(p.table == table.name for p, _ in ctx.quarantine):
        ctx.error(path, f"table {table.name!r} already has a quarantine policy", "duplicate-policy")
        return
    max_rate, max_rows = args.get("maxRate"), args.get("maxRows")
    ok = True
    if max_rate is None and max_rows is None:
        ctx.error(
            at,
            "a quarantine policy needs a budget: maxRate (share of rows, 0..1) and/or maxRows",
            "invalid-value",
        )
        ok = False
    if max_rate is not None and not (is_number(max_rate) and 0 <= max_rate <= 1):
        ctx.error(
            at + ("maxRate",),
            f"maxRate must be a share of rows between 0 and 1 (0.01 is 1%), got {max_rate!r}",
            "invalid-value",
        )
        ok = False
    if max_rows is not None and not (
        isinstance(max_rows, int) and not isinstance(max_rows, bool) and max_rows >= 0
    ):
        ctx.error(
            at + ("maxRows",),
            f"maxRows must be a whole number of rows >= 0, got {max_rows!r}",
            "invalid-value",
        )
        ok = False
    rules = args.get("rules")
    if rules is not None and not (
        isinstance(rules, list) and rules and all(isinstance(r, str) for r in rules)
    ):
        ctx.error(at + ("rules",), "rules must be a non-empty list of rule ids", "invalid-value")
        ok = False
    order_by = args.get("orderBy", [])
    if isinstance(order_by, str):
        order_by = [order_by]
    if not (isinstance(order_by, list) and all(isinstance(c, str) for c in order_by)):
        ctx.error(
            at + ("orderBy",), "orderBy must be a column name or a list of them", "invalid-value"
        )
        ok = False
    else:
        for i, name in enumerate(order_by):
            if table.column(name) is None:
                ctx.error(
                    at + ("orderBy", i),
                    f"orderBy names {name!r}, which is not a column of {table.name!r}",
                    "unknown-column",
                )
                ok = False
    if not ok:
        return
    draft = QuarantinePolicy(
        table=table.name,
        rule_ids=tuple(rules or ()),
        max_rate=float(max_rate) if max_rate is not None else None,
        max_rows=max_rows,
        order_by=tuple(table.physical(c) for c in order_by),
        location=ctx.loc(path),
    )
    ctx.quarantine.append((draft, path))
    return


def resolve_policies(ctx: CompileContext, rules: list[Rule]) -> tuple[QuarantinePolicy, ...]:
    """The drafts with their rules checked: named rules must exist, belong to the table and be
    single-row rules; without names, the table's default rules."""
    from dataclasses import replace

    by_id = {r.id: r for r in rules}
    out = []
    for draft, path in ctx.quarantine:
        if not draft.rule_ids:
            out.append(replace(draft, rule_ids=default_rules(rules, draft.table)))
            continue
        ok = True
        for i, rule_id in enumerate(draft.rule_ids):
            at = path + ("implementation", "rules", i)
            rule = by_id.get(rule_id)
            if rule is None or rule.table != draft.table:
                known = [r.id for r in rules if r.table == draft.table and can_quarantine(r)]
                close = difflib.get_close_matches(rule_id, known, n=1)
                hint = (
                    f"did you mean '{close[0]}'?"
                    if close
                    else f"known: {', '.join(known) or 'none'}"
                )
                ctx.error(
                    at,
                    f"no single-row rule {rule_id!r} on table {draft.table!r}; {hint}",
                    "unknown-rule",
                )
                ok = False
            elif not can_quarantine(rule):
                ctx.error(
                    at,
                    f"rule {rule_id!r} ({rule.check}) is not about single rows, "
                    "so it cannot quarantine rows",
                    "invalid-value",
                )
                ok = False
        if ok:
            out.append(draft)
    return tuple(out)
