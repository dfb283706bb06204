"""The pandera schema the frame engine validates with, as YAML (one document per table)."""

from __future__ import annotations

from lockgate.contract.model import Contract
from lockgate.export.escape import one_line


def render(contract: Contract, options) -> str:
    from lockgate.engines.frame.schema import is_row_level, table_schema

    docs = [
        f"# lockgate {one_line(contract.id)} {one_line(contract.version)}: "
        "pandera schemas used by the frame engine.\n"
        "# Each check reports every failing row; lockgate's judge applies the contract's "
        "thresholds\n"
        "# (e.g. 'at most 5 percent') to those counts."
    ]
    for table in contract.tables:
        rules = contract.rules_for(table.name)
        row_rules = [r for r in rules if is_row_level(r)]
        others = [r for r in rules if not is_row_level(r)]
        header = f"# table {one_line(table.name)}: {len(row_rules)} row-level rules as pandera"
        header += " checks"
        if others:
            names = ", ".join(one_line(r.id) for r in others)
            header += "\n# measured on the whole frame, outside pandera: " + names
        body = table_schema(table.name, row_rules).to_yaml() if row_rules else "{}\n"
        docs.append(f"{header}\n{body}")
    return "\n---\n".join(docs)
