"""Contracts and DuckDB files written into a test's tmp_path."""

from __future__ import annotations

import textwrap
from pathlib import Path

import duckdb


def write_contract(directory: Path, text: str, name: str = "contract.odcs.yaml") -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def duckdb_with(path: Path, tables: dict, schema: str = "main") -> Path:
    """Create a DuckDB file holding the given pandas frames as tables."""
    con = duckdb.connect(str(path))
    try:
        if schema != "main":
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        for name, df in tables.items():
            con.register("frame_to_copy", df)
            con.execute(
                f'CREATE OR REPLACE TABLE "{schema}"."{name}" AS SELECT * FROM frame_to_copy'
            )
            con.unregister("frame_to_copy")
    finally:
        con.close()
    return path
