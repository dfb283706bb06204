"""One local Spark session for the whole test session, and data files Spark and DuckDB share.

Spark needs Java and pyspark: without them Spark tests skip with the reason, except under CI=true,
where they must run (.ci/run installs Java). The session is small on purpose (2 cores, 2 shuffle
partitions, no UI): a JVM start costs seconds, a test must not pay it again.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest


def require_spark() -> None:
    reason = None
    try:
        import pyspark  # noqa: F401
    except ImportError:
        reason = "pyspark is not installed (pip install 'lockgate[spark]')"
    if reason is None and shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        reason = "Java is not installed (Debian: apt-get install openjdk-17-jre-headless)"
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true requires Spark: {reason}")
    pytest.skip(reason)


TEST_CONF = {
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
}


@pytest.fixture(scope="session")
def spark(tmp_path_factory):
    require_spark()
    from lockgate.engines.spark import session as spark_session_module

    warehouse = tmp_path_factory.mktemp("spark-warehouse")
    previous = os.environ.get(spark_session_module.WAREHOUSE_ENV)
    os.environ[spark_session_module.WAREHOUSE_ENV] = str(warehouse)
    os.environ.setdefault(spark_session_module.MASTER_ENV, "local[2]")
    session = spark_session_module.spark_session(TEST_CONF)
    yield session
    session.stop()
    if previous is None:
        os.environ.pop(spark_session_module.WAREHOUSE_ENV, None)


def write_files(directory: Path, frames: dict, fmt: str = "parquet") -> Path:
    """Each pandas frame as `<directory>/<table>.<fmt>`, written by DuckDB (Parquet keeps the
    types; CSV leaves each engine to infer them)."""
    directory.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        for name, df in frames.items():
            con.register("frame_to_copy", df)
            options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
            target = str(directory / f"{name}.{fmt}").replace("'", "''")
            con.execute(f"COPY frame_to_copy TO '{target}' ({options})")
            con.unregister("frame_to_copy")
    finally:
        con.close()
    return directory


def with_servers(contract_text: str, servers: str) -> str:
    """`contract_text` with more servers before its first one (YAML, indented as a list item)."""
    return contract_text.replace("servers:\n", "servers:\n" + servers, 1)


def files_server(name: str, directory: Path, fmt: str) -> str:
    path = f"{directory}/{{object}}.{fmt}"
    return f'  - server: {name}\n    type: local\n    format: {fmt}\n    path: "{path}"\n'


def catalog_server(name: str, schema: str) -> str:
    kind = "type: databricks\n    catalog: spark_catalog"
    return f"  - server: {name}\n    {kind}\n    schema: {schema}\n"
