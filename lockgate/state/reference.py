"""Reference profiles: the reviewable JSON file a drift rule compares a column with.

`lockgate profile CONTRACT --server S --output FILE` writes one from the training data; a drift
rule names it (`reference: FILE`, relative to the contract). The file is deterministic (same data,
same bytes): tables and columns in contract order, summaries in the fixed key order of
`lockgate.profile.drift.summary_to_dict`, no timestamps. Regenerating it is a reviewed change.

    {
      "lockgateReferenceProfile": 1,
      "contract": {"id": "orders", "version": "1.2.0"},
      "source": "server duck",
      "tables": {"orders": {"rowCount": 200, "columns": {"amount": {"kind": "numeric", ...}}}}
    }
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from lockgate.profile.drift import (
    CategoricalSummary,
    NumericSummary,
    summary_from_dict,
    summary_to_dict,
)

FORMAT_VERSION = 1
FORMAT_KEY = "lockgateReferenceProfile"

Summary = NumericSummary | CategoricalSummary


class InvalidReferenceFile(ValueError):
    """A reference file that cannot be read as a lockgate reference profile."""


@dataclass
class TableReference:
    row_count: int
    columns: dict[str, Summary] = field(default_factory=dict)


@dataclass
class ReferenceProfile:
    contract_id: str
    contract_version: str
    source: str
    tables: dict[str, TableReference] = field(default_factory=dict)

    def summary(self, table: str, column: str) -> Summary | None:
        found = self.tables.get(table)
        return None if found is None else found.columns.get(column)

    def to_json(self) -> str:
        data = {
            FORMAT_KEY: FORMAT_VERSION,
            "contract": {"id": self.contract_id, "version": self.contract_version},
            "source": self.source,
            "tables": {
                name: {
                    "rowCount": t.row_count,
                    "columns": {c: summary_to_dict(s) for c, s in t.columns.items()},
                }
                for name, t in self.tables.items()
            },
        }
        return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def load_reference(path: str | Path) -> ReferenceProfile:
    """Read a reference file; FileNotFoundError when absent, InvalidReferenceFile when malformed."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidReferenceFile(f"not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get(FORMAT_KEY) != FORMAT_VERSION:
        raise InvalidReferenceFile(
            f"expected a JSON object with {FORMAT_KEY}: {FORMAT_VERSION} (written by "
            "`lockgate profile`)"
        )
    contract = data.get("contract") or {}
    profile = ReferenceProfile(
        str(contract.get("id", "")), str(contract.get("version", "")), str(data.get("source", ""))
    )
    tables = data.get("tables")
    if not isinstance(tables, dict):
        raise InvalidReferenceFile("'tables' must be an object")
    for name, raw in tables.items():
        columns = raw.get("columns") if isinstance(raw, dict) else None
        if not isinstance(columns, dict):
            raise InvalidReferenceFile(f"table {name}: 'columns' must be an object")
        table = TableReference(int(raw.get("rowCount") or 0))
        for column, summary in columns.items():
            try:
                table.columns[column] = summary_from_dict(summary)
            except (TypeError, ValueError) as exc:
                raise InvalidReferenceFile(f"{name}.{column}: {exc}") from None
        profile.tables[name] = table
    return profile
