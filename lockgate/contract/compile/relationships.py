"""Foreign keys (`relationships`, ODCS v3.1) as referential-integrity rules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lockgate.contract.compile.context import CompileContext
from lockgate.contract.model import Table
from lockgate.contract.rules import Orphans, Rule, Threshold
from lockgate.contract.source import DocPath


def relationship_rules(
    ctx: CompileContext,
    tables: tuple[Table, ...],
    table: Table,
    column: str | None,
    entries: Any,
    path: DocPath,
) -> Iterator[Rule]:
    if not isinstance(entries, list):
        return
    for i, entry in enumerate(entries):
        at = path + (i,)
        if not isinstance(entry, dict) or "to" not in entry:
            continue  # reported by the schema check
        sources = [f"{table.name}.{column}"] if column else _as_list(entry.get("from"))
        targets = _as_list(entry.get("to"))
        if len(sources) != len(targets):
            ctx.error(
                at,
                f"relationship: 'from' has {len(sources)} column(s) but 'to' has {len(targets)}",
                "invalid-value",
            )
            continue
        from_cols = []
        for ref in sources:
            t_name, _, c_name = str(ref).rpartition(".")
            if t_name not in (table.name, table.physical_name) or table.column(c_name) is None:
                ctx.error(
                    at + ("from",),
                    f"relationship source {ref!r} is not a column of '{table.name}'",
                    "unknown-column",
                )
                break
            from_cols.append(table.physical(c_name))
        else:
            resolved = _resolve_targets(ctx, tables, targets, at + ("to",))
            if resolved is None:
                continue
            ref_table, ref_cols = resolved
            names = [column] if column else [str(ref).rpartition(".")[2] for ref in sources]
            yield Rule(
                id=entry.get("id") or f"{table.name}.{'+'.join(names)}.relationship",
                table=table.name,
                column=names[0] if len(names) == 1 else None,
                check="relationship",
                measure=Orphans(tuple(from_cols), ref_table, tuple(ref_cols)),
                threshold=Threshold("mustBe", 0, "rows"),
                description=f"references {', '.join(map(str, targets))}",
                location=ctx.loc(at),
            )


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _resolve_targets(
    ctx: CompileContext, tables: tuple[Table, ...], targets: list[Any], path: DocPath
) -> tuple[str, list[str]] | None:
    ref_table = None
    cols = []
    for ref in targets:
        ref = str(ref)
        if "#" in ref or "/" in ref:
            ctx.error(
                path,
                f"lockgate resolves relationships written as 'table.column'; cannot follow {ref!r}",
                "unsupported-field",
            )
            return None
        t_name, _, c_name = ref.rpartition(".")
        known = next((t for t in tables if t.name == t_name), None)
        physical_table = known.physical_name if known else t_name
        if known is not None and known.column(c_name) is None:
            ctx.error(
                path,
                f"relationship target {ref!r}: '{known.name}' has no column {c_name!r}",
                "unknown-column",
            )
            return None
        if ref_table not in (None, physical_table):
            ctx.error(
                path, "a composite relationship must target columns of one table", "invalid-value"
            )
            return None
        ref_table = physical_table
        cols.append(known.physical(c_name) if known else c_name)
    if ref_table is None:
        return None  # `to` names no column: the ODCS schema check reports it
    return ref_table, cols
