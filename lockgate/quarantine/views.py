"""The valid and quarantine relations of every table with a policy, as SQL views and dbt models.

Both are compiled from `lockgate.quarantine.sql.annotated`, i.e. from the checks' own predicates:
`<table>__valid` holds the rows no quarantining rule flags, `<table>__quarantine` the others with
the ids of the rules they broke in `lockgate_rules`.
"""

from __future__ import annotations

import re

import ibis

from lockgate.contract.model import Contract, Table
from lockgate.errors import LockgateError
from lockgate.export.escape import dbt_safe_name, jinja_literal, one_line
from lockgate.quarantine import sql as q

VALID, QUARANTINE = "{}__valid", "{}__quarantine"


def relations(connector, contract: Contract, table: Table, source=None):
    """(valid, quarantine) ibis relations of a table with a policy; None without one.
    `source(name)` gives the ibis table for a physical name (default: the connector's)."""
    policy = contract.quarantine_policy(table.name)
    if policy is None:
        return None
    source = source or connector.table_expr
    t = source(table.physical_name)
    if t is None:
        raise LookupError(f"table {table.physical_name} does not exist")
    rules = [r for r in contract.rules_for(table.name) if r.id in policy.rule_ids]
    annotated, names = q.annotated(source, table, t, rules, policy)
    columns = [c.physical_name for c in table.columns if c.physical_name in t.columns]
    return q.valid(annotated, names, columns), q.quarantined(annotated, names, columns)


def render_sql(contract: Contract, connector, source_note: str) -> str:
    """`lockgate export CONTRACT --to sql --valid`: CREATE VIEW statements."""
    lines = [
        f"-- lockgate {one_line(contract.id)} {one_line(contract.version)}: clean and held rows",
        f"-- column types from {one_line(source_note)}",
    ]
    for table in contract.tables:
        pair = relations(connector, contract, table)
        if pair is None:
            continue
        for name, expr in zip((VALID, QUARANTINE), pair):
            view = connector.quote_table(name.format(table.physical_name))
            lines += [
                "",
                f"CREATE OR REPLACE VIEW {view} AS",
                connector.to_sql(expr).rstrip().rstrip(";") + ";",
            ]
    if len(lines) == 2:
        lines.append("-- no table of this contract has a quarantine policy")
    return "\n".join(lines) + "\n"


def dbt_models(
    contract: Contract, connector, ref: str = "ref", source_name: str | None = None
) -> dict[str, str]:
    """dbt model files (`<table>__valid.sql`, `<table>__quarantine.sql`) reading the contract's
    tables with `ref()` (or `source()` with a source name). Contract values are literal SQL inside
    `{% raw %}` blocks, so nothing in a contract is rendered by dbt's Jinja."""
    placeholders: dict[str, str] = {}

    def source(physical: str):
        cols = connector.columns(physical)
        if cols is None:
            return None
        mark = f"__lockgate_rel_{len(placeholders)}__"
        placeholders[mark] = physical
        parse = connector.type_parser().from_string
        return ibis.table(ibis.schema({n: parse(t) for n, t in cols}), name=mark)

    files = {}
    for table in contract.tables:
        placeholders.clear()
        pair = relations(connector, contract, table, source)
        if pair is None:
            continue
        _check_model_name(table.physical_name)
        for name, expr in zip((VALID, QUARANTINE), pair):
            sql = connector.to_sql(expr).rstrip().rstrip(";")
            files[name.format(table.physical_name) + ".sql"] = _jinja(
                sql, placeholders, source_name
            )
    return files


def _check_model_name(physical: str) -> None:
    """The model files are named after the table: a physicalName such as `../../x` or `/etc/x`
    would choose where `--output` writes (and dbt's `ref()` could not name it anyway)."""
    segment = physical not in ("", ".", "..") and not any(s in physical for s in ("/", "\\"))
    if not segment or not dbt_safe_name(physical):
        raise LockgateError(
            f"table physicalName {one_line(physical)!r} cannot name a dbt model file "
            "(one path segment, no quotes, braces or control characters)"
        )


def _jinja(sql: str, placeholders: dict[str, str], source_name: str | None) -> str:
    pattern = re.compile("|".join(r'(?:"?\w*"?\.)?"?' + re.escape(m) + '"?' for m in placeholders))
    out, last = [], 0
    for match in pattern.finditer(sql):
        out.append(jinja_literal(sql[last : match.start()]))
        physical = next(p for m, p in placeholders.items() if m in match.group(0))
        call = (
            f"source({_jinja_str(source_name)}, {_jinja_str(physical)})"
            if source_name
            else f"ref({_jinja_str(physical)})"
        )
        out.append("{{ " + call + " }}")
        last = match.end()
    out.append(jinja_literal(sql[last:]))
    # the header is lockgate.export.dbt_quarantine's (it records the command)
    return "".join(out) + "\n"


def _jinja_str(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
