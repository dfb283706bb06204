"""Quickstart: land a small table, check it, break it, check it again.

uv run python -m examples.quickstart
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb

HERE = Path(__file__).parent
CONTRACT = HERE / "readings.odcs.yaml"


def land(path: Path, *, broken: bool) -> None:
    """48 hours of readings for 50 meters, ending now; `broken` plays an upstream bug."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute(
        """
        CREATE OR REPLACE TABLE readings AS
        SELECT row_number() OVER () AS reading_id,
               printf('M-%05d', m) AS meter_id,
               round(0.2 + (hash(m, h) % 1000) / 100.0, 2) AS kwh,
               CASE WHEN h % 24 BETWEEN 8 AND 20 THEN 'peak' ELSE 'offpeak' END AS tariff,
               date_trunc('hour', now()::TIMESTAMP) - to_hours(h) AS read_at
        FROM range(50) AS meters(m), range(48) AS hours(h)
        """
    )
    if broken:
        # a unit change upstream (Wh instead of kWh) and a retried batch landing twice
        con.execute("UPDATE readings SET kwh = kwh * 1000 WHERE reading_id % 7 = 0")
        con.execute(
            "INSERT INTO readings SELECT reading_id + 100000, meter_id, kwh, tariff, read_at FROM readings WHERE meter_id = 'M-00003'"
        )
        con.execute("UPDATE readings SET tariff = 'PEAK' WHERE reading_id % 11 = 0")
    con.close()


def lockgate(*args: str) -> int:
    print(f"\n$ lockgate {' '.join(args)}", flush=True)
    return subprocess.call([sys.executable, "-m", "lockgate.cli", *args])


def main() -> int:
    db = Path(os.environ.get("LOCKGATE_QUICKSTART_DB", "warehouse/quickstart.duckdb"))
    os.environ["LOCKGATE_QUICKSTART_DB"] = str(db)
    print(f"1. Landing clean readings into {db}")
    land(db, broken=False)
    if lockgate("lint", str(HERE)) != 0:
        return 1
    clean = lockgate("check", str(CONTRACT))
    print("\n2. An upstream job changes units and replays a batch")
    land(db, broken=True)
    broken = lockgate("check", str(CONTRACT))
    ok = clean == 0 and broken == 1
    print(
        "\nQuickstart:",
        "the contract passed on clean data and caught the broken load (exit 1)."
        if ok
        else "UNEXPECTED RESULT",
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
