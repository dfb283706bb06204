"""The one Spark session lockgate uses, built from the environment.

- `SPARK_REMOTE` (e.g. `sc://host:15002`): Spark Connect to a real cluster (needs
  `pyspark[connect]`).
- otherwise `LOCKGATE_SPARK_MASTER` (default `local[*]`): a JVM started by pyspark, with the
  Spark catalog's Derby metastore and warehouse under `LOCKGATE_SPARK_WAREHOUSE` (default
  `.lockgate/spark`), so a fresh process finds the tables an earlier one saved, and neither
  `metastore_db/`, `spark-warehouse/` nor `derby.log` lands in the working directory.

A session that is already running (a PySpark job, a test fixture) is used as it is. Nothing here
asks for Maven packages or jars: everything comes from the pyspark wheel.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from lockgate.errors import UsageError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

MASTER_ENV = "LOCKGATE_SPARK_MASTER"
REMOTE_ENV = "SPARK_REMOTE"
WAREHOUSE_ENV = "LOCKGATE_SPARK_WAREHOUSE"
DEFAULT_MASTER = "local[*]"
DEFAULT_WAREHOUSE = os.path.join(".lockgate", "spark")
# Spark, like lockgate's other engines, judges timestamps in UTC (a naive timestamp is UTC)
SESSION_CONF = {"spark.sql.session.timeZone": "UTC"}


def warehouse_dir() -> Path:
    return Path(os.environ.get(WAREHOUSE_ENV) or DEFAULT_WAREHOUSE).absolute()


def local_conf(warehouse: Path) -> dict[str, str]:
    """Static settings of a local session: every file Spark or Derby writes goes under
    `warehouse`; no UI, no Maven resolution."""
    derby = f"-Dderby.system.home={warehouse} -Dderby.stream.error.file={warehouse / 'derby.log'}"
    return {
        "spark.sql.warehouse.dir": str(warehouse / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={warehouse / 'metastore_db'};create=true"
        ),
        "spark.driver.extraJavaOptions": derby,
        # a local session listens on loopback only
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.jars.packages": "",
        # one machine: Spark's default of 200 shuffle partitions made a small check 3x slower
        "spark.sql.shuffle.partitions": str(max(2, os.cpu_count() or 2)),
        "spark.sql.catalogImplementation": "hive",
        **SESSION_CONF,
    }


def spark_session(extra: dict[str, str] | None = None) -> SparkSession:
    """The active session, or a new one from the environment (see the module docstring)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise UsageError(
            "the Spark engine needs pyspark: pip install 'lockgate[spark]' (and Java 17)"
        ) from None
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    remote = os.environ.get(REMOTE_ENV)
    if remote:
        return SparkSession.builder.remote(remote).getOrCreate()
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise UsageError(
            "the Spark engine needs Java 17 (Debian: apt-get install openjdk-17-jre-headless)"
        )
    warehouse = warehouse_dir()
    warehouse.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # read by the JVM before any setting
    builder = SparkSession.builder.master(os.environ.get(MASTER_ENV) or DEFAULT_MASTER)
    builder = builder.appName("lockgate")
    for key, value in {**local_conf(warehouse), **(extra or {})}.items():
        builder = builder.config(key, value)
    session = builder.enableHiveSupport().getOrCreate()
    session.sparkContext.setLogLevel("WARN")
    return session
