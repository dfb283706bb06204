"""One side of a reconciliation: a table on a connector, and the queries run against it.

Every query is one SELECT built from the side's own dialect (see `canonical`): the bucket
summary (one grouped scan), the drill-down into differing buckets, and the sample rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lockgate.connectors.base import Connector
from lockgate.reconcile import canonical

KEY_HASH = "__lockgate_kh"


@dataclass(frozen=True)
class BucketSummary:
    rows: int
    distinct_keys: int
    key_sum: int
    column_sums: tuple[int, ...]
    latest_since: Any = None  # max(since) in the bucket, when a `since` column is given

    @property
    def duplicates(self) -> int:
        return self.rows - self.distinct_keys


@dataclass(frozen=True)
class KeyRow:
    """One row of a drilled bucket: its key text, its key hash, its cell hashes."""

    key_text: str
    cells: tuple[int, ...]
    since: Any = None


@dataclass
class Side:
    role: str  # "source" or "warehouse"
    connector: Connector
    table: str
    types: dict[str, str]  # column -> native type, in table order
    bytes_fetched: int = 0  # rough size of what the queries returned (the cost of reconciling)

    @classmethod
    def open(cls, role: str, connector: Connector, table: str) -> Side | None:
        columns = connector.columns(table)
        if columns is None:
            return None
        return cls(role, connector, table, dict(columns))

    @property
    def dialect(self) -> str:
        return self.connector.dialect

    def family(self, column: str) -> str:
        return canonical.family(self.types[column])

    def where(self) -> str:
        ns = self.connector.namespace
        return f"{ns}.{self.table}" if ns else self.table

    # -- SQL pieces ----------------------------------------------------------------------------

    def _q(self, column: str) -> str:
        return self.connector.quote_column(column)

    def _key_text(self, key: tuple[str, ...]) -> str:
        return canonical.key_text(self.dialect, [(self._q(k), self.family(k)) for k in key])

    def _hashed(
        self, key: tuple[str, ...], columns: tuple[str, ...], since: str | None, buckets: int
    ) -> str:
        """Per row: bucket, key text, key hash, one hash per column (of key text + cell), since."""
        d = self.dialect
        cells = [canonical.cell_text(d, self._q(c), self.family(c)) for c in columns]
        since_sql = self._q(since) if since else "NULL"
        inner = ", ".join(
            [f"{self._key_text(key)} AS kt", f"{since_sql} AS since"]
            + [f"{cell} AS c{i}" for i, cell in enumerate(cells)]
        )
        hashes = ", ".join(
            ["kt", f"{canonical.hash60(d, 'kt')} AS kh", "since"]
            + [
                f"{canonical.hash60(d, f'kt || {canonical.CELL_SEPARATOR} || c{i}')} AS h{i}"
                for i in range(len(cells))
            ]
        )
        table = self.connector.quote_table(self.table)
        return (
            f"SELECT CASE WHEN kh IS NULL THEN -1 ELSE kh % {int(buckets)} END AS bucket, h.* "
            f"FROM (SELECT {hashes} FROM (SELECT {inner} FROM {table}) AS r) AS h"
        )

    # -- queries -------------------------------------------------------------------------------

    def summary(
        self, key: tuple[str, ...], columns: tuple[str, ...], since: str | None, buckets: int
    ) -> dict[int, BucketSummary]:
        """One grouped scan: per bucket the row count, distinct keys and the fingerprint sums.
        Bucket -1 holds the rows whose key has a NULL."""
        sums = "".join(f", sum(h{i}) AS s{i}" for i in range(len(columns)))
        sql = (
            "SELECT bucket, count(*) AS n, count(DISTINCT kh) AS nd, sum(kh) AS k"
            f"{sums}, max(since) AS w "
            f"FROM ({self._hashed(key, columns, since, buckets)}) AS b GROUP BY bucket"
        )
        _names, rows = self.connector.fetch(sql)
        self._count(rows)
        out = {}
        for row in rows:
            bucket, n, nd, k, *rest = row
            out[int(bucket)] = BucketSummary(
                int(n), int(nd), int(k or 0), tuple(int(s or 0) for s in rest[:-1]), rest[-1]
            )
        return out

    def drill(
        self,
        key: tuple[str, ...],
        columns: tuple[str, ...],
        wanted: tuple[int, ...],
        since: str | None,
        buckets: int,
        chosen: list[int],
    ) -> dict[int, list[KeyRow]]:
        """Key hash -> rows, for the rows of the `chosen` buckets; only the hashes of the
        `wanted` column positions come back (the columns whose fingerprints differ)."""
        if not chosen:
            return {}
        cols = "".join(f", h{i}" for i in wanted)
        in_list = ", ".join(str(int(b)) for b in sorted(chosen))
        sql = (
            f"SELECT kh, kt, since{cols} FROM ({self._hashed(key, columns, since, buckets)}) AS b "
            f"WHERE bucket IN ({in_list})"
        )
        _names, rows = self.connector.fetch(sql)
        self._count(rows)
        out: dict[int, list[KeyRow]] = {}
        for kh, kt, since_value, *hashes in rows:
            out.setdefault(int(kh), []).append(
                KeyRow(kt, tuple(int(h) for h in hashes), since_value)
            )
        return out

    def rows_for(
        self, key: tuple[str, ...], columns: tuple[str, ...], hashes: set[int]
    ) -> dict[int, dict[str, Any]]:
        """Key hash -> the raw key and column values of one row with that key (for samples)."""
        if not hashes:
            return {}
        wanted = [c for c in dict.fromkeys(key + columns) if c in self.types]
        select = ", ".join(self._q(c) for c in wanted)
        kh = canonical.hash60(self.dialect, self._key_text(key))
        in_list = ", ".join(str(int(h)) for h in sorted(hashes))
        table = self.connector.quote_table(self.table)
        sql = (
            f"SELECT * FROM (SELECT {kh} AS {KEY_HASH}, {select} FROM {table}) AS s "
            f"WHERE {KEY_HASH} IN ({in_list})"
        )
        _names, rows = self.connector.fetch(sql)
        self._count(rows)
        return {int(row[0]): dict(zip(wanted, row[1:])) for row in rows}

    def null_key_rows(self, key: tuple[str, ...], limit: int) -> list[dict[str, Any]]:
        select = ", ".join(self._q(c) for c in key)
        table = self.connector.quote_table(self.table)
        sql = (
            f"SELECT {select} FROM {table} WHERE ({self._key_text(key)}) IS NULL LIMIT {int(limit)}"
        )
        _names, rows = self.connector.fetch(sql)
        self._count(rows)
        return [dict(zip(key, row)) for row in rows]

    def _count(self, rows: list[tuple]) -> None:
        self.bytes_fetched += sum(len(str(v)) for row in rows for v in row)
