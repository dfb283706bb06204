"""The canonical text and hash of each value family are the same in DuckDB, PostgreSQL and Parquet
files (read by DuckDB), whatever the session's time zone."""

from __future__ import annotations

import datetime as dt
import decimal

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lockgate.reconcile import canonical

TZ2 = dt.timezone(dt.timedelta(hours=2))
UTC = dt.UTC
D = decimal.Decimal
# column -> (DuckDB type, PostgreSQL type, pyarrow type, values, canonical texts)
CASES = {
    "i": ("BIGINT", "BIGINT", pa.int64(), [0, -7, 9007199254740993],
          ["0", "-7", "9007199254740993"]),
    "n": ("DECIMAL(12,4)", "NUMERIC(12,4)", pa.decimal128(12, 4), [D("1.5"), D("2"), D("-0.01")],
          ["1.5", "2", "-0.01"]),
    "f": ("DOUBLE", "DOUBLE PRECISION", pa.float64(), [0.1, 2.5, -3.0], ["0.1", "2.5", "-3"]),
    "b": ("BOOLEAN", "BOOLEAN", pa.bool_(), [True, False, True], ["true", "false", "true"]),
    "d": ("DATE", "DATE", pa.date32(),
          [dt.date(2026, 2, 3), dt.date(1999, 12, 31), dt.date(2026, 1, 1)],
          ["2026-02-03", "1999-12-31", "2026-01-01"]),
    "t": ("TIMESTAMP", "TIMESTAMP", pa.timestamp("us"),
          [dt.datetime(2026, 2, 3, 4, 5, 6, 789000), dt.datetime(2026, 1, 1),
           dt.datetime(1999, 12, 31, 23, 59, 59, 1)],
          ["2026-02-03T04:05:06.789000", "2026-01-01T00:00:00.000000",
           "1999-12-31T23:59:59.000001"]),
    "z": ("TIMESTAMPTZ", "TIMESTAMPTZ", pa.timestamp("us", tz="UTC"),
          [dt.datetime(2026, 2, 3, 4, 5, 6, tzinfo=TZ2), dt.datetime(2026, 1, 1, tzinfo=UTC),
           dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC)],
          ["2026-02-03T02:05:06.000000Z", "2026-01-01T00:00:00.000000Z",
           "2026-03-29T01:30:00.000000Z"]),
    "s": ("VARCHAR", "TEXT", pa.string(), ["héllo", "", "a'b"], ["héllo", "", "a'b"]),
}  # fmt: skip
ROWS = [tuple(case[3][i] for case in CASES.values()) for i in range(3)] + [
    tuple(None for _ in CASES)
]


def _select(dialect: str, natives: dict[str, str], table: str) -> str:
    parts = []
    for name in CASES:
        fam = canonical.family(natives[name])
        cell = canonical.cell_text(dialect, f'"{name}"', fam)
        parts += [f"{cell} AS {name}", f"{canonical.hash60(dialect, cell)} AS h_{name}"]
    return f"SELECT {', '.join(parts)} FROM {table}"


def _expected() -> list[tuple]:
    out = []
    for i in range(3):
        cells = ["=" + case[4][i] for case in CASES.values()]
        out.append(cells)
    out.append(["!"] * len(CASES))
    return sorted(
        tuple(c for cell in row for c in (cell, canonical.hash60_python(cell))) for row in out
    )


def _duck_rows(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    natives = dict(
        con.execute(
            f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {table})"
        ).fetchall()
    )
    return sorted(con.execute(_select("duckdb", natives, table)).fetchall())


def test_duckdb_table():
    con = duckdb.connect()
    con.execute("SET TimeZone = 'America/New_York'")
    con.execute("CREATE TABLE v (" + ", ".join(f'"{n}" {c[0]}' for n, c in CASES.items()) + ")")
    con.executemany(f"INSERT INTO v VALUES ({', '.join('?' for _ in CASES)})", ROWS)
    assert _duck_rows(con, "v") == _expected()


def test_parquet_file(tmp_path):
    # aware datetimes go to pyarrow in UTC: how pyarrow converts another offset has varied with
    # the process's state (a CI run stored 04:05+02:00 as 04:05Z); the file is what is tested
    columns = [
        [v.astimezone(UTC) if isinstance(v, dt.datetime) and v.tzinfo else v for v in column]
        for column in zip(*ROWS)
    ]
    arrays = {n: pa.array(columns[i], c[2]) for i, (n, c) in enumerate(CASES.items())}
    path = tmp_path / "v.parquet"
    pq.write_table(pa.table(arrays), path)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Kolkata'")
    assert _duck_rows(con, f"read_parquet('{path}')") == _expected()


def test_postgres_table(pg_schema):
    con, schema = pg_schema
    con.execute("SET TimeZone = 'Asia/Tokyo'")
    con.execute(
        f'CREATE TABLE "{schema}".v (' + ", ".join(f'"{n}" {c[1]}' for n, c in CASES.items()) + ")"
    )
    with con.cursor() as cur:
        cur.executemany(f'INSERT INTO "{schema}".v VALUES ({", ".join("%s" for _ in CASES)})', ROWS)
    natives = dict(
        con.execute(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
            "JOIN pg_class c ON a.attrelid = c.oid JOIN pg_namespace n ON c.relnamespace = n.oid "
            "WHERE n.nspname = %s AND c.relname = 'v' AND a.attnum > 0",
            (schema,),
        ).fetchall()
    )
    rows = con.execute(_select("postgres", natives, f'"{schema}".v')).fetchall()
    assert sorted(rows) == _expected()


@pytest.mark.parametrize(
    "native, family",
    [("INTEGER", "integer"), ("bigint", "integer"), ("numeric(10,2)", "decimal"),
     ("DECIMAL(18,3)", "decimal"), ("double precision", "float"),
     ("timestamp with time zone", "timestamptz"), ("TIMESTAMP_NS", "timestamp"),
     ("timestamp without time zone", "timestamp"), ("character varying(20)", "string"),
     ("UUID", "other")],
)  # fmt: skip
def test_type_families(native, family):
    assert canonical.family(native) == family


def test_numbers_compare_across_families_and_time_zones_do_not():
    assert canonical.comparable("integer", "decimal") and canonical.comparable("float", "integer")
    assert not canonical.comparable("timestamp", "timestamptz")
    assert not canonical.comparable("string", "integer")


def test_a_dialect_without_canonical_sql_is_refused_by_name():
    """Spark (and any dialect not in canonical.DIALECTS) is never compared through another
    dialect's functions: the rule says why instead (lockgate.reconcile.run)."""
    assert canonical.unsupported("duckdb") is None and canonical.unsupported("postgres") is None
    reason = canonical.unsupported("pyspark")
    assert reason == "reconcile runs on duckdb and postgres servers, not on pyspark"
    with pytest.raises(ValueError, match="not on pyspark"):
        canonical.value_text("pyspark", '"d"', "date")
    with pytest.raises(ValueError, match="not on pyspark"):
        canonical.hash60("pyspark", "kt")
