"""Compile a parsed ODCS document into the typed Contract and its Rule IR, collecting lint findings.

One module per source of rules (properties, quality entries, SLAs, relationships, custom checks);
this module only builds the tables and servers and makes sure rule ids are unique.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from lockgate.connectors.servers import server_type, supported_names
from lockgate.contract.compile.context import CompileContext
from lockgate.contract.compile.partitions import partition_findings
from lockgate.contract.compile.properties import composite_key_rule, property_rules
from lockgate.contract.compile.quality import quality_rules
from lockgate.contract.compile.quarantine import resolve_policies
from lockgate.contract.compile.relationships import relationship_rules
from lockgate.contract.compile.shared_keys import check_change_rate_keys
from lockgate.contract.compile.sla import sla_rules
from lockgate.contract.findings import Finding, Location
from lockgate.contract.model import Column, Contract, Server, Table
from lockgate.contract.rules import Rule
from lockgate.contract.source import SourceDoc


def compile_document(doc: SourceDoc) -> tuple[Contract | None, list[Finding]]:
    ctx = CompileContext(doc)
    data = doc.data
    if not isinstance(data, dict):
        ctx.error(
            (),
            "expected an ODCS contract (a mapping with apiVersion, kind, id, version, schema)",
            "odcs-schema",
        )
        return None, ctx.findings
    api = str(data.get("apiVersion", ""))
    if api and not api.startswith("v3."):
        ctx.error(
            ("apiVersion",),
            f"lockgate reads ODCS v3 contracts (v3.1.0 recommended); got {api}",
            "unsupported-version",
        )

    tables = tuple(_tables(ctx, data.get("schema")))
    rules: list[Rule] = []
    schema = data.get("schema")
    raw_tables = schema if isinstance(schema, list) else []
    for table, raw in zip(
        tables, [t for t in raw_tables if isinstance(t, dict) and isinstance(t.get("name"), str)]
    ):
        raw_props = [
            p
            for p in _items(raw.get("properties"))
            if isinstance(p, dict) and isinstance(p.get("name"), str)
        ]
        for col, raw_col in zip(table.columns, raw_props):
            rules.extend(property_rules(ctx, table, col, raw_col))
            rules.extend(
                quality_rules(ctx, table, col.name, raw_col.get("quality"), col.path + ("quality",))
            )
            rules.extend(
                relationship_rules(
                    ctx,
                    tables,
                    table,
                    col.name,
                    raw_col.get("relationships"),
                    col.path + ("relationships",),
                )
            )
        if len(table.key_columns) > 1:
            rules.append(composite_key_rule(ctx, table))
        rules.extend(quality_rules(ctx, table, None, raw.get("quality"), table.path + ("quality",)))
        rules.extend(
            relationship_rules(
                ctx, tables, table, None, raw.get("relationships"), table.path + ("relationships",)
            )
        )
    rules.extend(sla_rules(ctx, tables, data.get("slaProperties")))
    _check_unique_ids(ctx, rules)
    check_change_rate_keys(ctx, rules)
    quarantine = resolve_policies(ctx, rules)
    servers = tuple(_servers(ctx, data.get("servers")))

    contract = Contract(
        id=str(data.get("id", "")),
        version=str(data.get("version", "")),
        name=data.get("name"),
        api_version=api,
        tables=tables,
        servers=servers,
        rules=tuple(rules),
        source=doc,
        quarantine=quarantine,
    )
    return contract, ctx.findings


def _tables(ctx: CompileContext, schema: Any) -> Iterator[Table]:
    if not isinstance(schema, list):
        return
    seen: set[str] = set()
    for i, raw in enumerate(schema):
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            continue
        path = ("schema", i)
        name = raw["name"]
        if name in seen:
            ctx.error(path + ("name",), f"duplicate table name {name!r}", "duplicate-name")
        seen.add(name)
        columns = []
        col_names: set[str] = set()
        for j, prop in enumerate(_items(raw.get("properties"))):
            if not isinstance(prop, dict) or not isinstance(prop.get("name"), str):
                continue
            if prop["name"] in col_names:
                ctx.error(
                    path + ("properties", j, "name"),
                    f"duplicate column name {prop['name']!r} in {name!r}",
                    "duplicate-name",
                )
            col_names.add(prop["name"])
            options = prop.get("logicalTypeOptions")
            columns.append(
                Column(
                    name=prop["name"],
                    physical_name=prop.get("physicalName") or prop["name"],
                    logical_type=prop.get("logicalType"),
                    physical_type=prop.get("physicalType"),
                    required=prop.get("required") is True,
                    unique=prop.get("unique") is True,
                    primary_key=prop.get("primaryKey") is True,
                    primary_key_position=_int_or(prop.get("primaryKeyPosition"), -1),
                    options=options if isinstance(options, dict) else {},
                    path=path + ("properties", j),
                    partitioned=prop.get("partitioned") is True,
                    partition_key_position=_int_or(prop.get("partitionKeyPosition"), -1),
                )
            )
        table = Table(
            name=name,
            physical_name=raw.get("physicalName") or name,
            columns=tuple(columns),
            path=path,
        )
        partition_findings(ctx, table)
        yield table


def _check_environment(ctx: CompileContext, path: tuple[Any, ...], options: dict[str, Any]) -> None:
    from lockgate.connectors.base import env_refusal  # lazy: connectors.base imports ibis

    for key, value in options.items():
        reason = env_refusal(value)
        if reason:
            ctx.error(path + (key,), reason, "unsafe-environment")


def _int_or(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _items(value: Any) -> list[Any]:
    """A list field as a list; any other type is reported by the ODCS schema check."""
    return value if isinstance(value, list) else []


def _servers(ctx: CompileContext, servers: Any) -> Iterator[Server]:
    if not isinstance(servers, list):
        return
    for i, raw in enumerate(servers):
        if not isinstance(raw, dict):
            continue
        path = ("servers", i)
        kind = raw.get("type")
        name = raw.get("server") or raw.get("id") or f"server{i}"
        found = server_type(kind) if isinstance(kind, str) else None
        if found is None:
            ctx.warn(
                path + ("type",),
                f"`lockgate check` cannot connect to {kind!r} servers (it supports "
                f"{', '.join(supported_names())}); lint and export still work",
                "unsupported-server",
            )
        elif found.formats and raw.get("format") not in found.formats:
            ctx.warn(
                path + ("format",),
                f"local files in format {raw.get('format')!r} cannot be read; expected one "
                f"of {', '.join(found.formats)}",
                "unsupported-server",
            )
        options = {k: v for k, v in raw.items() if k not in ("server", "type")}
        _check_environment(ctx, path, options)
        yield Server(name=str(name), type=found.name if found else str(kind), options=options)


def _check_unique_ids(ctx: CompileContext, rules: list[Rule]) -> None:
    seen: dict[str, Rule] = {}
    for rule in rules:
        first = seen.get(rule.id)
        if first is None:
            seen[rule.id] = rule
            continue
        where = f"{first.location.line}:{first.location.col}" if first.location else "elsewhere"
        ctx.findings.append(
            Finding(
                cast(Location, rule.location),  # compiled rules always carry their location
                f"duplicate rule id {rule.id!r} (first defined at line {where}); give one "
                "of them a distinct `id`",
                "error",
                "duplicate-id",
            )
        )
