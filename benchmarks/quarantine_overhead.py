"""The cost of a quarantine policy: `lockgate.validate` on a DuckDB table of N rows (default 5M)
with and without a policy, alternating, fresh data from a seed. The goal is <= 1.5x the check alone.

    .venv/bin/python -m benchmarks.quarantine_overhead --rows 5000000 --repeat 3

About 0.5% of the rows break one rule (bad price, unknown status, orphan professional, and -- unless
`--no-duplicates` -- a repeated quote id), so the policy has rows to single out: the worst case
for its extra query. A rule that fails no row is left out of that query.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

CONTRACT = """
apiVersion: v3.1.0
kind: DataContract
id: bench-quotes
version: 1.0.0
status: active
servers:
  - server: duck
    type: duckdb
    database: "{db}"
schema:
  - name: professionals
    properties:
      - name: professional_id
        logicalType: integer
        primaryKey: true
  - name: quotes
{policy}    properties:
      - name: quote_id
        logicalType: integer
        primaryKey: true
      - name: professional_id
        logicalType: integer
        required: true
        relationships:
          - to: professionals.professional_id
      - name: price_eur
        logicalType: number
        required: true
        logicalTypeOptions: {{minimum: 1, maximum: 5000}}
      - name: status
        logicalType: string
        quality:
          - metric: invalidValues
            arguments: {{validValues: [sent, accepted, declined]}}
            mustBe: 0
      - name: quoted_at
        logicalType: timestamp
        required: true
"""

POLICY = """    quality:
      - type: custom
        engine: lockgate
        implementation: {check: quarantine, maxRate: 0.01, orderBy: [quoted_at]}
"""


def generate(db: Path, rows: int, seed: int = 7, duplicates: bool = True) -> None:
    con = duckdb.connect(str(db))
    try:
        con.execute(f"SELECT setseed({seed / 100})")
        con.execute(
            "CREATE TABLE professionals AS SELECT range AS professional_id FROM range(10000)"
        )
        con.execute(
            f"""
            CREATE TABLE quotes AS
            SELECT
                CASE WHEN {"range % 800 = 7" if duplicates else "false"}
                    THEN range - 1 ELSE range END AS quote_id,
                CASE WHEN range % 800 = 3 THEN 99999 ELSE (range * 7919) % 10000 END
                    AS professional_id,
                CASE WHEN range % 800 = 5 THEN -1.0 ELSE 1 + (range * 31) % 4000 END::DOUBLE
                    AS price_eur,
                CASE WHEN range % 800 = 1 THEN 'lost'
                    ELSE ['sent', 'accepted', 'declined'][1 + range % 3] END AS status,
                TIMESTAMP '2026-01-01' + to_seconds(range % 8640000) AS quoted_at
            FROM range({rows})
            """
        )
    finally:
        con.close()


def timed(contract) -> tuple[float, float, bool]:
    import lockgate

    wall, cpu = time.perf_counter(), time.process_time()
    result = lockgate.validate(contract)
    return time.perf_counter() - wall, time.process_time() - cpu, result.passed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--no-duplicates",
        action="store_true",
        help="no repeated quote ids (the primary-key rule then costs nothing)",
    )
    args = parser.parse_args()

    import lockgate

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = folder / "bench.duckdb"
        generate(db, args.rows, duplicates=not args.no_duplicates)
        contracts = {}
        for name, policy in (("check", ""), ("check+quarantine", POLICY)):
            path = folder / f"{name}.odcs.yaml"
            path.write_text(CONTRACT.format(db=db, policy=policy), encoding="utf-8")
            contracts[name] = lockgate.load_contract(path)
        timed(contracts["check"])  # warm the file cache and the imports
        walls: dict[str, list[float]] = {name: [] for name in contracts}
        cpus: dict[str, list[float]] = {name: [] for name in contracts}
        verdicts = {}
        for _ in range(args.repeat):
            for name, contract in contracts.items():  # alternate, so load drifts hit both alike
                wall, cpu, passed = timed(contract)
                walls[name].append(wall)
                cpus[name].append(cpu)
                verdicts[name] = passed
    figures = {
        "rows": args.rows,
        "duplicates": not args.no_duplicates,
        "repeat": args.repeat,
        "median_s": {n: round(statistics.median(v), 3) for n, v in walls.items()},
        "min_s": {n: round(min(v), 3) for n, v in walls.items()},
        "cpu_median_s": {n: round(statistics.median(v), 3) for n, v in cpus.items()},
        "passed": verdicts,
    }
    figures["ratio_median"] = round(
        figures["median_s"]["check+quarantine"] / figures["median_s"]["check"], 2
    )
    figures["ratio_min"] = round(
        figures["min_s"]["check+quarantine"] / figures["min_s"]["check"], 2
    )
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
