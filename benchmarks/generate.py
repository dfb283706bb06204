"""Generate the benchmark table `events` (12 columns of mixed types) with DuckDB SQL.

Every value is a function of the row number and the seed (DuckDB's `hash`), so the same
`--rows/--seed` give the same table with this DuckDB version, and 10M rows take seconds instead of
the minutes a Python loop would. The data is clean for every error rule of the benchmark contract
but carries small, seeded amounts of nulls, invalid codes, malformed and repeated addresses, so the
metrics compared across approaches are not all zero and no rule fails (a failing rule would make
lockgate fetch samples, which the hand-written query does not).

    python -m benchmarks.generate --rows 1000000
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from benchmarks.paths import DATA

TABLE = "events"
DEFAULT_SEED = 42
USERS = 200_000  # user_id cycles over this many users; (user_id, seq) is a unique pair
COUNTRIES = ["DE", "FR", "NL", "ES", "IT", "PL", "SE", "AT", "BE", "DK", "PT", "IE"]
STATUSES = ["new", "paid", "shipped", "cancelled", "refunded"]
DOMAINS = ["example.com", "mail.test", "corp.example"]

# `p` is a permutation of 0..n-1 (7919 is prime and shares no factor with 2 or 5, so with any
# n = 2^a 5^b, the usual round row counts, it is a bijection; `_check_rows` enforces that).
# `h(i, k)` is row i of the independent pseudo-random stream k (a non-negative BIGINT).
_MACRO = "CREATE OR REPLACE TEMP MACRO h(i, k) AS CAST(hash(i, {seed}, k) % 1000000007 AS BIGINT)"
_SELECT = """
WITH base AS (
    SELECT i, (i * 7919 + {seed}) % {n} AS p FROM range({n}) AS r(i)
)
SELECT
    i + 1                                                         AS event_id,
    CAST(p % {users} + 1 AS INTEGER)                              AS user_id,
    CAST(p // {users} AS INTEGER)                                 AS seq,
    CASE
        WHEN h(i, 1) % 500 = 0 THEN NULL                               -- 0.2 % null
        WHEN i % 100000 = 99999 THEN 'u' || (i - 1) || '@' || {domains}[1 + (i - 1) % 3]  -- repeats the previous row
        WHEN i % 50000 = 12345 THEN 'u' || i || '.' || {domains}[1 + i % 3]      -- no @: malformed
        ELSE 'u' || i || '@' || {domains}[1 + i % 3]
    END                                                           AS email,
    CASE
        WHEN h(i, 2) % 200 = 0 THEN NULL                               -- 0.5 % null
        WHEN i % 10000 = 1017 THEN 'XX'                                           -- not a valid code
        WHEN i % 10000 = 6017 THEN 'zz'                                         -- nor a code at all
        WHEN i % 20000 = 1333 THEN 'N/A'                                         -- a placeholder
        ELSE {countries}[1 + h(i, 3) % {n_countries}]
    END                                                           AS country,
    {statuses}[1 + h(i, 4) % {n_statuses}]             AS status,
    CASE
        WHEN h(i, 5) % 100 = 0 THEN NULL                               -- 1 % null
        ELSE CAST(h(i, 6) % 1000000 AS DOUBLE) / 100
    END                                                           AS amount,
    CAST(1 + h(i, 7) % 20 AS INTEGER)                  AS quantity,
    'SKU-' || lpad(CAST(h(i, 8) % 1000000 AS VARCHAR), 6, '0') AS sku,
    h(i, 9) % 97 = 0                                   AS is_test,
    CAST(TIMESTAMP '2025-01-01 00:00:00' + to_seconds(CAST(i * 31535999 // {n} AS BIGINT)) AS DATE) AS event_date,
    TIMESTAMP '2025-01-01 00:00:00' + to_seconds(CAST(i * 31535999 // {n} AS BIGINT))  AS created_at
FROM base
ORDER BY i
"""


def _list(values: list[str]) -> str:
    return "[" + ", ".join("'" + v + "'" for v in values) + "]"


def select_sql(rows: int, seed: int = DEFAULT_SEED) -> str:
    _check_rows(rows)
    return _SELECT.format(
        n=rows,
        seed=seed,
        users=USERS,
        domains=_list(DOMAINS),
        countries=_list(COUNTRIES),
        n_countries=len(COUNTRIES),
        statuses=_list(STATUSES),
        n_statuses=len(STATUSES),
    )


def _check_rows(rows: int) -> None:
    if rows < 1 or rows % 7919 == 0:
        raise ValueError(f"rows must be positive and not a multiple of 7919, got {rows}")


def paths_for(rows: int, data_dir: Path = DATA) -> tuple[Path, Path]:
    return data_dir / f"{TABLE}_{rows}.duckdb", data_dir / f"{TABLE}_{rows}.parquet"


def generate(
    rows: int, seed: int = DEFAULT_SEED, data_dir: Path = DATA, force: bool = False
) -> tuple[Path, Path]:
    """Write `events` into a DuckDB file and a Parquet file; reuse them when already generated
    with the same rows, seed and DuckDB version (a marker file records those)."""
    import duckdb

    data_dir.mkdir(parents=True, exist_ok=True)
    db_path, parquet_path = paths_for(rows, data_dir)
    marker = db_path.with_suffix(".json")
    wanted = {"rows": rows, "seed": seed, "duckdb": duckdb.__version__, "generator": 2}
    if not force and db_path.exists() and parquet_path.exists() and marker.exists():
        if json.loads(marker.read_text()) == wanted:
            return db_path, parquet_path
    for stale in (db_path, parquet_path, marker, db_path.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    started = time.perf_counter()
    tmp = db_path.with_suffix(".tmp.duckdb")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        con.execute(_MACRO.format(seed=seed))
        con.execute(f"CREATE TABLE {TABLE} AS {select_sql(rows, seed)}")
        con.execute(f"COPY {TABLE} TO '{parquet_path}' (FORMAT parquet, COMPRESSION zstd)")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    tmp.replace(db_path)  # only a complete file gets the final name
    marker.write_text(json.dumps(wanted))
    print(
        f"generated {rows:,} rows into {db_path.name} and {parquet_path.name} in {time.perf_counter() - started:.1f}s",
        flush=True,
    )
    return db_path, parquet_path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--data", type=Path, default=DATA, help="output directory (default benchmarks/data)"
    )
    parser.add_argument("--force", action="store_true", help="regenerate even if the files exist")
    args = parser.parse_args()
    for path in generate(args.rows, args.seed, args.data, args.force):
        print(path)


if __name__ == "__main__":
    main()
