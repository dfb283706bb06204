"""The simulator's memory, kept in the warehouse so a later process continues where it stopped.

`_simulator_state` (one row): the seed, scale and start date that make the truth replayable, the
last landed day, and which tables a failure left dirty. `_simulator_loads`: one row per table
and load, with the failures it carried; `status` reads it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from lockgate import clock

from .config import generator_fingerprint
from .schema import BOOL, DATE, DOUBLE, INT, LOADS_TABLE, STATE_TABLE, STRING, TIMESTAMP
from .writers.base import Writer

FORMAT_VERSION = 1

STATE_COLUMNS = {
    "format_version": INT,
    "seed": INT,
    "scale": DOUBLE,
    "start_date": DATE,
    "last_day": DATE,
    "generator": STRING,
    "dirty_tables": STRING,
    "updated_wallclock": TIMESTAMP,
}

LOADS_COLUMNS = {
    "load_day": DATE,
    "table_name": STRING,
    "loaded_at": TIMESTAMP,
    "rows_inserted": INT,
    "rows_updated": INT,
    "rows_deleted": INT,
    "failures": STRING,
    "repaired": BOOL,
    "skipped": BOOL,
    "landed_wallclock": TIMESTAMP,
}


@dataclass
class SimState:
    seed: int
    scale: float
    start_date: dt.date
    last_day: dt.date | None = None
    dirty: set[str] = field(default_factory=set)
    generator: str = field(default_factory=generator_fingerprint)

    @property
    def next_day(self) -> dt.date:
        return self.start_date if self.last_day is None else self.last_day + dt.timedelta(days=1)

    @property
    def days_landed(self) -> int:
        return 0 if self.last_day is None else (self.last_day - self.start_date).days + 1


def ensure_tables(writer: Writer) -> None:
    writer.create_table(STATE_TABLE, STATE_COLUMNS)
    writer.create_table(LOADS_TABLE, LOADS_COLUMNS)


def read_state(writer: Writer) -> SimState | None:
    if STATE_TABLE not in writer.tables():
        return None
    generator = "generator" if "generator" in writer.columns(STATE_TABLE) else "'unknown'"
    rows = writer.fetchall(
        f"SELECT format_version, seed, scale, start_date, last_day, dirty_tables, {generator} "
        f"FROM {writer.qualified(STATE_TABLE)}"
    )
    if not rows:
        return None
    version, seed, scale, start, last, dirty, generator = rows[0]
    if version != FORMAT_VERSION:
        raise RuntimeError(
            f"warehouse state has format {version}, this simulator writes "
            f"{FORMAT_VERSION}: reset it"
        )
    return SimState(
        int(seed),
        float(scale),
        _as_date(start),
        _as_date(last) if last else None,
        set(filter(None, (dirty or "").split(","))),
        generator,
    )


def write_state(writer: Writer, state: SimState) -> None:
    writer.execute(f"DELETE FROM {writer.qualified(STATE_TABLE)}")
    row = {
        "format_version": FORMAT_VERSION,
        "seed": state.seed,
        "scale": state.scale,
        "start_date": state.start_date,
        "last_day": state.last_day,
        "generator": state.generator,
        "dirty_tables": ",".join(sorted(state.dirty)),
        "updated_wallclock": _now(),
    }
    writer.insert_rows(STATE_TABLE, [row], STATE_COLUMNS)


def log_loads(writer: Writer, rows: list[dict]) -> None:
    now = _now()
    writer.insert_rows(LOADS_TABLE, [r | {"landed_wallclock": now} for r in rows], LOADS_COLUMNS)


def _now() -> dt.datetime:
    # lockgate's clock, not the system's: two landings of the same days under the same clock
    # write identical bookkeeping rows too
    return clock.now_naive()


def read_loads(writer: Writer) -> pd.DataFrame:
    if LOADS_TABLE not in writer.tables():
        return pd.DataFrame(columns=list(LOADS_COLUMNS))
    return writer.read_frame(
        f"SELECT * FROM {writer.qualified(LOADS_TABLE)} ORDER BY load_day, "
        "landed_wallclock, table_name"
    )


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(value).date()
