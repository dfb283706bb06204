"""Partitioned validation: check only the partitions asked for (`--partition`, `partitions=`).

A property marked `partitioned: true` is a partition column. The values asked for are parsed by
the column's logicalType into Python values and reach the database only as typed ibis literals
(sqlglot quotes them for the dialect): a value is data, never SQL text.

Within the selected partitions every engine sees only the selected rows, so row rules, aggregates,
rowCount, relationships (from the partition's rows) and the stateful profile are per partition by
construction. Key rules are the exception: a key is unique across the whole table, so the
partition's keys are also looked up in every other partition (`collision_query`). That lookup is a
semi-join from the rest of the table onto the partition's distinct keys, whose hash table is the
size of the partition, not of the table.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ibis
from ibis.expr.types import BooleanValue
from ibis.expr.types import Table as IbisTable

from lockgate.contract.model import Column, Contract, Table
from lockgate.errors import UsageError

if TYPE_CHECKING:  # pandas is imported by the frame engine's functions only: SQL checks skip it
    import pandas as pd

_PAIR = re.compile(r"^([^=]+)=(.*)$", re.DOTALL)


@dataclass(frozen=True)
class TableSelection:
    """The partitions of one table to check: per partition column (physical name, in key order),
    the typed values asked for. A row is selected when each named column holds one of its values;
    partition columns not named are not restricted."""

    table: str
    values: tuple[tuple[str, tuple[Any, ...]], ...]

    @property
    def label(self) -> str:
        """`day=2026-11-19` (what reports and the history store show): one label per set of
        partitions, whatever order they were asked in, and no two sets with one label (`%`,
        `,`, `|`, `=`, `[`, `]` in names and values are written `%XX`: a text partition
        `eu|us` is not the partitions `eu` and `us`)."""
        return ",".join(
            f"{_escaped(col)}={'|'.join(_escaped(_text(v)) for v in _ordered(vals))}"
            for col, vals in self.values
        )

    def predicate(self, t: IbisTable) -> BooleanValue:
        parts = [_column_in(t[col], vals) for col, vals in self.values]
        out = parts[0]
        for part in parts[1:]:
            out = out & part
        return out

    def restrict(self, t: IbisTable) -> IbisTable:
        return t.filter(self.predicate(t))

    def rest(self, t: IbisTable) -> IbisTable:
        """Every row outside the selection (a NULL partition value belongs to no partition)."""
        return t.filter(~ibis.coalesce(self.predicate(t), False))

    def mask(self, df: pd.DataFrame) -> pd.Series:
        import pandas as pd

        out = pd.Series(True, index=df.index)
        for col, vals in self.values:
            out &= _frame_in(df[col], vals)
        return out

    def to_dict(self) -> dict[str, list[Any]]:
        return {col: [_text(v) for v in vals] for col, vals in self.values}


@dataclass(frozen=True)
class PartitionSelection:
    """What `--partition`/`partitions=` asked for, resolved per table of the contract. Tables
    without a partition column the values name are checked whole."""

    requested: tuple[str, ...]
    tables: tuple[TableSelection, ...]

    def of(self, table: str) -> TableSelection | None:
        return next((s for s in self.tables if s.table == table), None)

    def to_dict(self) -> dict[str, dict[str, list[Any]]]:
        return {s.table: s.to_dict() for s in self.tables}


def select_partitions(
    contract: Contract, values: Sequence[Any] | None
) -> PartitionSelection | None:
    """Resolve `--partition` values against the contract; None (or empty) selects whole tables.

    A value is `VALUE` when each partitioned table has one partition column, else
    `column=VALUE` (a logical or physical column name); repeated values of a column are several
    partitions. Raises UsageError for a value that does not parse or names no partition column.
    """
    if not values:
        return None
    partitioned = [t for t in contract.tables if t.partition_columns]
    if not partitioned:
        raise UsageError(
            f"contract {contract.id} has no partitioned property (partitioned: true): "
            "--partition cannot select rows"
        )
    names = {n for t in partitioned for c in t.partition_columns for n in (c.name, c.physical_name)}
    chosen: dict[str, dict[str, list[Any]]] = {t.name: {} for t in partitioned}
    for raw in values:
        for table, column, text in _targets(partitioned, raw, names):
            parsed = parse_value(column, text, table)
            listed = chosen[table.name].setdefault(column.physical_name, [])
            if parsed not in listed:
                listed.append(parsed)
    tables = []
    for table in partitioned:
        picked = chosen[table.name]
        if picked:
            order = [c.physical_name for c in table.partition_columns if c.physical_name in picked]
            tables.append(TableSelection(table.name, tuple((c, tuple(picked[c])) for c in order)))
    for chosen_table in tables:
        if contract.quarantine_policy(chosen_table.table) is not None:
            # the policy's row flags and duplicate handling are whole-table: refuse, never mix
            raise UsageError(
                f"table {chosen_table.table} has a quarantine policy, which lockgate does not "
                "apply to a partitioned check yet: check it without --partition"
            )
    return PartitionSelection(tuple(_text(v) for v in values), tuple(tables))


def _targets(
    partitioned: list[Table], raw: Any, names: set[str]
) -> list[tuple[Table, Column, Any]]:
    """(table, partition column, value part) for each table `raw` selects in.

    `column=VALUE` when `column` names a partition column somewhere in the contract (tables
    without it are not restricted by it); otherwise a bare VALUE for every partitioned table,
    which must then have exactly one partition column.
    """
    pair = _PAIR.match(raw) if isinstance(raw, str) else None
    if pair and pair.group(1).strip() in names:
        name = pair.group(1).strip()
        out = []
        for table in partitioned:
            column = next(
                (c for c in table.partition_columns if name in (c.name, c.physical_name)), None
            )
            if column is not None:
                out.append((table, column, pair.group(2)))
        return out
    for table in partitioned:
        if len(table.partition_columns) > 1:
            cols = ", ".join(c.name for c in table.partition_columns)
            raise UsageError(
                f"--partition {raw!r}: table {table.name} has several partition columns ({cols}); "
                "write --partition column=VALUE"
            )
    return [(table, table.partition_columns[0], raw) for table in partitioned]


def parse_value(column: Column, raw: Any, table: Table) -> Any:
    """`raw` as a value of the column's logicalType (text is parsed; Python values are checked)."""
    kind = column.logical_type
    where = f"partition column {table.name}.{column.name} ({kind})"
    try:
        if kind == "date":
            return _date(raw)
        if kind == "timestamp":
            return _timestamp(raw)
        if kind == "integer":
            return _integer(raw)
        if kind == "string":
            if not isinstance(raw, str):
                raise ValueError("not text")
            return raw
    except (TypeError, ValueError) as exc:
        hint = {
            "date": "YYYY-MM-DD",
            "timestamp": "ISO 8601, e.g. 2026-11-19T00:00:00",
            "integer": "a whole number",
        }.get(kind or "", "text")
        raise UsageError(
            f"--partition {raw!r} is not a value of {where}: expected {hint} ({exc})"
        ) from None
    raise UsageError(f"{where}: lockgate cannot parse partition values of this type")


def _date(raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        raise ValueError("a timestamp, not a date")
    if isinstance(raw, dt.date):
        return raw
    return dt.date.fromisoformat(str(raw).strip())


def _timestamp(raw: Any) -> dt.datetime:
    if isinstance(raw, dt.datetime):
        return raw
    if isinstance(raw, dt.date):
        return dt.datetime.combine(raw, dt.time())
    return dt.datetime.fromisoformat(str(raw).strip().replace("Z", "+00:00"))


def _integer(raw: Any) -> int:
    if isinstance(raw, bool):
        raise ValueError("a boolean")
    if isinstance(raw, int):
        return raw
    text = str(raw).strip()
    if not re.fullmatch(r"[+-]?\d+", text):
        raise ValueError("not a whole number")
    return int(text)


def _text(value: Any) -> str:
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value)


_LABEL_SPECIAL = re.compile(r"[%,|=\[\]]")


def _escaped(text: str) -> str:
    return _LABEL_SPECIAL.sub(lambda m: f"%{ord(m.group()):02X}", text)


def _ordered(values: tuple[Any, ...]) -> list[Any]:
    """The values of one column in their own order (one parsed type: dates, times, whole numbers
    or texts); by their text where they do not compare (naive and aware times)."""
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=_text)


# --- the selection in each engine --------------------------------------------------------------


def _column_in(col: Any, values: tuple[Any, ...]) -> BooleanValue:
    literals = [_literal(v, col) for v in values]
    target = col.date() if col.type().is_timestamp() and _all_dates(values) else col
    return target == literals[0] if len(literals) == 1 else target.isin(literals)


def _all_dates(values: tuple[Any, ...]) -> bool:
    return all(isinstance(v, dt.date) and not isinstance(v, dt.datetime) for v in values)


def _literal(value: Any, col: Any) -> Any:
    """A typed literal in the column's own type, so the comparison can prune storage blocks."""
    kind = col.type()
    if isinstance(value, dt.datetime):
        if kind.is_timestamp():
            if value.tzinfo is not None and kind.timezone is None:
                value = value.astimezone(dt.UTC).replace(tzinfo=None)
            return ibis.literal(value, type=kind)
        return ibis.literal(value)
    if isinstance(value, dt.date):
        return ibis.literal(value, type="date")
    if isinstance(value, int):
        return ibis.literal(value, type=kind if kind.is_integer() else "int64")
    return ibis.literal(value, type="string")


def _frame_in(series: pd.Series, values: tuple[Any, ...]) -> pd.Series:
    """The selection on a DataFrame column (pandas has no date dtype: compare calendar days)."""
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        if _all_dates(values):
            return series.dt.normalize().isin([pd.Timestamp(v) for v in values]) & series.notna()
        tz = getattr(series.dt, "tz", None)
        stamps = [_frame_stamp(v, tz) for v in values]
        return series.isin(stamps)
    return series.isin(list(values))


def _frame_stamp(value: dt.datetime, tz: Any) -> pd.Timestamp:
    import pandas as pd

    stamp = pd.Timestamp(value)
    if tz is None and stamp.tzinfo is not None:
        return stamp.tz_convert("UTC").tz_localize(None)
    if tz is not None and stamp.tzinfo is None:
        return stamp.tz_localize("UTC").tz_convert(tz)
    return stamp
