"""A window of the prediction log as the DataFrames the monitoring contract describes."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from lockgate.errors import UsageError
from lockgate.ml.spec import ModelSpec
from lockgate.monitor.contract import PREDICTION, predictions_table, requests_table
from lockgate.serve.prediction_log import connect, timestamp


@dataclass(frozen=True)
class Window:
    start: dt.datetime  # inclusive
    end: dt.datetime  # exclusive: the load's logical time

    @property
    def key(self) -> str:
        """The load this window is: the same window checked again is the same load."""
        return f"{timestamp(self.start)}/{timestamp(self.end)}"


def window_ending(end: dt.datetime, length: dt.timedelta) -> Window:
    return Window(end - length, end)


def require_log(log: str | Path) -> None:
    if not Path(log).exists():
        raise UsageError(f"no prediction log at {log} (lockgate serve --log writes it)")


def read_window(
    log: str | Path,
    spec: ModelSpec,
    window: Window,
    version: str | None = None,
    integers: tuple[str, ...] = (),
) -> dict[str, pd.DataFrame]:
    """Frames keyed by the monitoring contract's table names (`integers`: the features typed
    integer, kept integer with nulls). Reads through a read-only connection: the server keeps
    writing meanwhile (WAL)."""
    require_log(log)
    bounds = [spec.name, timestamp(window.start), timestamp(window.end)]
    version_sql = " AND version = ?" if version else ""
    con = connect(log, readonly=True)
    try:
        rows = con.execute(
            "SELECT features, prediction FROM predictions WHERE model = ? AND logged_at >= ? "
            f"AND logged_at < ?{version_sql} ORDER BY logged_at, request_id, record_index",
            bounds + ([version] if version else []),
        ).fetchall()
        requests = con.execute(
            "SELECT request_id, rejected FROM requests WHERE model = ? AND logged_at >= ? "
            "AND logged_at < ? AND (rejected = 1 OR version IS NULL"
            f"{' OR version = ?' if version else ' OR 1 = 1'}) ORDER BY logged_at, request_id",
            bounds + ([version] if version else []),
        ).fetchall()
    finally:
        con.close()
    records = [json.loads(features) for features, _ in rows]
    predictions = pd.DataFrame.from_records(records, columns=list(spec.features))
    for column in spec.numeric:
        values = pd.to_numeric(predictions[column], errors="coerce")
        predictions[column] = values.astype("Int64" if column in integers else "float64")
    predictions[PREDICTION] = pd.Series([p for _, p in rows], dtype="float64")
    frame_requests = pd.DataFrame(
        {
            "request_id": pd.Series([r for r, _ in requests], dtype=object),
            "rejected": pd.Series([bool(x) for _, x in requests], dtype=bool),
        }
    )
    return {predictions_table(spec): predictions, requests_table(spec): frame_requests}
