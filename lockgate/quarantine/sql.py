"""The quarantine on a SQL server, pushed down: one boolean column per quarantining rule, computed
from the same ibis predicates as the checks (`lockgate.engines.sql.expressions`).

`annotated` is the table plus those flag columns; `valid` and `quarantined` are relations over it,
which `lockgate export --to sql --valid` prints as views and `SqlEngine` runs for the verdict.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import reduce

import ibis
from ibis.expr.types import BooleanValue
from ibis.expr.types import Table as IbisTable

from lockgate.contract import rules as ir
from lockgate.contract.model import Table
from lockgate.contract.quarantine_policy import QuarantinePolicy, duplicate_order
from lockgate.engines.sql.expressions import all_present, failing

FLAG = "__lg_q{}"  # the flag column of the policy's i-th rule
RULES_COLUMN = "lockgate_rules"  # the quarantine view's reason column: rule ids, ", "-separated


def annotated(
    source: Callable[[str], IbisTable | None],
    table: Table,
    t: IbisTable,
    rules: list[ir.Rule],
    policy: QuarantinePolicy,
) -> tuple[IbisTable, dict[str, str]]:
    """`t` with one flag column per rule (true: the row is quarantined by it); rule id -> column.
    `source` gives the ibis table of a physical name (the tables relationships point to)."""
    declared = tuple(c.physical_name for c in table.columns if c.physical_name in t.columns)
    original = list(t.columns)
    flags: dict[str, BooleanValue] = {}
    names: dict[str, str] = {}
    for i, rule in enumerate(rules):
        m = rule.measure
        if isinstance(m, ir.Orphans):
            t, hit = _with_reference_hit(source, t, m, i)
            flags[rule.id] = all_present(t, m.columns) & t[hit].isnull()
        elif isinstance(m, ir.DuplicateRows):
            t = _with_duplicate_flag(
                t, m.columns, duplicate_order(policy, rule, declared), FLAG.format(i)
            )
            names[rule.id] = FLAG.format(i)
            continue
        elif isinstance(m, ir.FailingRows):
            flags[rule.id] = failing(m.predicate, t)
        else:  # the policy names single-row rules only (quarantine_policy.can_quarantine)
            raise TypeError(f"{rule.id} cannot quarantine rows")
        names[rule.id] = FLAG.format(i)
        t = t.mutate(**{names[rule.id]: flags[rule.id].fill_null(False)})
    keep = original + list(names.values())
    return t.select(*keep), names


def _with_duplicate_flag(
    t: IbisTable, key: tuple[str, ...], order: tuple[str, ...], flag: str
) -> IbisTable:
    """`t` plus `flag`: true for every row of a repeated key but the first in `order`.

    Ranking every row would sort the whole table; only rows whose key repeats (found with one
    hash aggregate) are ranked, and the rest are passed through with the flag false."""
    present = t.filter(all_present(t, key))
    keys = [f"__lg_k{j}" for j in range(len(key))]
    repeated = present.group_by([present[c].name(k) for c, k in zip(key, keys)]).aggregate(
        __lg_n=present.count()
    )
    repeated = repeated.filter(repeated.__lg_n > 1).select(*keys)
    match = [t[c] == repeated[k] for c, k in zip(key, keys)]
    once = t.anti_join(repeated, match).mutate(**{flag: ibis.literal(False)})
    dups = t.semi_join(repeated, match)
    rank = ibis.row_number().over(
        group_by=[dups[c] for c in key],
        order_by=[ibis.asc(dups[c], nulls_first=False) for c in order],
    )
    dups = dups.mutate(**{flag: rank > 0})
    return ibis.union(once, dups, distinct=False)


def _with_reference_hit(source, t: IbisTable, m: ir.Orphans, i: int):
    """`t` left-joined with the referenced keys, plus a column that is null for orphan rows."""
    ref = source(m.ref_table)
    if ref is None:
        raise LookupError(f"referenced table {m.ref_table} does not exist")
    keys = {f"__lg_r{i}_{j}": ref[c] for j, c in enumerate(m.ref_columns)}
    hit = f"__lg_hit{i}"
    ref_keys = ref.select(**keys).distinct().mutate(**{hit: ibis.literal(True)})
    joined = t.left_join(ref_keys, [t[c] == ref_keys[k] for c, k in zip(m.columns, keys)])
    return joined.select(*t.columns, hit), hit


def any_flag(t: IbisTable, names: dict[str, str]) -> BooleanValue:
    return reduce(lambda a, b: a | b, (t[n] for n in names.values()))


def valid(t: IbisTable, names: dict[str, str], columns: list[str]) -> IbisTable:
    """The clean rows: no quarantining rule flags them."""
    return t.filter(~any_flag(t, names)).select(*columns)


def quarantined(t: IbisTable, names: dict[str, str], columns: list[str]) -> IbisTable:
    """The quarantined rows with the ids of every rule they broke in `lockgate_rules`."""
    parts = [
        ibis.ifelse(t[n], ibis.literal(", " + rule_id), ibis.literal(""))
        for rule_id, n in names.items()
    ]
    reasons = reduce(lambda a, b: a.concat(b), parts).substr(2)
    return t.filter(any_flag(t, names)).select(*columns, **{RULES_COLUMN: reasons})


def counts(t: IbisTable, names: dict[str, str]):
    """One aggregate: distinct quarantined rows, and rows per rule."""
    metrics = {"__rows": t.count(), "__quarantined": t.count(where=any_flag(t, names))}
    metrics.update({n: t.count(where=t[n]) for n in names.values()})
    return t.aggregate(**metrics)
