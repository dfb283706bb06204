"""Asset keys and dbt lineage walking (`lockgate.lineage`), on a manifest written by hand; the
integration tests run `dbt parse` for real."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from lockgate.lineage import (
    ML_STAGES,
    DbtLineage,
    dbt_asset_key,
    dbt_model_asset_key,
    dbt_source_asset_key,
    ml_asset_key,
    ml_asset_keys,
)

MANIFEST = {
    "nodes": {
        "model.shop.stg_orders": {
            "resource_type": "model",
            "name": "stg_orders",
            "alias": "stg_orders",
            "schema": "analytics",
        },
        "model.shop.fct_orders": {
            "resource_type": "model",
            "name": "fct_orders",
            "alias": "orders_fact",
            "schema": "analytics",
        },
        "model.shop.orders": {
            "resource_type": "model",
            "name": "orders",
            "alias": "orders",
            "schema": "marts",
        },
        "test.shop.not_null_fct_orders_id.abc": {
            "resource_type": "test",
            "name": "not_null_fct_orders_id",
        },
        "model.shop.features": {
            "resource_type": "model",
            "name": "features",
            "alias": "features",
            "schema": "analytics",
        },
    },
    "sources": {
        "source.shop.raw.orders": {
            "resource_type": "source",
            "name": "orders",
            "identifier": "orders_landed",
            "schema": "raw",
            "source_name": "raw",
        },
    },
    "exposures": {
        "exposure.shop.dashboard": {"resource_type": "exposure", "name": "dashboard"},
    },
    "child_map": {
        "source.shop.raw.orders": ["model.shop.stg_orders"],
        "model.shop.stg_orders": ["model.shop.fct_orders", "test.shop.not_null_fct_orders_id.abc"],
        "model.shop.fct_orders": [
            "model.shop.features",
            "exposure.shop.dashboard",
            "test.shop.not_null_fct_orders_id.abc",
        ],
        "model.shop.features": [],
        "model.shop.orders": [],
    },
}


def test_asset_key_convention():
    assert dbt_source_asset_key("orders") == ["raw", "orders"]
    assert dbt_model_asset_key("fct_orders") == ["fct_orders"]
    assert ml_asset_keys("conversion") == [
        ["conversion", s] for s in ("training_set", "model", "evaluation", "release")
    ]
    assert ML_STAGES == ("training_set", "model", "evaluation", "release")
    with pytest.raises(ValueError, match="unknown ML pipeline stage"):
        ml_asset_key("conversion", "serving")
    # the source's table name (not its physical identifier) names the asset
    assert dbt_asset_key(MANIFEST["sources"]["source.shop.raw.orders"]) == ["raw", "orders"]
    assert dbt_asset_key(MANIFEST["exposures"]["exposure.shop.dashboard"]) is None


def test_find_matches_the_physical_relation_and_prefers_the_schema():
    lineage = DbtLineage(MANIFEST)
    nodes, exact = lineage.find("ORDERS_LANDED", ["raw"])
    assert [n.unique_id for n in nodes] == ["source.shop.raw.orders"] and exact
    nodes, exact = lineage.find("orders_fact", ["analytics"])
    assert [n.name for n in nodes] == ["fct_orders"] and exact
    # no node in the server's schema: matched by name only, and flagged so
    nodes, exact = lineage.find("stg_orders", ["public"])
    assert [n.name for n in nodes] == ["stg_orders"] and not exact
    assert lineage.find("nothing", ["raw"]) == ([], False)


def test_downstream_walks_child_map_transitively_without_tests():
    lineage = DbtLineage(MANIFEST)
    found = lineage.downstream(["source.shop.raw.orders"])
    assert [n.unique_id for n in found] == [
        "model.shop.stg_orders",
        "model.shop.fct_orders",
        "model.shop.features",
        "exposure.shop.dashboard",
    ]
    assert [n.asset_key for n in found] == [["stg_orders"], ["fct_orders"], ["features"], None]
    assert lineage.downstream(["model.shop.features"]) == []


def test_load_reads_a_file(tmp_path):
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(MANIFEST))
    assert [n.name for n in DbtLineage.load(path).downstream(["model.shop.fct_orders"])] == [
        "features",
        "dashboard",
    ]


def test_lineage_imports_neither_dbt_nor_dagster():
    code = "import sys, lockgate.lineage\nprint([m for m in ('dbt', 'dagster', 'pandas', 'ibis', 'yaml') if m in sys.modules])"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]"
