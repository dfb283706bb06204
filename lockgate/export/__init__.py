"""Exports of a contract, one module per target format (`lockgate export --to FORMAT`).

Each exporter module defines `render(contract, options) -> str`. Keeping one file per format
means a new target is a new file, not a new branch in shared code.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from lockgate.contract.model import Contract

EXPORTERS = {
    "sql": "lockgate.export.sql",
    "pandera": "lockgate.export.pandera",
    "dbt": "lockgate.export.dbt",
    "gx": "lockgate.export.gx",
}


@dataclass(frozen=True)
class ExportOptions:
    server: str | None = None
    offline: bool = False  # do not connect; take column types from the contract
    output: str | None = None  # where the export will be written (recorded in generated headers)
    dbt_source: str | None = None  # dbt: describe the tables as tables of this dbt source
    dbt_schema: str | None = None  # dbt: the source's schema (may be Jinja)
    valid: bool = (
        False  # the quarantine policy's valid/quarantine relations (sql views, dbt models)
    )


def export(contract: Contract, fmt: str, options: ExportOptions = ExportOptions()) -> str:
    try:
        module = importlib.import_module(EXPORTERS[fmt])
    except KeyError:
        raise ValueError(
            f"unknown export format {fmt!r}; expected one of {', '.join(EXPORTERS)}"
        ) from None
    return module.render(contract, options)


def notes(contract: Contract, fmt: str, options: ExportOptions = ExportOptions()) -> list[str]:
    """Remarks for stderr (e.g. rules the format cannot express), from an optional `notes` of the module."""
    module = importlib.import_module(EXPORTERS[fmt])
    describe = getattr(module, "notes", None)
    return describe(contract, options) if describe else []


def register(fmt: str, module: str) -> None:
    EXPORTERS[fmt] = module
