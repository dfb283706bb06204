"""Blast radius through a real dbt manifest (a tiny dbt-duckdb project parsed by dbt itself) and
an ML pipeline spec; and through the reference project's dbt/ when it exists."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tests.support.cli import REPO, lockgate
from tests.support.files import write_contract

DBT_FILES = {
    "dbt_project.yml": """
        name: shop
        version: "1.0.0"
        config-version: 2
        profile: shop
        flags:
          send_anonymous_usage_stats: false
        """,
    "profiles.yml": """
        shop:
          target: dev
          outputs:
            dev:
              type: duckdb
              path: warehouse.duckdb
              schema: analytics
        """,
    "models/sources.yml": """
        version: 2
        sources:
          - name: raw
            schema: raw
            tables:
              - name: orders
              - name: customers
        models:
          - name: fct_orders
            columns:
              - name: order_id
                data_tests: [not_null]
        exposures:
          - name: revenue_dashboard
            type: dashboard
            owner: {name: finance}
            depends_on: [ref('fct_orders')]
        """,
    "models/stg_orders.sql": "select * from {{ source('raw', 'orders') }}",
    "models/stg_customers.sql": "select * from {{ source('raw', 'customers') }}",
    "models/fct_orders.sql": "select o.*, c.segment from {{ ref('stg_orders') }} o join {{ ref('stg_customers') }} c using (customer_id)",
    "models/features_orders.sql": "select order_id, amount, status, created_at, amount > 100 as converted from {{ ref('fct_orders') }}",
}

RAW_CONTRACT = """
apiVersion: v3.1.0
kind: DataContract
id: raw-orders
version: {version}
status: active
servers:
  - server: warehouse
    type: duckdb
    database: warehouse.duckdb
    schema: {schema}
schema:
  - name: orders
    properties:
      - name: order_id
        logicalType: integer
        primaryKey: true
      - name: amount
        logicalType: number
        logicalTypeOptions:
          maximum: {maximum}
      - name: status
        logicalType: string
      - name: note
        logicalType: string
{extra}"""

FEATURES_CONTRACT = """
apiVersion: v3.1.0
kind: DataContract
id: features-orders
version: {version}
status: active
servers:
  - server: warehouse
    type: duckdb
    database: warehouse.duckdb
    schema: analytics
schema:
  - name: features_orders
    properties:
      - name: order_id
        logicalType: integer
        primaryKey: true
      - name: amount
        logicalType: number
        logicalTypeOptions:
          minimum: {minimum}
      - name: status
        logicalType: string
      - name: converted
        logicalType: boolean
      - name: created_at
        logicalType: timestamp
"""

SPEC = """
name: order_value
source:
  contract: ../features/features_orders.odcs.yaml
  table: features_orders
features:
  numeric: [amount]
  categorical: [status]
target: converted
time_column: created_at
"""


def dbt_parse(project: Path, target: Path) -> Path:
    """Run the real `dbt parse`; return the manifest it wrote."""
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke(
        [
            "parse",
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
            "--target-path",
            str(target),
            "--log-path",
            str(target / "logs"),
            "--quiet",
        ]
    )
    assert result.success, result.exception
    return target / "manifest.json"


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> Path:
    project = tmp_path_factory.mktemp("dbt_shop")
    for name, text in DBT_FILES.items():
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    return dbt_parse(project, project / "target")


@pytest.fixture
def project(tmp_path, manifest):
    """contracts/ with the raw contract (old and new), the features contract and a model spec."""
    write_contract(tmp_path, SPEC, "contracts/models/order_value.yaml")
    write_contract(
        tmp_path,
        FEATURES_CONTRACT.format(version="1.0.0", minimum=0),
        "contracts/features/features_orders.odcs.yaml",
    )
    return tmp_path


def raw_pair(root: Path, schema: str = "raw"):
    old = write_contract(
        root,
        RAW_CONTRACT.format(version="1.0.0", schema=schema, maximum=1000, extra=""),
        "old/raw_orders.odcs.yaml",
    )
    new = write_contract(
        root,
        RAW_CONTRACT.format(version="1.1.0", schema=schema, maximum=500, extra=""),
        "contracts/raw_orders.odcs.yaml",
    )
    text = new.read_text().replace("      - name: note\n        logicalType: string\n", "")
    new.write_text(text)
    return old, new


def diff_json(*args, cwd):
    proc = lockgate("diff", *args, "--format", "json", cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout), proc.returncode


def test_a_raw_table_reaches_dbt_models_assets_and_the_pipeline_downstream(project, manifest):
    old, new = raw_pair(project)
    report, code = diff_json(old, new, "--manifest", manifest, cwd=project)
    assert code == 1  # a tightened bound and a removed column without a major bump
    (impact,) = report["contracts"][0]["blast_radius"]
    assert impact["table"] == "orders" and impact["columns"] == ["note", "amount"]
    assert (
        impact["dbt"]["nodes"] == ["source.shop.raw.orders"] and impact["dbt"]["matched_by_schema"]
    )
    assert impact["dbt"]["downstream"] == [
        "model.shop.stg_orders",
        "model.shop.fct_orders",
        "model.shop.features_orders",
        "exposure.shop.revenue_dashboard",
    ]
    assert impact["asset_keys"] == [
        ["raw", "orders"], ["stg_orders"], ["fct_orders"], ["features_orders"],
        ["order_value", "training_set"], ["order_value", "model"], ["order_value", "evaluation"], ["order_value", "release"],
    ]  # fmt: skip
    (pipeline,) = impact["pipelines"]
    assert pipeline["spec"] == "order_value" and pipeline["via"] == "model features_orders"
    assert (
        pipeline["columns"] == {"amount": "numeric feature"}
        and pipeline["columns_matched_by_name"] is True
    )


def test_a_feature_table_change_hits_the_pipeline_directly(project, manifest):
    features = project / "contracts/features/features_orders.odcs.yaml"
    old = write_contract(
        project,
        FEATURES_CONTRACT.format(version="1.0.0", minimum=0),
        "old/features_orders.odcs.yaml",
    )
    features.write_text(FEATURES_CONTRACT.format(version="2.0.0", minimum=10))
    report, code = diff_json(old, features, "--manifest", manifest, cwd=project)
    assert code == 0
    (impact,) = report["contracts"][0]["blast_radius"]
    assert (
        impact["dbt"]["nodes"] == ["model.shop.features_orders"]
        and impact["dbt"]["downstream"] == []
    )
    (pipeline,) = impact["pipelines"]
    assert (pipeline["via"], pipeline["columns"], pipeline["columns_matched_by_name"]) == (
        "the table itself",
        {"amount": "numeric feature"},
        False,
    )


def test_a_schema_that_differs_from_dbt_is_matched_by_name_and_flagged(project, manifest):
    old, new = raw_pair(project, schema="landing")
    report, _ = diff_json(old, new, "--manifest", manifest, cwd=project)
    impact = report["contracts"][0]["blast_radius"][0]
    assert (
        impact["dbt"]["nodes"] == ["source.shop.raw.orders"]
        and impact["dbt"]["matched_by_schema"] is False
    )


def test_a_schema_from_the_environment_is_read_as_check_reads_it(project, manifest):
    old, new = raw_pair(project, schema="${LOCKGATE_TEST_RAW_SCHEMA:-raw}")
    report, _ = diff_json(old, new, "--manifest", manifest, cwd=project)
    impact = report["contracts"][0]["blast_radius"][0]
    assert (
        impact["relation"] == {"name": "orders", "schemas": ["raw"]}
        and impact["dbt"]["matched_by_schema"] is True
    )


def test_markdown_and_text_show_the_blast_radius(project, manifest):
    old, new = raw_pair(project)
    md = lockgate(
        "diff", old, new, "--manifest", manifest, "--format", "markdown", cwd=project
    ).stdout
    row = next(line for line in md.splitlines() if line.startswith("| `orders` |"))
    assert "`stg_orders`, `fct_orders`, `features_orders`, `revenue_dashboard`" in row
    assert (
        "**order_value** via model features_orders: `amount` (numeric feature), matched by name"
        in row
    )
    assert "`raw/orders`" in row and "`order_value/release`" in row
    text = lockgate("diff", old, new, "--manifest", manifest, cwd=project).stdout
    assert "    dbt: source raw.orders\n" in text
    assert (
        "    ML pipeline order_value (contracts/models/order_value.yaml) via model features_orders: amount (numeric feature)"
        in text
    )


def test_without_a_manifest_the_pipeline_is_still_found_and_a_note_says_why_dbt_is_missing(project):
    features = project / "contracts/features/features_orders.odcs.yaml"
    old = write_contract(
        project, FEATURES_CONTRACT.format(version="1.0.0", minimum=0), "old/f.odcs.yaml"
    )
    features.write_text(FEATURES_CONTRACT.format(version="2.0.0", minimum=10))
    report, _ = diff_json(old, features, cwd=project)
    assert report["notes"] == [
        "no dbt manifest at dbt/target/manifest.json (run `dbt parse`, or pass --manifest): dbt models and their assets are not listed"
    ]
    assert report["contracts"][0]["blast_radius"][0]["pipelines"][0]["spec"] == "order_value"
    missing = lockgate("diff", old, features, "--manifest", project / "nope.json", cwd=project)
    assert (
        missing.returncode == 2
        and missing.stderr.strip()
        == f"lockgate: error: cannot read dbt manifest {project / 'nope.json'}: no such file (run `dbt parse` to write it)"
    )


REAL_PROJECT = REPO / "dbt" / "dbt_project.yml"


@pytest.mark.slow
@pytest.mark.skipif(
    not REAL_PROJECT.exists(), reason="the reference dbt project (dbt/) is not there yet"
)
def test_the_reference_dbt_project_leads_from_raw_service_requests_to_the_conversion_model(
    tmp_path,
):
    manifest = dbt_parse(REPO / "dbt", tmp_path / "target")
    raw = """
        apiVersion: v3.1.0
        kind: DataContract
        id: raw-marketplace
        version: {version}
        status: active
        servers: [{{server: warehouse, type: duckdb, database: warehouse/marketplace.duckdb, schema: raw}}]
        schema:
          - name: service_requests
            properties:
              - {{name: request_id, logicalType: string, primaryKey: true}}
              - {{name: budget_eur, logicalType: number{options}}}
        """
    old = write_contract(tmp_path, raw.format(version="1.0.0", options=""), "old.odcs.yaml")
    new = write_contract(
        tmp_path,
        raw.format(version="1.0.0", options=", logicalTypeOptions: {minimum: 0}"),
        "contracts/raw.odcs.yaml",
    )
    write_contract(
        tmp_path,
        "name: conversion\nsource: {contract: ../features.odcs.yaml, table: features_conversion}\nfeatures: {numeric: [budget_eur]}\ntarget: converted\n",
        "contracts/models/conversion.yaml",
    )
    write_contract(
        tmp_path,
        "apiVersion: v3.1.0\nkind: DataContract\nid: f\nversion: '1'\nstatus: active\nservers: [{server: w, type: duckdb, database: w.duckdb, schema: analytics}]\nschema: [{name: features_conversion, properties: [{name: budget_eur, logicalType: number}]}]\n",
        "contracts/features.odcs.yaml",
    )
    report, _ = diff_json(old, new, "--manifest", manifest, cwd=tmp_path)
    impact = report["contracts"][0]["blast_radius"][0]
    assert impact["dbt"]["nodes"] == ["source.marketplace.raw.service_requests"]
    assert "model.marketplace.features_conversion" in impact["dbt"]["downstream"]
    assert ["raw", "service_requests"] in impact["asset_keys"] and [
        "conversion",
        "release",
    ] in impact["asset_keys"]
    assert impact["pipelines"][0]["columns"] == {"budget_eur": "numeric feature"}
