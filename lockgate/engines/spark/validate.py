"""`lockgate.validate_spark`: a PySpark job checks its own DataFrames with the SQL engine's plan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lockgate.contract.model import Contract
from lockgate.engines.results import ValidationResult
from lockgate.engines.run import Progress, logical_time, run_engine

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


def validate_spark(
    contract: Contract,
    frames: Mapping[str, DataFrame],
    *,
    as_of: dt.datetime | None = None,
    progress: Progress | None = None,
    history: Any = None,
    record: bool = True,
) -> ValidationResult:
    """Validate Spark DataFrames (keyed by the contract's table names) in their own session:
    one fused aggregate per table, samples only for failed rules, as `lockgate check --engine
    spark`. `as_of`, `history` and `record` as in `lockgate.validate`. Each DataFrame is seen
    through a temporary view of its own, dropped afterwards."""
    from lockgate.engines.run import _store
    from lockgate.engines.spark.connector import SparkConnector
    from lockgate.engines.sql.engine import SqlEngine

    as_of = logical_time(as_of)
    with _store(history) as store, SparkConnector.for_frames(frames) as connector:
        engine = SqlEngine(connector)
        engine.name = "spark"
        return run_engine(
            contract, engine, server=None, as_of=as_of, progress=progress, history=store,
            record=record,
        )  # fmt: skip
