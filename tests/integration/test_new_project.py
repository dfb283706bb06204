"""`lockgate new` on a real DuckDB file: a table without a contract gets an inferred one and a
model spec that lints, trains and passes its release gates; nothing is ever overwritten; a
table's existing contract is reused; hostile column names stay inside their YAML scalar."""

from __future__ import annotations

import datetime as dt
import shutil

import numpy as np
import pandas as pd
import pytest
import yaml

from lockgate.contract.model import Column, Table
from lockgate.ml.gates import release_gates
from lockgate.ml.spec import load_spec
from lockgate.ml.training import evaluate, fit, out_of_time_split, prepare
from lockgate.scaffold.spec_file import Features, choose_features, render_spec
from tests.support.cli import REPO, lockgate
from tests.support.files import duckdb_with
from tests.support.postgres import pg_load_frame

START = dt.datetime(2026, 3, 1)  # fixed: the data never depends on today's date


def bookings(n: int = 3000, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    nights = rng.integers(1, 15, size=n)
    price = rng.uniform(40, 400, size=n).round(2)
    channel = rng.choice(["web", "app", "agent"], size=n)
    logit = -1.0 + 0.15 * nights - 0.004 * price + (channel == "app") * 0.9
    cancelled = rng.random(n) < 1 / (1 + np.exp(-logit))
    booked_at = [
        START + dt.timedelta(minutes=int(m)) for m in np.sort(rng.uniform(0, 60 * 24 * 60, size=n))
    ]
    return pd.DataFrame(
        {
            "booking_id": np.arange(1, n + 1),
            "guest_id": [f"G{i % 500:04d}" for i in range(n)],
            "nights": nights,
            "price_eur": price,
            "channel": channel,
            "booked_at": booked_at,
            "cancelled": cancelled,
        }
    )


def test_a_table_without_a_contract_gets_one_inferred_and_a_spec_that_trains(tmp_path):
    warehouse = duckdb_with(tmp_path / "hotel.duckdb", {"bookings": bookings()}, schema="sales")
    contracts = tmp_path / "contracts"
    args = (
        "new",
        "cancellation",
        "--table",
        "sales.bookings",
        "--target",
        "cancelled",
        "--time-column",
        "booked_at",
    )
    made = lockgate(*args, "--contracts", contracts, "--duckdb", warehouse, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    contract, spec_path = (
        contracts / "bookings.odcs.yaml",
        contracts / "models" / "cancellation.yaml",
    )
    assert f"contract {contract}: inferred (review it)" in made.stdout
    assert "not features: booking_id (a key), guest_id (an identifier)" in made.stdout
    assert "dg launch --job cancellation_pipeline" in made.stdout
    assert lockgate("lint", contracts, cwd=tmp_path).returncode == 0
    assert yaml.safe_load(contract.read_text())["servers"][0]["schema"] == "sales"

    spec = load_spec(spec_path)
    assert (spec.numeric, spec.categorical) == (("nights", "price_eur"), ("channel",))
    assert (spec.target, spec.time_column, spec.contract_path.resolve()) == (
        "cancelled",
        "booked_at",
        contract.resolve(),
    )
    assert spec.requires == {"scikit-learn": ">=1.9,<2"}
    assert len(spec_path.read_text().splitlines()) <= 80

    # the defaults train a model that passes the release gates on this data
    split = out_of_time_split(spec, prepare(spec, bookings()))
    metrics = evaluate(spec, fit(spec, split.train), split.holdout)
    from lockgate.ml.environment import training_environment

    receipt = {"passed": True, "contracts": [], "environment": training_environment(spec_path)}
    gates = release_gates(
        spec, receipt=receipt, candidate=metrics, champion=None, champion_release=None
    )
    assert all(g.passed for g in gates), gates

    # never overwritten, and a refused attempt leaves the reviewed file as it was
    spec_path.write_text(spec_path.read_text() + "# reviewed\n")
    again = lockgate(*args, "--contracts", contracts, "--duckdb", warehouse, cwd=tmp_path)
    assert again.returncode == 2 and "exists; a project is never overwritten" in again.stderr
    assert spec_path.read_text().endswith("# reviewed\n")


def test_an_existing_contract_is_reused_and_a_bad_target_writes_nothing(tmp_path):
    contracts = tmp_path / "contracts"
    shutil.copytree(
        REPO / "contracts" / "features", contracts / "features"
    )  # with its drift reference
    args = (
        "new",
        "quick",
        "--table",
        "analytics.features_conversion",
        "--time-column",
        "requested_at",
        "--contracts",
        contracts,
    )
    bad = lockgate(*args, "--target", "budget_eur", cwd=tmp_path)
    assert bad.returncode == 2 and "--target 'budget_eur' must be a binary column" in bad.stderr
    assert not (contracts / "models").exists() or not any((contracts / "models").iterdir())
    made = lockgate(*args, "--target", "converted", "--where-true", "label_available", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "features_conversion.odcs.yaml: reused" in made.stdout
    spec = load_spec(contracts / "models" / "quick.yaml")
    assert spec.where_true == "label_available" and "label_available" not in spec.features
    assert "request_date" not in spec.features and "budget_eur" in spec.numeric


def test_hostile_column_names_stay_inside_their_yaml_scalar(tmp_path):
    def column(name: str, logical: str, **flags) -> Column:
        return Column(
            name, name, logical, None, False, flags.get("unique", False), False, 0, {}, ()
        )

    evil = 'x"\nrelease: {floors: {}}\n#'
    table = Table(
        "t",
        "t",
        (
            column(evil, "number"),
            column("yes", "string"),
            column("y", "boolean"),
            column("ts", "timestamp"),
        ),
        (),
    )
    features = choose_features(table, target="y", time_column="ts", where_true=None)
    assert features == Features((evil,), ("yes",), ())
    text = render_spec(
        "m",
        contract="c.odcs.yaml",
        table="t",
        target="y",
        time_column="ts",
        where_true=None,
        features=features,
        requires={},
    )
    doc = yaml.safe_load(text)
    assert doc["features"] == {"numeric": [evil], "categorical": ["yes"]}
    assert doc["release"]["floors"] == {"roc_auc": 0.6} and doc["target"] == "y"


@pytest.mark.postgres
def test_a_postgres_table_gets_its_contract_inferred_in_its_schema(tmp_path, pg_schema):
    con, schema = pg_schema
    pg_load_frame(con, schema, "bookings", bookings(400))
    contracts = tmp_path / "contracts"
    made = lockgate(
        "new",
        "cancellation",
        "--table",
        f"{schema}.bookings",
        "--target",
        "cancelled",
        "--time-column",
        "booked_at",
        "--contracts",
        contracts,
        "--postgres-host",
        "127.0.0.1",
        "--postgres-database",
        "test",
        cwd=tmp_path,
    )
    assert made.returncode == 0, made.stderr
    server = yaml.safe_load((contracts / "bookings.odcs.yaml").read_text())["servers"][0]
    assert (server["type"], server["schema"]) == ("postgres", schema)
    assert load_spec(contracts / "models" / "cancellation.yaml").numeric == ("nights", "price_eur")
    assert (
        lockgate("check", contracts / "bookings.odcs.yaml", "--no-history", cwd=tmp_path).returncode
        == 0
    )
