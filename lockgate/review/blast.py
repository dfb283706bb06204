"""Blast radius: for every table a diff touches, what reads it downstream.

A contract table is found in the dbt manifest by its physical name and its servers' schemas
(`lockgate.lineage`); `child_map` then gives every model built on it. An ML pipeline is affected
when its source table is the changed table itself or one of those models; the report says which of
its features, target or time column changed. dbt has no column lineage, so columns downstream are
matched by name, and the report says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lockgate.contract.model import Contract, Table
from lockgate.errors import UsageError
from lockgate.lineage import DbtLineage, DbtNode, ml_asset_keys
from lockgate.review.changes import Change
from lockgate.review.specs import ModelSpec, load_specs


@dataclass(frozen=True)
class Relation:
    """Where a contract table lives: its physical name and the schemas of the contract's servers."""

    name: str
    schemas: tuple[str, ...]

    def same_as(self, other: Relation) -> bool:
        if self.name.lower() != other.name.lower():
            return False
        return (
            not self.schemas
            or not other.schemas
            or bool({s.lower() for s in self.schemas} & {s.lower() for s in other.schemas})
        )


@dataclass
class PipelineImpact:
    spec: str
    path: str
    via: str  # "the table itself", or the dbt model it reads
    columns: dict[str, str]  # changed column -> its role in the model
    by_name: bool  # columns matched by name through dbt models (no column lineage)
    asset_keys: list[list[str]]


@dataclass
class TableImpact:
    table: str
    relation: Relation
    columns: list[str]  # changed columns ([] when only table-level rules changed)
    dbt: list[DbtNode] = field(default_factory=list)  # the nodes the table is
    dbt_exact: bool = True  # False: matched by name only (schema differs)
    downstream: list[DbtNode] = field(default_factory=list)
    pipelines: list[PipelineImpact] = field(default_factory=list)

    @property
    def asset_keys(self) -> list[list[str]]:
        keys = [n.asset_key for n in [*self.dbt, *self.downstream] if n.asset_key]
        keys += [k for p in self.pipelines for k in p.asset_keys]
        return [list(k) for k in dict.fromkeys(tuple(k) for k in keys)]


@dataclass
class Downstream:
    """What the blast radius is computed against: the dbt lineage and the ML pipeline specs."""

    lineage: DbtLineage | None = None
    specs: list[ModelSpec] = field(default_factory=list)
    spec_relations: dict[str, Relation | None] = field(
        default_factory=dict
    )  # spec name -> its source table
    notes: list[str] = field(default_factory=list)  # what could not be looked at, and why


DEFAULT_MANIFEST = Path("dbt/target/manifest.json")
DEFAULT_SPECS = Path("contracts/models")


def load_downstream(manifest: Path | None, specs_dir: Path | None) -> Downstream:
    """Paths given explicitly must exist (UsageError); the defaults are used when present."""
    out = Downstream()
    path = manifest or DEFAULT_MANIFEST
    if path.is_file():
        try:
            out.lineage = DbtLineage.load(path)
        except (OSError, ValueError) as exc:
            raise UsageError(f"cannot read dbt manifest {path}: {exc}") from None
    elif manifest is not None:
        raise UsageError(
            f"cannot read dbt manifest {manifest}: no such file (run `dbt parse` to write it)"
        )
    else:
        out.notes.append(
            f"no dbt manifest at {DEFAULT_MANIFEST} (run `dbt parse`, or pass --manifest): "
            "dbt models and their assets are not listed"
        )
    directory = specs_dir or DEFAULT_SPECS
    if directory.is_dir():
        out.specs, notes = load_specs(directory)
        out.notes += notes
    elif specs_dir is not None:
        raise UsageError(f"cannot read model specs: {specs_dir} is not a directory")
    for spec in out.specs:
        out.spec_relations[spec.name] = _spec_relation(spec, out.notes)
    return out


def _spec_relation(spec: ModelSpec, notes: list[str]) -> Relation | None:
    from lockgate.contract.loader import analyze

    contract, _ = analyze(spec.contract) if spec.contract.is_file() else (None, [])
    table = contract.table(spec.table) if contract is not None else None
    if table is None:
        notes.append(
            f"model spec {spec.name} ({spec.path}): cannot find table {spec.table!r} in "
            f"{spec.contract}"
        )
        return None
    assert contract is not None  # the table was found in it
    return relation_of(contract, table)


def relation_of(contract: Contract, table: Table) -> Relation:
    """`${VAR:-default}` in a server's schema is read as `lockgate check` reads it; a variable
    that is unset and has no default leaves that server's schema out."""
    from lockgate.connectors.base import expand_env  # lazy: connectors.base imports ibis
    from lockgate.connectors.servers import server_type
    from lockgate.errors import LockgateError

    schemas = []
    for server in contract.servers:
        try:
            known = server_type(server.type)
            schema = expand_env(server.options.get("schema")) or (known and known.default_schema)
        except LockgateError:
            continue
        if isinstance(schema, str):
            schemas.append(schema)
    return Relation(table.physical_name, tuple(dict.fromkeys(schemas)))


def blast_radius(
    old: Contract | None,
    new: Contract | None,
    contract_path: Path | None,
    changes: Sequence[Change],
    downstream: Downstream,
) -> list[TableImpact]:
    """One TableImpact per table that a change touches, in the order the changes name them."""
    lineage = downstream.lineage
    touched: dict[str, list[str]] = {}
    for change in changes:
        if change.table:
            columns = touched.setdefault(change.table, [])
            if change.column and change.column not in columns:
                columns.append(change.column)
    impacts = []
    for name, columns in touched.items():
        side, table = _find_table(new, old, name)
        if table is None:
            continue
        impact = TableImpact(name, relation_of(side, table), columns)
        if lineage is not None:
            impact.dbt, impact.dbt_exact = lineage.find(
                impact.relation.name, impact.relation.schemas
            )
            impact.downstream = lineage.downstream(n.unique_id for n in impact.dbt)
        for spec in downstream.specs:
            pipeline = _pipeline_impact(
                spec, impact, contract_path, lineage, downstream.spec_relations.get(spec.name)
            )
            if pipeline is not None:
                impact.pipelines.append(pipeline)
        impacts.append(impact)
    return impacts


def _find_table(new: Contract | None, old: Contract | None, name: str):
    for contract in (new, old):
        table = contract.table(name) if contract is not None else None
        if table is not None:
            return contract, table
    return None, None


def _pipeline_impact(
    spec: ModelSpec,
    impact: TableImpact,
    contract_path: Path | None,
    lineage: DbtLineage | None,
    relation: Relation | None,
) -> PipelineImpact | None:
    same_file = contract_path is not None and spec.contract == contract_path.resolve()
    direct = (same_file and spec.table == impact.table) or (
        relation is not None and relation.same_as(impact.relation)
    )
    via = "the table itself" if direct else None
    if via is None and relation is not None and lineage is not None:
        reachable = {n.unique_id for n in impact.downstream}
        spec_nodes, _ = lineage.find(relation.name, relation.schemas)
        reached = [n for n in spec_nodes if n.unique_id in reachable]
        if reached:
            via = reached[0].label
    if via is None:
        return None
    roles = spec.roles()
    columns = {c: roles[c] for c in impact.columns if c in roles}
    return PipelineImpact(
        spec.name,
        str(spec.path),
        via,
        columns,
        by_name=not direct,
        asset_keys=ml_asset_keys(spec.name),
    )
