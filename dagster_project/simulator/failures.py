"""Upstream ETL failures that can be injected into a load: one small function per kind.

A failure bends one load of one table. Tables a load leaves wrong are remembered as "dirty";
the next load that injects nothing into a dirty table repairs it, as an upstream fix followed
by a re-sync would: schema restored, duplicates removed, missing rows landed, wrong values
re-sent. Re-sent rows carry that load's `_loaded_at`; `updated_at` keeps the source's value.

Kinds, what they do to the load, and what the next clean load does:
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .batch import TableBatch
from .schema import (
    BOOL,
    DATE,
    DOUBLE,
    INT,
    LOADED_AT,
    STRING,
    TABLES,
    TIMESTAMP,
    TableSpec,
    table_spec,
)
from .writers.base import Writer, check_identifier


@dataclass(frozen=True)
class Failure:
    """One injected failure, e.g. Failure("frozen", table="professionals", column="rating") or
    Failure("partial_load", "quotes", params={"fraction": 0.05})."""

    kind: str
    table: str
    column: str | None = None
    params: tuple[tuple[str, str], ...] = ()  # (("fraction", "0.1"),): hashable; a dict is accepted

    def __post_init__(self) -> None:
        pairs = self.params.items() if isinstance(self.params, dict) else self.params
        object.__setattr__(self, "params", tuple((str(k), str(v)) for k, v in pairs))

    def param(self, name: str, default):
        for k, v in self.params:
            if k == name:
                return type(default)(v) if default is not None else v
        return default

    def __str__(self) -> str:
        target = self.table + (f".{self.column}" if self.column else "")
        extra = "".join(f",{k}={v}" for k, v in self.params)
        return f"{self.kind}:{target}{extra}"

    @classmethod
    def parse(cls, spec: str) -> Failure:
        """`KIND:table[.column][,name=value...]`, validated."""
        kind, sep, rest = spec.partition(":")
        if not sep or not rest:
            raise ValueError(f"bad failure {spec!r}: expected KIND:table[.column][,name=value]")
        target, *pairs = rest.split(",")
        table, _, column = target.partition(".")
        params = []
        for pair in pairs:
            name, eq, value = pair.partition("=")
            if not eq:
                raise ValueError(f"bad parameter {pair!r} in {spec!r}: expected name=value")
            params.append((name.strip(), value.strip()))
        return validate(cls(kind.strip(), table.strip(), column.strip() or None, tuple(params)))


@dataclass
class FailureContext:
    writer: Writer
    rng: np.random.Generator
    stat_date: pd.Timestamp  # the day being loaded


@dataclass(frozen=True)
class FailureKind:
    name: str
    does: str  # what it does to the data of the load
    next_clean_load: str  # what the next clean load of the table does
    columns: Callable[[TableSpec], tuple[str, ...]] | None  # valid columns; None = takes no column
    tables: Callable[[TableSpec], bool]
    params: dict[str, object]  # parameter name -> default
    apply: Callable[[TableBatch, Failure, FailureContext], None]


KINDS: dict[str, FailureKind] = {}


def failure_kind(
    name: str,
    *,
    does: str,
    next_clean_load: str,
    columns: Callable[[TableSpec], tuple[str, ...]] | None = None,
    tables: Callable[[TableSpec], bool] = lambda spec: True,
    params: dict[str, object] | None = None,
):
    def register(fn: Callable[[TableBatch, Failure, FailureContext], None]):
        KINDS[name] = FailureKind(name, does, next_clean_load, columns, tables, params or {}, fn)
        return fn

    return register


def _non_key(spec: TableSpec) -> tuple[str, ...]:
    return spec.non_key_columns


def _sample(rng: np.random.Generator, df: pd.DataFrame, fraction: float) -> np.ndarray:
    """Boolean mask selecting about `fraction` of the rows (at least one if there are rows and
    fraction > 0)."""
    mask = rng.random(len(df)) < fraction
    if len(df) and fraction > 0 and not mask.any():
        mask[rng.integers(len(df))] = True
    return mask


def _set_values(df: pd.DataFrame, column: str, mask: np.ndarray, value) -> pd.DataFrame:
    if column not in df.columns or df.empty:
        return df
    out = df.copy()
    series = out[column].astype(object)
    series[mask] = value
    out[column] = series
    return out


@failure_kind(
    "frozen",
    does=(
        "the column stops changing: UPDATEs of a dimension leave it at its landed value (new rows "
        "still arrive with their first value); a snapshot's new rows repeat each entity's previous "
        "value. Frozen on professionals also freezes that column in the same load's "
        "professional_daily_stats, which is copied from the landed professionals."
    ),
    next_clean_load=(
        "every row whose value went stale is re-sent with its current value; the "
        "column changes again."
    ),
    columns=lambda spec: spec.mutable,
    tables=lambda spec: spec.kind in ("dimension", "snapshot"),
)
def _frozen(batch: TableBatch, f: Failure, ctx: FailureContext) -> None:
    if batch.spec.kind == "dimension":
        batch.update_columns = [c for c in batch.update_columns if c != f.column]
        return
    entity, col, t = batch.spec.entity_key, f.column, batch.spec.name
    if col not in ctx.writer.columns(t):
        return
    previous = ctx.writer.read_frame(
        f"SELECT {entity}, {col} AS _previous FROM {ctx.writer.qualified(t)} WHERE stat_date = "
        f"(SELECT max(stat_date) FROM {ctx.writer.qualified(t)} WHERE stat_date < DATE "
        f"'{ctx.stat_date:%Y-%m-%d}')"
    ).drop_duplicates(entity)
    if previous.empty:
        return
    merged = batch.inserts.merge(previous, on=entity, how="left")
    has_previous = merged["_previous"].notna().to_numpy()
    values = merged[col].astype(object).to_numpy(copy=True)
    values[has_previous] = merged["_previous"].astype(object).to_numpy()[has_previous]
    batch.inserts = batch.inserts.assign(**{col: values})


@failure_kind(
    "nulls",
    does="the column is NULL in the load's new and changed rows (parameter fraction, default 1.0).",
    next_clean_load="the NULLed rows are re-sent with their values.",
    columns=_non_key,
    params={"fraction": 1.0},
)
def _nulls(batch: TableBatch, f: Failure, ctx: FailureContext) -> None:
    fraction = f.param("fraction", 1.0)
    batch.map_frames(lambda df: _set_values(df, f.column, _sample(ctx.rng, df, fraction), None))


_CONSTANT_DEFAULTS = {
    INT: "0",
    DOUBLE: "0",
    STRING: "unknown",
    BOOL: "false",
    TIMESTAMP: "1970-01-01 00:00:00",
    DATE: "1970-01-01",
}


def _typed(value: str, logical: str):
    if logical == INT:
        return int(float(value))
    if logical == DOUBLE:
        return float(value)
    if logical == BOOL:
        return value.lower() in ("1", "true", "t", "yes")
    if logical in (TIMESTAMP, DATE):
        return pd.Timestamp(value)
    return value


@failure_kind(
    "constant",
    does=(
        "every value of the column in the load's new and changed rows becomes one constant, as "
        "from COALESCE(x, 0) on a broken source (parameter value; default 0, 'unknown', false, "
        "or 1970-01-01 by type)."
    ),
    next_clean_load="the rows are re-sent with their values.",
    columns=_non_key,
    params={"value": None},
)
def _constant(batch: TableBatch, f: Failure, ctx: FailureContext) -> None:
    logical = batch.spec.columns[f.column]
    value = _typed(f.param("value", None) or _CONSTANT_DEFAULTS[logical], logical)
    batch.map_frames(lambda df: _set_values(df, f.column, np.ones(len(df), bool), value))


@failure_kind(
    "drop_column",
    does=(
        "the column is dropped from the raw table (ALTER TABLE ... DROP COLUMN; on Postgres "
        "with CASCADE, which also drops dbt views reading it) and the load carries no values "
        "for it."
    ),
    next_clean_load="the column is added back and back-filled for every row.",
    columns=_non_key,
)
def _drop_column(batch: TableBatch, f: Failure, ctx: FailureContext) -> None:
    batch.schema_ops.append(("drop", f.column))
    batch.map_frames(lambda df: df.drop(columns=[f.column], errors="ignore"))
    batch.update_columns = [c for c in batch.update_columns if c != f.column]


@failure_kind(
    "rename_column",
    does=(
        "the column is renamed in the raw table (parameter new_name, default <column>_v2) and "
        "the load writes its values under the new name."
    ),
    next_clean_load="the renamed column is dropped, the original one added back and back-filled.",
    columns=_non_key,
    params={"new_name": None},
)
def _rename_column(batch: TableBatch, f: Failure, ctx: FailureContext) -> None:
    new = check_identifier(f.param("new_name", None) or f"{f.column}_v2", "column name")
    batch.schema_ops.append(("rename", f.column, new))
    batch.map_frames(lambda df: df.rename(columns={f.column: new}))
    batch.update_columns = [new if c == f.column else c for c in batch.update_columns]
    batch.types[new] = batch.types.pop(f.column)


@failure_kind(
    "duplicate_keys",
    does=(
        "a fan-out join duplicates rows: about `fraction` (default 0.2) of the load's new and "
        "changed rows are inserted once or twice more, with the same key."
    ),
    next_clean_load="the duplicates are deleted (one row per key remains).",
    params={"fraction": 0.2},
)
def _duplicate_keys(batch: TableBatch, f: Failure, ctx: FailureContext) -> None:
    rows = pd.concat(
        [df for df in batch.frames() if not df.empty] or [batch.inserts], ignore_index=True
    )
    picked = rows[_sample(ctx.rng, rows, f.param("fraction", 0.2))]
    copies = ctx.rng.integers(1, 3, len(picked))
    extra = picked.loc[picked.index.repeat(copies)]
    batch.inserts = pd.concat([batch.inserts, extra], ignore_index=True)


@failure_kind(
    "partial_load",
    does=(
        "only a fraction (parameter fraction, default 0.1) of the load's new rows and dimension "
        "updates arrive; the volume drops."
    ),
    next_clean_load=(
        "the missing rows and updates arrive late, with that load's _loaded_at "
        "(so that load's volume is above normal)."
    ),
    params={"fraction": 0.1},
)
def _partial_load(batch: TableBatch, f: Failure, ctx: FailureContext) -> None:
    fraction = f.param("fraction", 0.1)
    batch.map_frames(lambda df: df[_sample(ctx.rng, df, fraction)] if len(df) else df)


@failure_kind(
    "unit_change",
    does=(
        "a money column arrives in cents instead of euros: values x100 (parameter factor) in "
        "the load's new and changed rows."
    ),
    next_clean_load="the rows are re-sent in euros.",
    columns=lambda spec: spec.money_columns,
    params={"factor": 100.0},
)
def _unit_change(batch: TableBatch, f: Failure, ctx: FailureContext) -> None:
    factor = f.param("factor", 100.0)

    def scale(df: pd.DataFrame) -> pd.DataFrame:
        return df.assign(**{f.column: df[f.column] * factor}) if f.column in df.columns else df

    batch.map_frames(scale)


@failure_kind(
    "stale",
    does=(
        "the table receives nothing in this load: no new rows, no updates; max(_loaded_at) "
        "stops advancing."
    ),
    next_clean_load=(
        "the missed rows and updates arrive with that load (catch-up: above-normal volume)."
    ),
)
def _stale(batch: TableBatch, f: Failure, ctx: FailureContext) -> None:
    batch.skip = True


def _broken_key(values: pd.Series) -> pd.Series:
    """c_000123 -> C-000123: the upstream changed its key format, joins stop matching."""
    s = values.astype(object)
    return s.where(s.isna(), s.str.upper().str.replace("_", "-", n=1, regex=False))


@failure_kind(
    "broken_join_key",
    does=(
        "a foreign-key column arrives in another format (c_000123 becomes C-000123) in about "
        "`fraction` (default 1.0) of the load's rows, so its match rate to the referenced table "
        "drops."
    ),
    next_clean_load="the rows are re-sent with well-formed keys.",
    columns=lambda spec: tuple(spec.foreign_keys),
    tables=lambda spec: bool(spec.foreign_keys),
    params={"fraction": 1.0},
)
def _broken_join_key(batch: TableBatch, f: Failure, ctx: FailureContext) -> None:
    fraction = f.param("fraction", 1.0)

    def brake(df: pd.DataFrame) -> pd.DataFrame:
        if f.column not in df.columns or df.empty:
            return df
        mask = _sample(ctx.rng, df, fraction)
        values = df[f.column].astype(object).copy()
        values[mask] = _broken_key(values[mask])
        return df.assign(**{f.column: values})

    batch.map_frames(brake)


@failure_kind(
    "bad_rows",
    does="a trickle of malformed rows: about `fraction` (default 0.005) of the load's new and "
    "changed rows arrive with the table's first money column negated or 10,000 times too large "
    "(a sign or decimal-point bug in the source); the other rows are untouched. Out-of-range "
    "rows that a quarantine policy sets aside.",
    next_clean_load="the malformed rows are re-sent with their values.",
    tables=lambda spec: bool(spec.money_columns),
    params={"fraction": 0.005},
)
def _bad_rows(batch: TableBatch, f: Failure, ctx: FailureContext) -> None:
    fraction = f.param("fraction", 0.005)
    column = batch.spec.money_columns[0]

    def corrupt(df: pd.DataFrame) -> pd.DataFrame:
        if column not in df.columns or df.empty:
            return df
        mask = _sample(ctx.rng, df, fraction)
        # drawn for every row, so which rows are picked does not depend on this choice
        factor = np.where(ctx.rng.random(len(df)) < 0.5, -1.0, 10_000.0)
        values = df[column].astype(float).to_numpy(copy=True)
        values[mask] = values[mask] * factor[mask]
        return df.assign(**{column: values})

    batch.map_frames(corrupt)


def _tables_for(kind: FailureKind) -> list[str]:
    return [name for name, spec in TABLES.items() if kind.tables(spec)]


def validate(f: Failure) -> Failure:
    """Raise ValueError with a one-line message naming the valid choices."""
    kind = KINDS.get(f.kind)
    if kind is None:
        raise ValueError(f"unknown failure kind {f.kind!r}; valid kinds: {', '.join(KINDS)}")
    spec = table_spec(f.table)
    if not kind.tables(spec):
        raise ValueError(
            f"{f.kind} does not apply to table {f.table!r}; "
            f"valid tables: {', '.join(_tables_for(kind))}"
        )
    if kind.columns is None:
        if f.column is not None:
            raise ValueError(f"{f.kind} takes a table, not a column: use {f.kind}:{f.table}")
    else:
        valid = kind.columns(spec)
        if f.column is None:
            raise ValueError(
                f"{f.kind} needs a column: {f.kind}:{f.table}.COLUMN; "
                f"valid columns: {', '.join(valid)}"
            )
        if f.column not in valid:
            raise ValueError(
                f"column {f.column!r} of {f.table} is not valid for {f.kind}; "
                f"valid columns: {', '.join(valid)}"
            )
    for name, value in f.params:
        if name not in kind.params:
            valid_params = ", ".join(kind.params) or "none"
            raise ValueError(
                f"unknown parameter {name!r} for {f.kind}; valid parameters: {valid_params}"
            )
        default = kind.params[name]
        if isinstance(default, float):
            try:
                number = float(value)
            except ValueError:
                raise ValueError(
                    f"parameter {name} of {f.kind} must be a number, got {value!r}"
                ) from None
            if name == "fraction" and not 0.0 <= number <= 1.0:
                raise ValueError(
                    f"parameter fraction of {f.kind} must be within [0, 1], got {value}"
                )
    if f.kind == "rename_column":
        check_identifier(f.param("new_name", None) or "x", "column name")
    if f.kind == "constant" and f.param("value", None) is not None:
        try:
            _typed(f.param("value", None), spec.columns[f.column])
        except ValueError:
            raise ValueError(
                f"constant value {f.param('value', None)!r} does not fit column "
                f"{f.table}.{f.column} ({spec.columns[f.column]})"
            ) from None
    return f


def failure_rng(seed: int, day: int, f: Failure) -> np.random.Generator:
    return np.random.default_rng(
        np.random.SeedSequence([seed, 10_000 + day, zlib.crc32(str(f).encode())])
    )


def describe_kinds() -> str:
    lines = []
    for kind in KINDS.values():
        target = "table.column" if kind.columns else "table"
        lines.append(
            f"  {kind.name}:{target}\n      {kind.does}\n      next clean load: "
            f"{kind.next_clean_load}"
        )
    return "\n".join(lines)


__doc__ += "\n" + describe_kinds() + "\n"
__all__ = [
    "KINDS",
    "LOADED_AT",
    "Failure",
    "FailureContext",
    "FailureKind",
    "failure_rng",
    "validate",
]
