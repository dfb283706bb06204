"""Whole-table measures on a DataFrame: row count, latest value, column types, SQL, orphans."""

from __future__ import annotations

import decimal
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from lockgate.contract import rules as ir
from lockgate.contract.dispatch import KindTable
from lockgate.engines.column_kinds import pandas_logical
from lockgate.engines.frame.predicates import all_present
from lockgate.engines.sql.types import ACCEPTS
from lockgate.results.model import Measurement


def measure_aggregate(
    rule: ir.Rule, df: pd.DataFrame, frames: Mapping[str, pd.DataFrame], table_name: str
) -> Measurement:
    measured: Measurement = AGGREGATES(rule.measure, df, frames, table_name)
    return measured


_Aggregate = Callable[[Any, pd.DataFrame, Mapping[str, pd.DataFrame], str], Measurement]
_ROW_LEVEL = "a row-level rule: pandera counts its failing rows (frame/schema.py)"
AGGREGATES: KindTable[_Aggregate] = KindTable(
    "frame: whole-table measure",
    ir.Measure,
    unsupported={
        ir.FailingRows: _ROW_LEVEL,
        ir.DuplicateRows: _ROW_LEVEL,
        ir.StatefulMeasure: "answered by the table profile (FrameEngine._profile)",
        ir.Reconcile: "compares two servers: lockgate.reconcile measures it, not an engine",
    },
)


@AGGREGATES.register(ir.RowCount)
def _(
    m: ir.RowCount, df: pd.DataFrame, frames: Mapping[str, pd.DataFrame], table_name: str
) -> Measurement:
    return Measurement(value=len(df), total_rows=len(df))


@AGGREGATES.register(ir.LatestValue)
def _(
    m: ir.LatestValue, df: pd.DataFrame, frames: Mapping[str, pd.DataFrame], table_name: str
) -> Measurement:
    latest = df[m.column].max()
    return Measurement(value=None if pd.isna(latest) else latest, total_rows=len(df))


@AGGREGATES.register(ir.ColumnType)
def _(
    m: ir.ColumnType, df: pd.DataFrame, frames: Mapping[str, pd.DataFrame], table_name: str
) -> Measurement:
    kind = pandas_logical(df[m.column])
    # pandas has no date dtype: a datetime column holding only midnights may be either
    kinds = {"date", "timestamp"} if kind == "date_or_timestamp" else {kind}
    ok = bool(kinds & ACCEPTS.get(m.logical_type, set()))
    if ok and m.timezone is not None and "timestamp" in kinds:
        ok = (getattr(df[m.column].dt, "tz", None) is not None) == m.timezone
    return Measurement(value=0 if ok else 1, detail=str(df[m.column].dtype), total_rows=len(df))


@AGGREGATES.register(ir.ExtraColumns)
def _(
    m: ir.ExtraColumns, df: pd.DataFrame, frames: Mapping[str, pd.DataFrame], table_name: str
) -> Measurement:
    extra = [str(c) for c in df.columns if c not in set(m.declared)]
    detail = f"extra columns: {', '.join(extra)}" if extra else "no extra columns"
    return Measurement(value=len(extra), detail=detail, total_rows=len(df))


@AGGREGATES.register(ir.SqlValue)
def _(
    m: ir.SqlValue, df: pd.DataFrame, frames: Mapping[str, pd.DataFrame], table_name: str
) -> Measurement:
    return _sql_value(m, df, table_name, len(df))


@AGGREGATES.register(ir.Orphans)
def _(
    m: ir.Orphans, df: pd.DataFrame, frames: Mapping[str, pd.DataFrame], table_name: str
) -> Measurement:
    total = len(df)
    ref = frames.get(m.ref_table)
    if ref is None:
        error = f"referenced table {m.ref_table} was not given to the frame engine"
        return Measurement(error=error, total_rows=total)
    absent = [c for c in m.ref_columns if c not in ref.columns]
    if absent:
        error = f"referenced table {m.ref_table} has no column {', '.join(absent)}"
        return Measurement(error=error, total_rows=total)
    return Measurement(failed_rows=int(orphan_mask(df, ref, m).sum()), total_rows=total)


def orphan_mask(df: pd.DataFrame, ref: pd.DataFrame, m: ir.Orphans) -> pd.Series:
    key = df[list(m.columns)]
    present = all_present(df, m.columns)
    known = ref[list(m.ref_columns)][all_present(ref, m.ref_columns)]
    known = pd.MultiIndex.from_frame(known.astype(object))
    found = pd.MultiIndex.from_frame(key.astype(object)).isin(known)
    return pd.Series(present.to_numpy() & ~found, index=df.index)


def duplicate_samples(
    df: pd.DataFrame, columns: tuple[str, ...], limit: int
) -> list[dict[str, Any]]:
    """Repeated keys with their number of rows, like the SQL engine's GROUP BY ... HAVING sample."""
    sizes = df.loc[all_present(df, columns), list(columns)].groupby(list(columns)).size()
    sizes = sizes[sizes > 1].sort_index().head(limit)
    rows = []
    for key, count in sizes.items():
        values = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(columns, values)), "duplicate_count": int(count)})
    return rows


def _sql_value(m: ir.SqlValue, df: pd.DataFrame, table_name: str, total: int) -> Measurement:
    """`type: sql` rules on a DataFrame run in an in-memory DuckDB that sees only this frame."""
    from lockgate.connectors.duckdb import execute_bounded, safe_connect
    from lockgate.connectors.safety import ensure_select_only
    from lockgate.connectors.safety.sql_rules import substitute

    def quoted(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    sql = substitute(m.query, quoted(table_name), quoted(m.column) if m.column else None)
    ensure_select_only(sql, "duckdb")  # a refused query is a contract error, not a verdict
    try:
        con = safe_connect()
        try:
            con.register(table_name, df)
            row = execute_bounded(con, sql)
        finally:
            con.close()
    except Exception as exc:
        return Measurement(
            error=f"query failed: {str(exc).strip().splitlines()[0]}", total_rows=total
        )
    value = row[0] if row else None
    return Measurement(
        value=float(value) if isinstance(value, decimal.Decimal) else value, total_rows=total
    )
