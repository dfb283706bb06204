"""Who reads a table downstream: dbt lineage, and the Dagster asset keys of a lockgate project.

The asset-key convention lives here, in one place, because two parts of lockgate must agree on it:
`lockgate diff` names the assets a contract change affects, and the Dagster integration names the
assets it builds. Standard library only (json), so either can import it without pulling in dbt
or Dagster.

Convention:
- a dbt source table      -> ["raw", <source table name>]
- a dbt model or snapshot -> [<model name>]
- an ML pipeline's assets -> [<spec name>, "training_set" | "model" | "evaluation" | "release"]
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

RAW_PREFIX = "raw"
ML_STAGES = ("training_set", "model", "evaluation", "release")

# Manifest node types that are data someone reads. Tests, unit tests, metrics and semantic models
# are children in `child_map` too, but they are not assets anybody builds on.
DATA_RESOURCE_TYPES = ("source", "model", "snapshot", "seed")
DOWNSTREAM_RESOURCE_TYPES = ("model", "snapshot", "exposure")


def dbt_source_asset_key(table_name: str) -> list[str]:
    return [RAW_PREFIX, table_name]


def dbt_model_asset_key(model_name: str) -> list[str]:
    return [model_name]


def ml_asset_key(spec_name: str, stage: str) -> list[str]:
    if stage not in ML_STAGES:
        raise ValueError(
            f"unknown ML pipeline stage {stage!r}; expected one of {', '.join(ML_STAGES)}"
        )
    return [spec_name, stage]


def ml_asset_keys(spec_name: str) -> list[list[str]]:
    return [ml_asset_key(spec_name, stage) for stage in ML_STAGES]


def dbt_asset_key(node: Mapping[str, Any]) -> list[str] | None:
    """The asset key of a manifest node (`nodes`/`sources`/`exposures` entry); None for exposures,
    which Dagster does not materialize."""
    kind = node.get("resource_type")
    if kind == "source":
        return dbt_source_asset_key(node["name"])
    if kind in ("model", "snapshot", "seed"):
        return dbt_model_asset_key(node["name"])
    return None


@dataclass(frozen=True)
class DbtNode:
    unique_id: str
    resource_type: str  # source | model | snapshot | seed | exposure
    name: str  # the model name, or the source's table name
    relation: str | None  # the physical table/view: a source's identifier, a model's alias
    schema: str | None
    source_name: str | None = None

    @property
    def asset_key(self) -> list[str] | None:
        return dbt_asset_key({"resource_type": self.resource_type, "name": self.name})

    @property
    def label(self) -> str:
        if self.resource_type == "source":
            return f"source {self.source_name}.{self.name}"
        return f"{self.resource_type} {self.name}"


class DbtLineage:
    """The parts of a dbt `manifest.json` that answer "what reads this table?"."""

    def __init__(self, manifest: Mapping[str, Any]):
        self.nodes: dict[str, DbtNode] = {}
        for section in ("nodes", "sources", "exposures"):
            for uid, raw in (manifest.get(section) or {}).items():
                node = _node(uid, raw)
                if node is not None:
                    self.nodes[uid] = node
        self.child_map: dict[str, list[str]] = {
            k: list(v) for k, v in (manifest.get("child_map") or {}).items()
        }
        self.parent_map: dict[str, list[str]] = {
            k: list(v) for k, v in (manifest.get("parent_map") or {}).items()
        }

    @classmethod
    def load(cls, path: str | Path) -> DbtLineage:
        """Read a manifest; OSError or ValueError (bad JSON) when it cannot be read."""
        with open(path, encoding="utf-8") as handle:
            return cls(json.load(handle))

    def find(self, relation: str, schemas: Iterable[str | None] = ()) -> tuple[list[DbtNode], bool]:
        """Sources and models stored as `relation` (case-insensitive). Nodes in one of `schemas`
        win; when none is, nodes of any schema match and the second value is False ("by name only")
        — a contract written for the Postgres target still finds the models parsed for DuckDB."""
        wanted = relation.lower()
        named = [
            n
            for n in self.nodes.values()
            if n.resource_type in DATA_RESOURCE_TYPES and (n.relation or "").lower() == wanted
        ]
        schema_set = {s.lower() for s in schemas if s}
        in_schema = [n for n in named if n.schema and n.schema.lower() in schema_set]
        if in_schema:
            return sorted(in_schema, key=lambda n: n.unique_id), True
        return sorted(named, key=lambda n: n.unique_id), not schema_set and bool(named)

    def downstream(self, unique_ids: Iterable[str]) -> list[DbtNode]:
        """Every model, snapshot and exposure that reads any of `unique_ids`, transitively, nearest
        first. Tests are skipped; the starting nodes are excluded."""
        return self._walk(
            self.child_map, unique_ids, DOWNSTREAM_RESOURCE_TYPES, self._reading_order
        )

    def upstream(self, unique_ids: Iterable[str]) -> list[DbtNode]:
        """Every source, model, snapshot and seed that `unique_ids` read, transitively (what a
        pipeline built on them depends on). The starting nodes are excluded."""
        return self._walk(self.parent_map, unique_ids, DATA_RESOURCE_TYPES, None)

    def _walk(
        self, edges: dict[str, list[str]], unique_ids: Iterable[str], kinds, order
    ) -> list[DbtNode]:
        """Breadth-first over `edges`, through and into nodes whose resource type is in `kinds`."""
        start = list(unique_ids)
        seen = set(start)
        queue = deque(start)
        found: list[DbtNode] = []
        while queue:
            for uid in sorted(edges.get(queue.popleft(), []), key=order):
                if uid in seen:
                    continue
                seen.add(uid)
                node = self.nodes.get(uid)
                if node is not None and node.resource_type in kinds:
                    found.append(node)
                    queue.append(uid)
        return found

    def _reading_order(self, unique_id: str) -> tuple[bool, str]:
        """Models before exposures, then by id: reports stay the same whatever dbt's order."""
        node = self.nodes.get(unique_id)
        return (node is None or node.resource_type == "exposure", unique_id)


def _node(uid: str, raw: Mapping[str, Any]) -> DbtNode | None:
    kind = raw.get("resource_type")
    if kind not in DATA_RESOURCE_TYPES and kind not in DOWNSTREAM_RESOURCE_TYPES:
        return None
    if kind == "source":
        relation = raw.get("identifier") or raw.get("name")
    elif kind == "exposure":
        relation = None
    else:
        relation = raw.get("alias") or raw.get("name")
    return DbtNode(
        unique_id=uid,
        resource_type=kind,
        name=raw.get("name", uid),
        relation=relation,
        schema=raw.get("schema"),
        source_name=raw.get("source_name"),
    )
