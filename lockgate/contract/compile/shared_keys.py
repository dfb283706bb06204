"""Rules of one table that must agree with each other, checked when the contract is compiled.

All changeRate rules of a table share one key, and those split by segment one `by` column: the
engines bucket the table once per run, in one grouped query (lockgate.profile.model), so two keys
or two segmentations cannot be measured together. Checked here, at the line of the rule that
disagrees, so that `lockgate lint` reports it rather than the first run failing.
"""

from __future__ import annotations

from lockgate.contract.compile.context import CompileContext
from lockgate.contract.findings import Finding
from lockgate.contract.rules import ChangeRate, Rule


def check_change_rate_keys(ctx: CompileContext, rules: list[Rule]) -> None:
    first_key: dict[str, tuple[Rule, ChangeRate]] = {}
    first_by: dict[str, tuple[Rule, ChangeRate]] = {}
    for rule in rules:
        m = rule.measure
        if not isinstance(m, ChangeRate):
            continue
        first, other = first_key.setdefault(rule.table, (rule, m))
        if m.key != other.key:
            _conflict(ctx, rule, first, "share one key", ", ".join(m.key), ", ".join(other.key))
            continue
        if m.by is None:
            continue
        first, other = first_by.setdefault(rule.table, (rule, m))
        if m.by != other.by:
            _conflict(ctx, rule, first, "split by one `by` column", m.by, str(other.by))


def _conflict(
    ctx: CompileContext, rule: Rule, first: Rule, must: str, this: str, that: str
) -> None:
    where = f"line {first.location.line}" if first.location else "another rule"
    message = (
        f"the changeRate rules of table {rule.table!r} must {must} (the table is bucketed once "
        f"per run): this one uses ({this}), {first.id!r} at {where} uses ({that})"
    )
    ctx.findings.append(Finding(rule.location or ctx.loc(()), message, "error", "conflicting-key"))
