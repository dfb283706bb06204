"""Rules implied by the standard fields of a property: type, required, unique, bounds, patterns."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from lockgate.contract.compile.context import CompileContext
from lockgate.contract.compile.values import is_number, parse_temporal, pattern_problem
from lockgate.contract.model import Column, Table
from lockgate.contract.rules import (
    ColumnType,
    DuplicateRows,
    FailingRows,
    IsNull,
    LengthOutOfRange,
    Measure,
    NotMatching,
    NotMultipleOf,
    OutOfRange,
    Rule,
    Threshold,
)
from lockgate.contract.source import DocPath

NO_FAILING_ROWS = Threshold("mustBe", 0, "rows")
NO_MISMATCH = Threshold("mustBe", 0, "value")

# Well-known string formats lockgate enforces as patterns. Formats not listed here are an error:
# a contract field lockgate cannot enforce must never be dropped silently.
STRING_FORMATS = {
    "email": r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
    "uuid": r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
    "ipv4": (
        r"^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}"
        r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$"
    ),
    "hostname": (
        r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
        r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
    ),
    "uri": r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$",
    "byte": r"^[A-Za-z0-9+/]*={0,2}$",
}

INTEGER_FORMATS = {
    "i8": (-(2**7), 2**7 - 1), "i16": (-(2**15), 2**15 - 1), "i32": (-(2**31), 2**31 - 1),
    "i64": (-(2**63), 2**63 - 1), "u8": (0, 2**8 - 1), "u16": (0, 2**16 - 1),
    "u32": (0, 2**32 - 1), "u64": (0, 2**64 - 1),
}  # fmt: skip

BOUND_KEYS = ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum")
# Logical types whose `format` describes storage; the logicalType check already enforces real
# values.
DESCRIPTIVE_OPTIONS = {"date", "timestamp", "time"}
UNSUPPORTED_OPTIONS = {
    "maxProperties",
    "minProperties",
    "required",
    "maxItems",
    "minItems",
    "uniqueItems",
}


def property_rules(
    ctx: CompileContext, table: Table, col: Column, raw: dict[str, Any]
) -> Iterator[Rule]:
    base = f"{table.name}.{col.name}"
    path = col.path

    def rule(
        check: str,
        measure: Measure,
        threshold: Threshold = NO_FAILING_ROWS,
        *,
        at: DocPath,
        description: str | None = None,
    ) -> Rule:
        return Rule(
            id=f"{base}.{check}",
            table=table.name,
            column=col.name,
            check=check,
            measure=measure,
            threshold=threshold,
            description=description,
            location=ctx.loc(at, key=True),
        )

    if col.logical_type:
        tz = col.options.get("timezone") if col.logical_type == "timestamp" else None
        yield rule(
            "logicalType",
            ColumnType(col.physical_name, col.logical_type, tz if isinstance(tz, bool) else None),
            NO_MISMATCH,
            at=path + ("logicalType",),
        )
    if col.required or col.primary_key:
        why = "required" if col.required else "primary key column"
        yield rule(
            "required",
            FailingRows(IsNull(col.physical_name)),
            at=path + ("required" if col.required else "primaryKey",),
            description=why,
        )
    sole_key = col.primary_key and len(table.key_columns) == 1
    if col.unique and not sole_key:
        yield rule("unique", DuplicateRows((col.physical_name,)), at=path + ("unique",))
    if sole_key:
        yield rule("primaryKey", DuplicateRows((col.physical_name,)), at=path + ("primaryKey",))

    if raw.get("properties") or raw.get("items"):
        ctx.error(
            path + ("properties" if raw.get("properties") else "items",),
            f"nested properties of '{col.name}' are not checked by lockgate; flatten "
            "them into columns",
            "unsupported-field",
            key=True,
        )

    options = raw.get("logicalTypeOptions")
    if isinstance(options, dict) and options and not col.logical_type:
        ctx.error(
            path + ("logicalTypeOptions",),
            f"logicalTypeOptions of '{col.name}' need a logicalType (which options apply "
            "depends on it)",
            "missing-field",
            key=True,
        )
    elif isinstance(options, dict):
        yield from _option_rules(ctx, col, options, path + ("logicalTypeOptions",), rule)


def _option_rules(
    ctx: CompileContext,
    col: Column,
    options: dict[str, Any],
    path: DocPath,
    rule: Callable[..., Rule],
) -> Iterator[Rule]:
    lt = col.logical_type or "string"
    phys = col.physical_name
    bounds: dict[str, Any] = {}
    for key in BOUND_KEYS:
        if key not in options:
            continue
        value = options[key]
        if lt in ("date", "timestamp", "time"):
            try:
                value = (
                    parse_temporal(value, "date" if lt == "date" else "timestamp")
                    if lt != "time"
                    else str(value)
                )
            except ValueError:
                ctx.error(
                    path + (key,),
                    f"{key} of {lt} column '{col.name}' must be an ISO {lt}, got {options[key]!r}",
                    "invalid-value",
                )
                continue
        elif not is_number(value):
            ctx.error(
                path + (key,),
                f"{key} of '{col.name}' must be a number, got {value!r}",
                "invalid-value",
            )
            continue
        bounds[key] = value
    _check_bound_contradictions(ctx, col, bounds, path)
    for key, value in bounds.items():
        measure = OutOfRange(
            phys,
            minimum=value if key in ("minimum", "exclusiveMinimum") else None,
            maximum=value if key in ("maximum", "exclusiveMaximum") else None,
            exclusive_minimum=key == "exclusiveMinimum",
            exclusive_maximum=key == "exclusiveMaximum",
        )
        yield rule(key, FailingRows(measure), at=path + (key,))

    if "pattern" in options:
        problem = pattern_problem(options["pattern"])
        if problem:
            ctx.error(path + ("pattern",), problem, "invalid-pattern")
        else:
            yield rule(
                "pattern",
                FailingRows(NotMatching(phys, options["pattern"])),
                at=path + ("pattern",),
            )

    lengths = {k: options[k] for k in ("minLength", "maxLength") if k in options}
    if (
        "minLength" in lengths
        and "maxLength" in lengths
        and lengths["minLength"] > lengths["maxLength"]
    ):
        ctx.error(
            path + ("maxLength",),
            f"contradictory lengths for '{col.name}': minLength {lengths['minLength']} > "
            f"maxLength {lengths['maxLength']}; no value can pass",
            "contradiction",
        )
    for key, value in lengths.items():
        length = LengthOutOfRange(
            phys,
            minimum=value if key == "minLength" else None,
            maximum=value if key == "maxLength" else None,
        )
        yield rule(key, FailingRows(length), at=path + (key,))

    if "multipleOf" in options:
        factor = options["multipleOf"]
        if not is_number(factor) or factor <= 0:
            ctx.error(
                path + ("multipleOf",),
                f"multipleOf must be a positive number, got {factor!r}",
                "invalid-value",
            )
        else:
            yield rule(
                "multipleOf", FailingRows(NotMultipleOf(phys, factor)), at=path + ("multipleOf",)
            )

    if "format" in options:
        yield from _format_rules(ctx, col, lt, options["format"], path + ("format",), rule)

    for key in sorted(UNSUPPORTED_OPTIONS & options.keys()):
        ctx.error(
            path + (key,),
            f"lockgate cannot enforce logicalTypeOptions.{key} on '{col.name}'",
            "unsupported-field",
            key=True,
        )


def _format_rules(
    ctx: CompileContext, col: Column, lt: str, fmt: Any, at: DocPath, rule: Callable[..., Rule]
) -> Iterator[Rule]:
    if lt in DESCRIPTIVE_OPTIONS:
        return  # the date/time format describes storage; the logicalType check enforces real dates
    if lt == "string":
        pattern = STRING_FORMATS.get(str(fmt))
        if pattern is None:
            ctx.error(
                at,
                f"lockgate cannot enforce string format {fmt!r}; supported: "
                f"{', '.join(STRING_FORMATS)} (or use pattern)",
                "unsupported-field",
            )
            return
        yield rule(
            "format",
            FailingRows(NotMatching(col.physical_name, pattern)),
            at=at,
            description=f"format {fmt}",
        )
    elif lt == "integer":
        limits = INTEGER_FORMATS.get(str(fmt))
        if limits is None:
            ctx.error(
                at,
                f"unknown integer format {fmt!r}; expected one of {', '.join(INTEGER_FORMATS)}",
                "invalid-value",
            )
            return
        yield rule(
            "format",
            FailingRows(OutOfRange(col.physical_name, *limits)),
            at=at,
            description=f"format {fmt}",
        )
    elif lt == "number":
        if fmt not in ("f32", "f64"):
            ctx.error(at, f"unknown number format {fmt!r}; expected f32 or f64", "invalid-value")
        # f32/f64 describe storage precision; the logicalType check covers them.
    else:
        ctx.error(at, f"lockgate cannot enforce format on a {lt} column", "unsupported-field")


def _check_bound_contradictions(
    ctx: CompileContext, col: Column, bounds: dict[str, Any], path: DocPath
) -> None:
    lows = [(k, bounds[k]) for k in ("minimum", "exclusiveMinimum") if k in bounds]
    highs = [(k, bounds[k]) for k in ("maximum", "exclusiveMaximum") if k in bounds]
    for lk, low in lows:
        for hk, high in highs:
            try:
                empty = low > high or (
                    low == high and (lk.startswith("exclusive") or hk.startswith("exclusive"))
                )
            except TypeError:
                ctx.error(
                    path + (hk,),
                    f"bounds of '{col.name}' are not comparable: {lk} {low!r}, {hk} {high!r}",
                    "invalid-value",
                )
                continue
            if empty:
                ctx.error(
                    path + (hk,),
                    f"contradictory bounds for '{col.name}': {lk} {low} and {hk} {high} "
                    "leave no valid value",
                    "contradiction",
                )


def composite_key_rule(ctx: CompileContext, table: Table) -> Rule:
    """A primary key over several columns (primaryKeyPosition orders them): no repeated key."""
    first = next(c for c in table.columns if c.primary_key)
    return Rule(
        id=f"{table.name}.primaryKey",
        table=table.name,
        column=None,
        check="primaryKey",
        measure=DuplicateRows(table.key_columns),
        threshold=NO_FAILING_ROWS,
        description=f"primary key ({', '.join(table.key_columns)})",
        location=ctx.loc(first.path + ("primaryKey",), key=True),
    )
