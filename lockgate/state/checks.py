"""The stateful custom checks: one small compiler each, registered with the custom-check registry.

    quality:
      - type: custom
        engine: lockgate
        implementation:
          check: changeRate        # advancement | changeRate | constant | anomaly | drift
          minRate: 0.2

Arguments are checked here, at lint time, with the position of the offending key; the rules they
compile to are judged by `lockgate.state.detectors`. docs/detectors.md describes every argument.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeGuard

from lockgate.contract.compile.context import CompileContext
from lockgate.contract.compile.custom import impl_arguments, register_custom_check
from lockgate.contract.compile.values import duration_seconds, is_number
from lockgate.contract.model import Table
from lockgate.contract.rules import (
    Advancement,
    Anomaly,
    ChangeRate,
    ConstantColumn,
    Drift,
    DriftMethod,
    Measure,
    Rule,
    Severity,
    Threshold,
)
from lockgate.contract.source import DocPath
from lockgate.profile.model import COLUMN_METRICS, METRICS, TABLE_METRICS

if TYPE_CHECKING:  # the reference profile (and numpy with it) is read for drift rules only
    from lockgate.state.reference import Summary

ADVANCING_TYPES = ("timestamp", "date", "integer", "number")
MAX_BUCKETS = 65536
DRIFT_METHODS: dict[str, DriftMethod] = {
    "wasserstein": "wasserstein",
    "jensenShannon": "jensen_shannon",
    "psi": "psi",
}


def _rule(
    ctx: CompileContext,
    table: Table,
    column: str | None,
    impl: dict[str, Any],
    path: DocPath,
    severity: Severity,
    check: str,
    measure: Measure,
    threshold: Threshold | None = None,
    suffix: str = "",
) -> Rule:
    entry = impl["_entry"]
    derived = f"{table.name}.{column}.{check}" if column else f"{table.name}.{check}"
    return Rule(
        id=entry.get("id") or derived + suffix,
        table=table.name,
        column=column,
        check=check,
        measure=measure,
        threshold=threshold or Threshold("mustBe", 0, "value"),
        severity=severity,
        description=entry.get("description") or entry.get("name"),
        location=ctx.loc(path),
    )


def _column_rule(
    column: str | None, ctx: CompileContext, check: str, path: DocPath
) -> TypeGuard[str]:
    """Whether the rule is declared under a property (else a lint error says where it goes).
    `column` comes first: it is the argument a TypeGuard narrows."""
    if column is None:
        ctx.error(
            path,
            f"{check} is a column rule; put it under schema[].properties[].quality",
            "misplaced-rule",
        )
        return False
    return True


def _number(
    ctx: CompileContext,
    args: dict[str, Any],
    name: str,
    path: DocPath,
    default: float | None,
    *,
    low: float | None = None,
    high: float | None = None,
    integer: bool = False,
    low_open: bool = False,
) -> Any:
    """args[name] checked against [low, high] (or (low, high] when low_open); the default when
    absent; None after a lint error. An int when `integer`, else a float."""
    if name not in args:
        return default
    value = args[name]
    ok = is_number(value) and (not integer or float(value).is_integer())
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value <= high
    if not ok:
        kind = "an integer" if integer else "a number"
        bounds = f" {'>' if low_open else '>='} {low}" if low is not None else ""
        bounds += f" and <= {high}" if high is not None else ""
        ctx.error(
            path + ("implementation", name),
            f"{name} must be {kind}{bounds}, got {value!r}",
            "invalid-value",
        )
        return None
    return int(value) if integer else float(value)


@register_custom_check("advancement")
def _advancement(
    ctx: CompileContext,
    table: Table,
    column: str | None,
    impl: dict[str, Any],
    path: DocPath,
    severity: Severity,
) -> Rule | None:
    """max(column) must not stay unchanged for longer than maxIdle (or the learned cadence)."""
    args = impl_arguments(ctx, impl, ("maxIdle",), path)
    if args is None or not _column_rule(column, ctx, "advancement", path):
        return None
    declared = table.column(column)
    assert declared is not None  # a column rule is compiled from a property of the table
    logical = declared.logical_type
    if logical is not None and logical not in ADVANCING_TYPES:
        ctx.error(
            path,
            f"advancement needs a column of logicalType {', '.join(ADVANCING_TYPES)}; "
            f"{column} is {logical}",
            "invalid-value",
        )
        return None
    max_idle = None
    if "maxIdle" in args:
        max_idle = _idle_seconds(args["maxIdle"])
        if max_idle is None:
            ctx.error(
                path + ("implementation", "maxIdle"),
                "maxIdle must be a positive duration such as 26h, 90m or 2d, got "
                f"{args['maxIdle']!r}",
                "invalid-value",
            )
            return None
    return _rule(
        ctx,
        table,
        column,
        impl,
        path,
        severity,
        "advancement",
        Advancement(table.physical(column), max_idle),
    )


def _idle_seconds(value: Any) -> float | None:
    """'26h', '90m', '2d', '1.5 days' as seconds; None when it is not a positive duration."""
    match = (
        re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*", value)
        if isinstance(value, str)
        else None
    )
    if match is None:
        return None
    try:
        seconds = duration_seconds(float(match.group(1)), match.group(2))
    except ValueError:
        return None
    return seconds if seconds > 0 else None


@register_custom_check("changeRate")
def _change_rate(
    ctx: CompileContext,
    table: Table,
    column: str | None,
    impl: dict[str, Any],
    path: DocPath,
    severity: Severity,
) -> Rule | None:
    """Of the rows that changed since the previous run, the share in which this column changed."""
    names = ("minRate", "minChanged", "buckets", "key", "maxDrop", "by")
    args = impl_arguments(ctx, impl, names, path)
    if args is None or not _column_rule(column, ctx, "changeRate", path):
        return None
    min_rate = _number(ctx, args, "minRate", path, 0.2, low=0, high=1)
    min_changed = _number(ctx, args, "minChanged", path, 10, low=1, integer=True)
    buckets = _number(ctx, args, "buckets", path, 1024, low=2, high=MAX_BUCKETS, integer=True)
    max_drop = _number(ctx, args, "maxDrop", path, 0.3, low=0, high=1, low_open=True)
    if None in (min_rate, min_changed, buckets, max_drop):
        return None
    if buckets & (buckets - 1):
        ctx.error(
            path + ("implementation", "buckets"),
            "buckets must be a power of two (runs with different bucket counts are "
            f"compared on the smaller one), got {buckets}",
            "invalid-value",
        )
        return None
    key = _key(ctx, table, column, args, path)
    if key is None:
        return None
    by = _segment_column(ctx, table, column, key, args, path)
    if by is False:
        return None
    row_columns = tuple(c.physical_name for c in table.columns)
    measure = ChangeRate(
        table.physical(column), key, row_columns, buckets, min_rate, min_changed, max_drop, by
    )
    return _rule(
        ctx,
        table,
        column,
        impl,
        path,
        severity,
        "changeRate",
        measure,
        Threshold("mustBeGreaterOrEqualTo", min_rate, "value"),
    )


def _key(
    ctx: CompileContext, table: Table, column: str, args: dict[str, Any], path: DocPath
) -> tuple[str, ...] | None:
    names = args.get("key")
    if names is None:
        if not table.key_columns:
            ctx.error(
                path,
                f"changeRate compares rows by key; {table.name!r} has no primaryKey, so "
                "name one: key: [col, ...]",
                "invalid-value",
            )
            return None
        if table.physical(column) in table.key_columns:
            ctx.error(
                path,
                f"changeRate on {column}, a key column, cannot change without changing the key",
                "invalid-value",
            )
            return None
        return table.key_columns
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        ctx.error(
            path + ("implementation", "key"),
            "key must be a list of property names",
            "invalid-value",
        )
        return None
    unknown = [n for n in names if table.column(n) is None]
    if unknown:
        ctx.error(
            path + ("implementation", "key"),
            f"key names unknown column(s) {', '.join(unknown)} of '{table.name}'",
            "unknown-column",
        )
        return None
    if column in names:
        ctx.error(
            path + ("implementation", "key"),
            f"the key cannot contain {column}, the column whose changes are measured",
            "invalid-value",
        )
        return None
    return tuple(table.physical(n) for n in names)


def _segment_column(
    ctx: CompileContext,
    table: Table,
    column: str,
    key: tuple[str, ...],
    args: dict[str, Any],
    path: DocPath,
) -> str | None | Literal[False]:
    """`by`: the physical name of the column that splits the rate into segments; None when
    absent, False after an error."""
    if "by" not in args:
        return None
    name = args["by"]
    where = path + ("implementation", "by")
    if not isinstance(name, str) or table.column(name) is None:
        names = ", ".join(c.name for c in table.columns)
        code = "unknown-column" if isinstance(name, str) else "invalid-value"
        message = f"by must name a column of '{table.name}' (columns: {names}), got {name!r}"
        ctx.error(where, message, code)
        return False
    physical = table.physical(name)
    if name == column or physical in key:
        what = "the measured column" if name == column else "a key column (one segment per row)"
        message = f"by cannot be {name}, {what}; name a column with a few values, such as a region"
        ctx.error(where, message, "invalid-value")
        return False
    return physical


@register_custom_check("constant")
def _constant(
    ctx: CompileContext,
    table: Table,
    column: str | None,
    impl: dict[str, Any],
    path: DocPath,
    severity: Severity,
) -> Rule | None:
    """A column that had several values in history now has <= 1, or one value above maxTopShare."""
    args = impl_arguments(ctx, impl, ("maxTopShare", "window", "minHistory"), path)
    if args is None or not _column_rule(column, ctx, "constant", path):
        return None
    top = (
        _number(ctx, args, "maxTopShare", path, None, low=0, high=1, low_open=True)
        if "maxTopShare" in args
        else None
    )
    window = _number(ctx, args, "window", path, 30, low=1, integer=True)
    min_history = _number(ctx, args, "minHistory", path, 1, low=1, integer=True)
    if None in (window, min_history) or ("maxTopShare" in args and top is None):
        return None
    if min_history > window:
        ctx.error(
            path + ("implementation", "minHistory"),
            f"minHistory ({min_history}) cannot exceed window ({window})",
            "invalid-value",
        )
        return None
    return _rule(
        ctx,
        table,
        column,
        impl,
        path,
        severity,
        "constant",
        ConstantColumn(table.physical(column), top, window, min_history),
    )


# Shares live in [0, 1] and are often 0 in a clean history (no nulls): a relative tolerance of 0
# would then fail on the first null. One percentage point is the floor unless the contract says.
SHARE_METRICS = ("nullRate", "topShare")
SHARE_MIN_ABS_TOLERANCE = 0.01

_ANOMALY_ARGS = {  # YAML name -> (Anomaly field, default)
    "window": ("window", 30),
    "minHistory": ("min_history", 7),
    "threshold": ("threshold", 4.0),
    "minAbsTolerance": ("min_abs_tolerance", 0.0),
    "minRelTolerance": ("min_rel_tolerance", 0.05),
    "direction": ("direction", "both"),
    "seasonality": ("seasonality", "none"),
}


@register_custom_check("anomaly")
def _anomaly(
    ctx: CompileContext,
    table: Table,
    column: str | None,
    impl: dict[str, Any],
    path: DocPath,
    severity: Severity,
) -> Rule | None:
    """A profile metric against its own history: robust z-score, failed points excluded."""
    args = impl_arguments(ctx, impl, ("metric", *_ANOMALY_ARGS), path)
    if args is None:
        return None
    metric = args.get("metric")
    if metric not in METRICS:
        ctx.error(
            path + ("implementation", "metric" if "metric" in args else "check"),
            f"anomaly needs metric: one of {', '.join(METRICS)}; got {metric!r}",
            "invalid-value",
        )
        return None
    if column is None and metric in COLUMN_METRICS:
        ctx.error(
            path,
            f"metric {metric} is about a column; put the rule under schema[].properties[].quality",
            "misplaced-rule",
        )
        return None
    if column is not None and metric in TABLE_METRICS:
        ctx.error(
            path,
            f"metric {metric} is about the table; put the rule under schema[].quality",
            "misplaced-rule",
        )
        return None
    params = {field: args.get(name, default) for name, (field, default) in _ANOMALY_ARGS.items()}
    from lockgate.state.anomaly import SEASONALITIES

    if params["seasonality"] not in SEASONALITIES:
        message = (
            f"seasonality must be one of {', '.join(SEASONALITIES)}, got {params['seasonality']!r}"
        )
        ctx.error(path + ("implementation", "seasonality"), message, "invalid-value")
        return None
    if "minAbsTolerance" not in args:
        params["min_abs_tolerance"] = SHARE_MIN_ABS_TOLERANCE if metric in SHARE_METRICS else 0.0
    problem = _anomaly_problem(params)
    if problem:
        ctx.error(path + ("implementation",), f"anomaly: {problem}", "invalid-value")
        return None
    measure = Anomaly(metric, table.physical(column) if column else None, **params)
    return _rule(ctx, table, column, impl, path, severity, "anomaly", measure, suffix=f".{metric}")


def _anomaly_problem(params: dict[str, Any]) -> str | None:
    """judge_anomaly validates its parameters: ask it, so both places agree on what is valid."""
    from lockgate.state.anomaly import judge_anomaly

    try:
        judge_anomaly(0.0, [], **params)
    except (TypeError, ValueError) as exc:
        return str(exc)
    return None


@register_custom_check("drift")
def _drift(
    ctx: CompileContext,
    table: Table,
    column: str | None,
    impl: dict[str, Any],
    path: DocPath,
    severity: Severity,
) -> Rule | None:
    """The column's distribution against a reference profile file written by `lockgate profile`."""
    args = impl_arguments(ctx, impl, ("reference", "method", "warnAt", "failAt"), path)
    if args is None or not _column_rule(column, ctx, "drift", path):
        return None
    reference_file = args.get("reference")
    if not isinstance(reference_file, str) or not reference_file:
        ctx.error(
            path + ("implementation",),
            "drift needs reference: the path of a profile file (relative to the contract), "
            "written by `lockgate profile`",
            "invalid-value",
        )
        return None
    reference = _reference_summary(ctx, table, column, reference_file, path)
    if reference is None:
        return None
    from lockgate.profile.drift import CategoricalSummary

    categorical = isinstance(reference, CategoricalSummary)
    method_name = args.get("method", "jensenShannon" if categorical else "wasserstein")
    allowed = ("jensenShannon", "psi") if categorical else tuple(DRIFT_METHODS)
    if method_name not in allowed:
        kind = "categorical" if categorical else "numeric"
        ctx.error(
            path + ("implementation", "method"),
            f"method for a {kind} column must be one of {', '.join(allowed)}, got {method_name!r}",
            "invalid-value",
        )
        return None
    method = DRIFT_METHODS[method_name]  # looked up once known: a YAML list is not hashable
    warn_at = _number(ctx, args, "warnAt", path, None, low=0) if "warnAt" in args else None
    fail_at = _number(ctx, args, "failAt", path, None, low=0) if "failAt" in args else None
    if ("warnAt" in args and warn_at is None) or ("failAt" in args and fail_at is None):
        return None
    if warn_at is not None and fail_at is not None and warn_at > fail_at:
        ctx.error(
            path + ("implementation", "warnAt"),
            f"warnAt ({warn_at}) must not exceed failAt ({fail_at})",
            "contradiction",
        )
        return None
    measure = Drift(table.physical(column), reference_file, method, warn_at, fail_at, reference)
    return _rule(ctx, table, column, impl, path, severity, "drift", measure)


def _reference_summary(
    ctx: CompileContext, table: Table, column: str, reference_file: str, path: DocPath
) -> Summary | None:
    from lockgate.state.reference import InvalidReferenceFile, load_reference

    location = path + ("implementation", "reference")
    file = Path(ctx.doc.file).parent / reference_file
    try:
        profile = load_reference(file)
    except FileNotFoundError:
        ctx.error(
            location,
            f"reference profile {reference_file} not found (looked for {file}); write it "
            f"with `lockgate profile CONTRACT --server NAME --output {reference_file}`",
            "missing-reference",
        )
        return None
    except InvalidReferenceFile as exc:
        ctx.error(
            location, f"reference profile {reference_file} is invalid: {exc}", "invalid-reference"
        )
        return None
    summary = profile.summary(table.name, column)
    if summary is None:
        ctx.error(
            location,
            f"reference profile {reference_file} has no column {table.name}.{column}; "
            "regenerate it with `lockgate profile`",
            "missing-reference",
        )
    return summary
