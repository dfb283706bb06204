"""Build a reference profile from training data: DataFrames, or a contract's server.

Which columns: `logicalType` integer/number are summarised as numeric (a histogram on quantile
edges), string/boolean as categorical (top-value frequencies); columns without a logicalType by
their live type; dates, timestamps and nested types are not profiled.

On a server the summary is computed in SQL, so no rows leave the warehouse: one fused scan
(counts, exact distinct counts, mean, std), one query for the quantile edges of the
high-cardinality numeric columns, one fused scan counting them into their bins, and one GROUP BY
per categorical or low-cardinality numeric column. Those give the same summary as
`numeric_summary` / `categorical_summary` on the raw values (a test holds them to it).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from lockgate.contract.model import Column, Contract, Table
from lockgate.engines.column_kinds import ibis_summary
from lockgate.errors import LockgateError, UsageError
from lockgate.profile.drift import (
    OTHER,
    CategoricalSummary,
    NumericSummary,
    categorical_summary,
    categorical_summary_from_counts,
    numeric_summary,
    quantile_levels,
)
from lockgate.state.reference import ReferenceProfile, TableReference

if TYPE_CHECKING:  # pandas and ibis load with the function that needs them
    import pandas as pd
    from ibis.expr.types import Table as IbisTable

    from lockgate.connectors.base import Connector

NUMERIC_TYPES = ("integer", "number")
CATEGORICAL_TYPES = ("string", "boolean")
BINS = 20
TOP = 50


def summary_kind(column: Column, live_kind: str | None) -> str | None:
    """numeric, categorical, or None (not profiled: identifiers, whose every value is new, and
    types without a summary)."""
    if column.primary_key or column.unique:
        return None
    if column.logical_type in NUMERIC_TYPES:
        return "numeric"
    if column.logical_type in CATEGORICAL_TYPES:
        return "categorical"
    return live_kind if column.logical_type is None else None


# -- DataFrames ------------------------------------------------------------------------------------


def reference_from_frames(
    contract: Contract, frames: Mapping[str, pd.DataFrame], *, bins: int = BINS, top: int = TOP
) -> ReferenceProfile:
    import pandas as pd

    profile = ReferenceProfile(contract.id, contract.version, "frames")
    for table in contract.tables:
        df = frames.get(table.name, frames.get(table.physical_name))
        if df is None:
            continue
        entry = TableReference(len(df))
        for column in table.columns:
            if column.physical_name not in df.columns:
                continue
            values = df[column.physical_name]
            kind = summary_kind(column, _frame_kind(values, pd))
            if kind == "numeric":
                entry.columns[column.name] = numeric_summary(
                    pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan),
                    bins=bins,
                )
            elif kind == "categorical":
                entry.columns[column.name] = categorical_summary(values, top=top)
        profile.tables[table.name] = entry
    return profile


def _frame_kind(values: pd.Series, pd: ModuleType) -> str | None:
    if pd.api.types.is_bool_dtype(values.dtype):
        return "categorical"
    if pd.api.types.is_numeric_dtype(values.dtype):
        return "numeric"
    if pd.api.types.is_string_dtype(values.dtype):
        return "categorical"
    return None


# -- a server --------------------------------------------------------------------------------------


def reference_from_server(
    contract: Contract, server: str | None = None, *, bins: int = BINS, top: int = TOP
) -> ReferenceProfile:
    from lockgate.connectors import connect

    chosen = contract.server(server)
    if chosen is None:
        raise UsageError(
            f"contract {contract.id} has no server {server!r}"
            if server
            else f"contract {contract.id} has no servers"
        )
    profile = ReferenceProfile(contract.id, contract.version, f"server {chosen.name}")
    with connect(chosen) as connector:
        for table in contract.tables:
            profile.tables[table.name] = _table_reference(connector, table, bins, top)
    return profile


def _table_reference(connector: Connector, table: Table, bins: int, top: int) -> TableReference:
    t = connector.table_expr(table.physical_name)
    if t is None:
        raise LockgateError(
            f"table {table.physical_name} does not exist on the server; cannot profile it"
        )
    kinds: dict[str, tuple[Column, str]] = {}
    for column in table.columns:
        if column.physical_name in t.columns:
            dtype = t[column.physical_name].type()
            live = ibis_summary(dtype)
            kind = summary_kind(column, live)
            if kind:
                kinds[column.name] = (column, kind)
    numeric = [c for c, k in kinds.values() if k == "numeric"]
    scan = _numeric_scan(connector, t, numeric)
    entry = TableReference(int(scan["rows"]))
    wide = [c for c in numeric if scan[c.name]["distinct"] > bins]
    edges = _quantile_edges(connector, t, wide, bins)
    counts = _bin_counts(connector, t, edges)
    for column, kind in kinds.values():
        if kind == "categorical":
            entry.columns[column.name] = _categorical(
                connector, t, column.physical_name, entry.row_count, top
            )
        elif column.physical_name in edges:
            stats = scan[column.name]
            name = column.physical_name
            entry.columns[column.name] = NumericSummary(
                edges[name],
                tuple(counts[name]),  # (__post_init__ makes tuples of any sequence)
                stats["mean"],
                stats["std"],
                entry.row_count,
                entry.row_count - stats["finite"],
            )
        else:
            entry.columns[column.name] = _few_values(
                connector, t, column.physical_name, entry.row_count, bins
            )
    return entry


def _numeric_scan(connector: Connector, t: IbisTable, columns: list[Column]) -> dict[str, Any]:
    from lockgate.engines.sql.profile import finite_number

    metrics: dict[str, Any] = {"rows": t.count()}  # ibis expressions
    for i, column in enumerate(columns):
        number, finite = finite_number(t[column.physical_name])
        metrics[f"f{i}"] = t.count(where=finite)
        metrics[f"d{i}"] = number.nunique(where=finite)
        metrics[f"m{i}"] = number.mean(where=finite)
        metrics[f"s{i}"] = number.std(where=finite)
    names, rows = connector.fetch(connector.to_sql(t.aggregate(**metrics)))
    values = dict(zip(names, rows[0]))
    out: dict[str, Any] = {"rows": values["rows"]}
    for i, column in enumerate(columns):
        finite = int(values[f"f{i}"])
        out[column.name] = {
            "finite": finite,
            "distinct": int(values[f"d{i}"]),
            "mean": None if values[f"m{i}"] is None else float(values[f"m{i}"]),
            # numeric_summary's convention: no std for a single value, exactly 0 for a constant
            "std": None
            if finite < 2 or values[f"s{i}"] is None
            else max(float(values[f"s{i}"]), 0.0),
        }
    return out


def _quantile_edges(
    connector: Connector, t: IbisTable, columns: list[Column], bins: int
) -> dict[str, tuple[float, ...]]:
    """Physical column name -> edges at the reference quantile levels, as `numeric_summary` places
    them (the linear interpolation of quantile_cont / percentile_cont is numpy's default)."""
    from lockgate.engines.sql.profile import finite_number

    if not columns:
        return {}
    levels = [float(q) for q in quantile_levels(bins)]
    metrics: dict[str, Any] = {}  # ibis expressions
    for i, column in enumerate(columns):
        number, finite = finite_number(t[column.physical_name])
        metrics[f"q{i}"] = number.quantile(levels, where=finite)
    names, rows = connector.fetch(connector.to_sql(t.aggregate(**metrics)))
    values = dict(zip(names, rows[0]))
    return {
        c.physical_name: tuple(
            float(e) for e in np.unique(np.asarray(values[f"q{i}"], dtype=float))
        )
        for i, c in enumerate(columns)
    }


def _bin_counts(
    connector: Connector, t: IbisTable, edges: dict[str, tuple[float, ...]]
) -> dict[str, list[int]]:
    from lockgate.engines.sql.profile import finite_number, histogram_counts

    if not edges:
        return {}
    metrics: dict[str, Any] = {}  # ibis expressions
    slots: dict[str, list[str]] = {}  # column -> its metrics, one per bin
    for column, column_edges in edges.items():
        number, finite = finite_number(t[column])
        names = []
        for expr in histogram_counts(t, number, finite, column_edges):
            name = f"b{len(metrics)}"
            metrics[name] = expr
            names.append(name)
        slots[column] = names
    names, rows = connector.fetch(connector.to_sql(t.aggregate(**metrics)))
    values = dict(zip(names, rows[0]))
    return {column: [int(values[n]) for n in names] for column, names in slots.items()}


def _few_values(
    connector: Connector, t: IbisTable, name: str, rows: int, bins: int
) -> NumericSummary:
    """A column with at most `bins` distinct values: its value counts are small, and expanding
    them gives `numeric_summary` the exact column (edges between distinct values)."""
    from ibis import _

    from lockgate.engines.sql.profile import finite_number

    number, finite = finite_number(t[name])
    query = t.filter(finite).group_by(v=number).aggregate(n=_.count()).order_by("v")
    _names, found = connector.fetch(connector.to_sql(query))
    values = np.repeat(np.array([float(v) for v, _n in found]), [int(n) for _v, n in found])
    missing = np.full(rows - len(values), np.nan)
    return numeric_summary(np.concatenate([values, missing]), bins=bins)


def _categorical(
    connector: Connector, t: IbisTable, name: str, rows: int, top: int
) -> CategoricalSummary:
    from ibis import _

    col = t[name]
    present = int(connector.fetch_value(connector.to_sql(col.count())) or 0)
    counts = t.filter(col.notnull()).group_by(name).aggregate(n=_.count())
    query = counts.order_by([counts.n.desc(), counts[name].cast("string")]).limit(top)
    _names, found = connector.fetch(connector.to_sql(query))
    listed = {str(value): int(n) for value, n in found}
    rest = present - sum(listed.values())
    if rest:
        listed[OTHER] = rest
    return categorical_summary_from_counts(listed, null_count=rows - present, top=top)
