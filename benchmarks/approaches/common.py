"""What every approach's child process shares: the job it was given and metric normalization."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.generate import TABLE
from benchmarks.rules import RuleSpec, first


@dataclass(frozen=True)
class Job:
    approach: str
    db: Path  # the DuckDB file holding `events`
    parquet: Path
    contract: Path  # the generated ODCS contract for `n_rules`
    n_rules: int
    source: str = "duckdb"  # duckdb | parquet: which copy of the table is read
    duckdb_config: dict | None = None  # DuckDB settings for the hand-written approaches

    @property
    def specs(self) -> tuple[RuleSpec, ...]:
        return first(self.n_rules)

    def to_dict(self) -> dict:
        return {k: str(v) if isinstance(v, Path) else v for k, v in self.__dict__.items()}

    @classmethod
    def from_dict(cls, d: dict) -> Job:
        return cls(
            **{k: Path(v) if k in ("db", "parquet", "contract") else v for k, v in d.items()}
        )


def connect(job: Job):
    """A DuckDB connection opened like lockgate opens it: the file read-only, with the settings
    the job carries (lockgate's memory limit, or DuckDB's defaults when the job says `{}`)."""
    import os
    import tempfile

    import duckdb

    config = dict(job.duckdb_config or {})
    if "memory_limit" in config:  # spill where lockgate spills, not next to the data file
        config["temp_directory"] = os.path.join(
            tempfile.gettempdir(), f"benchmark-duckdb-{os.getpid()}"
        )
    if job.source == "parquet":
        return duckdb.connect(":memory:", config=config)
    return duckdb.connect(str(job.db), read_only=True, config=config)


def execute(con, sql: str):
    """As lockgate's DuckDB connector does (`lockgate.connectors.duckdb.execute`,
    not imported so that (a) does not load ibis): within the memory limit, and if DuckDB runs out
    of memory there, with twice the limit, three times, then without a limit."""
    import duckdb

    for _ in range(3):
        try:
            return con.execute(sql)
        except duckdb.OutOfMemoryException:
            number, unit = (
                con.execute("SELECT current_setting('memory_limit')").fetchone()[0].split()
            )
            mib = float(number) * {"KiB": 2**-10, "MiB": 1, "GiB": 2**10, "TiB": 2**20}.get(
                unit, 2**-20
            )
            con.execute(f"SET memory_limit = '{int(mib * 2)}MiB'")
    con.execute("RESET memory_limit")
    return con.execute(sql)


def source_sql(job: Job) -> str:
    if job.source == "parquet":
        return f"read_parquet('{job.parquet}')"
    return TABLE


def normalize(value: Any) -> Any:
    """Numbers as int (all metrics are counts), timestamps to the second as text."""
    if value is None:
        return None
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None, microsecond=0).isoformat(sep=" ")
    if isinstance(value, str):
        return value.replace("T", " ")[:19]
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


_LATEST = re.compile(r"latest (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)")


def lockgate_metrics(report: dict, specs: tuple[RuleSpec, ...]) -> dict:
    """The metric of each catalogue rule, read back from lockgate's JSON report shape."""
    wanted = {s.id for s in specs}
    out = {}
    for r in report["results"]:
        if r["rule"] not in wanted:
            continue  # logicalType rules: answered from metadata, not part of the comparison
        if r["check"] == "rowCount":
            value = r["observed"]
        elif r["check"] == "freshness":
            found = _LATEST.search(str(r["observed"]))
            value = found.group(1) if found else r["observed"]
        else:
            value = r["failed_rows"]
        out[r["rule"]] = normalize(value)
    return out
