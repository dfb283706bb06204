"""Whole-table measures on a DataFrame: row count, latest value, column types, SQL, orphans."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Mapping

import pandas as pd

from lockgate.contract import rules as ir
from lockgate.engines.frame.predicates import all_present
from lockgate.engines.results import Measurement
from lockgate.engines.sql.types import ACCEPTS


def measure_aggregate(
    rule: ir.Rule, df: pd.DataFrame, frames: Mapping[str, pd.DataFrame], table_name: str
) -> Measurement:
    m, total = rule.measure, len(df)
    if isinstance(m, ir.RowCount):
        return Measurement(value=total, total_rows=total)
    if isinstance(m, ir.LatestValue):
        latest = df[m.column].max()
        return Measurement(value=None if pd.isna(latest) else latest, total_rows=total)
    if isinstance(m, ir.ColumnType):
        kind = pandas_kind(df[m.column])
        # pandas has no date dtype: a datetime column holding only midnights may be either
        kinds = {"date", "timestamp"} if kind == "date_or_timestamp" else {kind}
        ok = bool(kinds & ACCEPTS.get(m.logical_type, set()))
        if ok and m.timezone is not None and "timestamp" in kinds:
            ok = (getattr(df[m.column].dt, "tz", None) is not None) == m.timezone
        return Measurement(value=0 if ok else 1, detail=str(df[m.column].dtype), total_rows=total)
    if isinstance(m, ir.ExtraColumns):
        extra = [str(c) for c in df.columns if c not in set(m.declared)]
        detail = f"extra columns: {', '.join(extra)}" if extra else "no extra columns"
        return Measurement(value=len(extra), detail=detail, total_rows=total)
    if isinstance(m, ir.SqlValue):
        return _sql_value(m, df, table_name, total)
    if isinstance(m, ir.Orphans):
        ref = frames.get(m.ref_table)
        if ref is None:
            return Measurement(
                error=f"referenced table {m.ref_table} was not given to the frame engine",
                total_rows=total,
            )
        absent = [c for c in m.ref_columns if c not in ref.columns]
        if absent:
            return Measurement(
                error=f"referenced table {m.ref_table} has no column {', '.join(absent)}",
                total_rows=total,
            )
        return Measurement(failed_rows=int(orphan_mask(df, ref, m).sum()), total_rows=total)
    raise TypeError(f"no frame measure for {type(m).__name__}")


def orphan_mask(df: pd.DataFrame, ref: pd.DataFrame, m: ir.Orphans) -> pd.Series:
    key = df[list(m.columns)]
    present = all_present(df, m.columns)
    known = ref[list(m.ref_columns)][all_present(ref, m.ref_columns)]
    known = pd.MultiIndex.from_frame(known.astype(object))
    found = pd.MultiIndex.from_frame(key.astype(object)).isin(known)
    return pd.Series(present.to_numpy() & ~found, index=df.index)


def duplicate_samples(df: pd.DataFrame, columns: tuple[str, ...], limit: int) -> list[dict]:
    """Repeated keys with their number of rows, like the SQL engine's GROUP BY ... HAVING sample."""
    sizes = df.loc[all_present(df, columns), list(columns)].groupby(list(columns)).size()
    sizes = sizes[sizes > 1].sort_index().head(limit)
    rows = []
    for key, count in sizes.items():
        values = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(columns, values)), "duplicate_count": int(count)})
    return rows


def pandas_kind(s: pd.Series) -> str:
    """The logical kind of a pandas column, lenient where pandas has no exact type (dates)."""
    dtype = s.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        values = s.dropna()
        if values.empty or (values == values.dt.normalize()).all():
            return "date_or_timestamp"
        return "timestamp"
    sample = s.dropna()
    first = sample.iloc[0] if not sample.empty else None
    if isinstance(first, decimal.Decimal):
        return "number"
    if isinstance(first, dt.datetime):
        return "timestamp"
    if isinstance(first, dt.date):
        return "date"
    if isinstance(first, dt.time):
        return "time"
    if isinstance(first, dict):
        return "object"
    if isinstance(first, (list, tuple)):
        return "array"
    if pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype):
        return "string"
    return "unknown"


def _sql_value(m: ir.SqlValue, df: pd.DataFrame, table_name: str, total: int) -> Measurement:
    """`type: sql` rules on a DataFrame run in an in-memory DuckDB that sees only this frame."""
    from lockgate.engines.sql.connectors.duckdb import execute_bounded, safe_connect
    from lockgate.engines.sql_rules import ensure_select_only, substitute

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
