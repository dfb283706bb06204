"""Model specs, the out-of-time split, training, release gates and the registry (no Dagster)."""

from __future__ import annotations

import hashlib
import json
import multiprocessing

import numpy as np
import pandas as pd
import pytest

from lockgate.errors import ContractError
from lockgate.ml.gates import release_gates
from lockgate.ml.spec import load_spec
from lockgate.ml.training import evaluate, fit, out_of_time_split, prepare
from lockgate.registry import ModelRegistry, RegistryError

SPEC = """\
name: toy
source:
  contract: toy.odcs.yaml
  table: events
  where_true: labelled
features:
  numeric: [x1, x2]
  categorical: [color]
target: y
time_column: ts
split:
  holdout_days: 10
  min_train_rows: 100
  min_holdout_rows: 50
estimator:
  class: sklearn.linear_model.LogisticRegression
  params: {max_iter: 200}
metric: roc_auc
release:
  floors: {roc_auc: 0.7}
  max_drop_vs_champion: 0.01
  max_drop_vs_champion_release: 0.03
  max_calibration_gap: 0.05
"""


@pytest.fixture
def spec(tmp_path):
    (tmp_path / "toy.odcs.yaml").write_text("apiVersion: v3.1.0\n")
    (tmp_path / "toy.yaml").write_text(SPEC)
    return load_spec(tmp_path / "toy.yaml")


def toy_frame(n=3000, seed=0, noise=0.0):
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    color = rng.choice(["red", "blue", "green"], size=n)
    logit = 1.5 * x1 - x2 + (color == "red") * 0.8
    y = rng.random(n) < 1 / (1 + np.exp(-logit))
    flip = rng.random(n) < noise
    y = np.where(flip, ~y, y)
    ts = pd.Timestamp("2026-01-01") + pd.to_timedelta(np.sort(rng.uniform(0, 60, size=n)), unit="D")
    labelled = np.ones(n, dtype=bool)
    labelled[-100:] = False  # the newest rows have no label yet
    return pd.DataFrame(
        {
            "x1": x1,
            "x2": x2,
            "color": color,
            "y": np.where(labelled, y, None),
            "ts": ts,
            "labelled": labelled,
        }
    )


def test_spec_errors_point_at_the_line(tmp_path):
    (tmp_path / "toy.odcs.yaml").write_text("x: 1\n")
    (tmp_path / "bad.yaml").write_text(
        SPEC.replace("holdout_days", "holdout_dayz").replace("roc_auc: 0.7", "auc: 0.7")
    )
    with pytest.raises(ContractError) as info:
        load_spec(tmp_path / "bad.yaml")
    text = "\n".join(map(str, info.value.findings))
    assert "bad.yaml:12:3: error: unknown key 'holdout_dayz'; did you mean 'holdout_days'?" in text
    assert "bad.yaml:20:12: error: unknown metric 'auc'" in text


def test_out_of_time_split_and_training(spec):
    rows = prepare(spec, toy_frame())
    assert len(rows) == 2900 and rows["ts"].is_monotonic_increasing
    split = out_of_time_split(spec, rows)
    assert split.train["ts"].max() < split.cutoff <= split.holdout["ts"].min()
    assert split.holdout["ts"].max() - split.cutoff < pd.Timedelta(days=10)
    model = fit(spec, split.train)
    metrics = evaluate(spec, model, split.holdout)
    assert metrics["roc_auc"] > 0.75
    assert abs(metrics["mean_prediction"] - metrics["base_rate"]) < 0.05
    assert metrics["rows"] == len(split.holdout)


def test_too_little_data_is_a_clear_error(spec):
    with pytest.raises(ValueError, match="training rows before"):
        out_of_time_split(spec, prepare(spec, toy_frame(n=120)))


def _metrics(auc, mean=0.4, base=0.4):
    return {
        "roc_auc": auc,
        "average_precision": 0.5,
        "log_loss": 0.6,
        "brier": 0.2,
        "mean_prediction": mean,
        "base_rate": base,
    }


PASSING_RECEIPT = {"passed": True, "contracts": [{"id": "toy", "version": "1.0.0"}], "problems": []}


@pytest.mark.parametrize(
    "receipt, cand, champ, released, failed_gate",
    [
        (PASSING_RECEIPT, _metrics(0.80), None, None, None),
        (
            {"passed": False, "problems": ["events.x1.changeRate failed"]},
            _metrics(0.9),
            None,
            None,
            "validation receipt",
        ),
        (PASSING_RECEIPT, _metrics(0.65), None, None, "metric floors"),
        (
            PASSING_RECEIPT,
            _metrics(0.78),
            _metrics(0.80),
            _metrics(0.80),
            "not worse than champion",
        ),
        # the corrupted-retrain case: the fresh holdout is corrupted too, so the candidate "beats" the
        # champion on it, but it is far below what the champion scored when it was released
        (
            PASSING_RECEIPT,
            _metrics(0.74),
            _metrics(0.72),
            _metrics(0.82),
            "not below champion's release score",
        ),
        (PASSING_RECEIPT, _metrics(0.80, mean=0.55, base=0.40), None, None, "calibration"),
    ],
)
def test_release_gates_in_order(spec, receipt, cand, champ, released, failed_gate):
    results = release_gates(
        spec, receipt=receipt, candidate=cand, champion=champ, champion_release=released
    )
    failed = [g.gate for g in results if not g.passed]
    assert failed == ([failed_gate] if failed_gate else [])
    if failed_gate:
        assert results[-1].gate == failed_gate  # the first failed gate stops the release
    else:
        assert [g.gate for g in results] == [
            "validation receipt",
            "training environment",
            "metric floors",
            "not worse than champion",
            "not below champion's release score",
            "calibration",
        ]


def test_registry_promote_and_rollback(tmp_path):
    reg = ModelRegistry(tmp_path / "registry")
    versions = [
        reg.register(
            "toy", {"w": i}, {"metrics": {"roc_auc": 0.8 + i / 100}, "receipt": PASSING_RECEIPT}
        )
        for i in range(3)
    ]
    assert [v.version for v in versions] == ["v1", "v2", "v3"]
    for v in versions:
        reg.record_release(v, {"passed": True})
        reg.promote("toy", v.version)
    assert reg.aliases("toy") == {"champion": "v3", "previous": "v2", "history": ["v1", "v2", "v3"]}
    assert reg.alias("toy", "champion").load_model() == {"w": 2}
    reg.rollback("toy")
    assert reg.aliases("toy") == {"champion": "v2", "previous": "v1", "history": ["v1", "v2"]}
    reg.rollback("toy")
    assert reg.aliases("toy")["champion"] == "v1" and reg.aliases("toy")["previous"] is None
    with pytest.raises(RegistryError, match="no previous champion"):
        reg.rollback("toy")
    assert [e["action"] for e in reg.events("toy")] == ["promote"] * 3 + ["rollback"] * 2


def test_a_model_without_a_passing_receipt_cannot_become_champion(tmp_path):
    reg = ModelRegistry(tmp_path)
    bad = reg.register(
        "toy",
        {},
        {"receipt": {"passed": False, "problems": ["orders.amount.maximum failed (12 rows)"]}},
    )
    with pytest.raises(
        RegistryError, match=r"cannot become champion: orders.amount.maximum failed \(12 rows\)"
    ):
        reg.promote("toy", bad.version)
    gated = reg.register("toy", {}, {"receipt": PASSING_RECEIPT})
    reg.record_release(gated, {"passed": False, "failed_gate": "calibration"})
    with pytest.raises(RegistryError, match="failed the release gate 'calibration'"):
        reg.promote("toy", gated.version)
    assert reg.aliases("toy")["champion"] is None


def _register_many(root, n):
    reg = ModelRegistry(root)
    for _ in range(n):
        v = reg.register("toy", {}, {"receipt": PASSING_RECEIPT})
        reg.promote("toy", v.version)


def test_concurrent_registrations_lose_nothing(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_register_many, args=(tmp_path, 10)) for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    reg = ModelRegistry(tmp_path)
    assert [v.version for v in reg.versions("toy")] == [f"v{i}" for i in range(1, 31)]
    aliases = json.loads((tmp_path / "toy" / "aliases.json").read_text())
    assert len(aliases["history"]) == 30 and aliases["champion"] == aliases["history"][-1]
    assert not list((tmp_path / "toy").glob(".incoming-*"))


def test_requires_is_linted_at_its_line(tmp_path):
    (tmp_path / "toy.odcs.yaml").write_text("apiVersion: v3.1.0\n")
    (tmp_path / "bad.yaml").write_text(SPEC + 'requires:\n  scikit-learn: ">=1.9 <2"\n')
    with pytest.raises(ContractError) as info:
        load_spec(tmp_path / "bad.yaml")
    assert "bad.yaml:25:17: error: invalid version specifier '>=1.9 <2' for scikit-learn" in str(
        info.value
    )


def _env(**packages):
    return {"python": "3.11.9", "lockfile": None, "packages": packages}


@pytest.mark.parametrize(
    "requires, packages, passed, detail",
    [
        ({}, {}, True, "no requirements declared"),
        (
            {"scikit-learn": ">=1.9,<2"},
            {"scikit-learn": "1.9.1"},
            True,
            "scikit-learn 1.9.1 satisfies >=1.9,<2",
        ),
        (
            {"Scikit_Learn": ">=1.9,<2"},
            {"scikit-learn": "1.8.0"},
            False,
            "Scikit_Learn 1.8.0 is outside >=1.9,<2",
        ),
        (
            {"scikit-learn": ">=1.9"},
            {},
            False,
            "scikit-learn >=1.9: no version recorded at training",
        ),
    ],
)
def test_release_refuses_a_model_trained_outside_the_declared_versions(
    tmp_path, requires, packages, passed, detail
):
    (tmp_path / "toy.odcs.yaml").write_text("apiVersion: v3.1.0\n")
    block = (
        "requires:\n" + "".join(f'  {k}: "{v}"\n' for k, v in requires.items()) if requires else ""
    )
    (tmp_path / "toy.yaml").write_text(SPEC + block)
    spec = load_spec(tmp_path / "toy.yaml")
    receipt = {**PASSING_RECEIPT, "environment": _env(**packages)}
    gates = release_gates(
        spec, receipt=receipt, candidate=_metrics(0.8), champion=None, champion_release=None
    )
    gate = next(g for g in gates if g.gate == "training environment")
    assert gate.passed is passed and detail in gate.detail, gate.detail
    assert [g.passed for g in gates][-1] is passed  # a failed requirement stops the release there


def test_training_environment_records_the_lockfile_and_versions(tmp_path):
    from importlib import metadata

    from lockgate.ml.environment import training_environment

    (tmp_path / "uv.lock").write_text("version = 1\n")
    (tmp_path / "models").mkdir()
    env = training_environment(tmp_path / "models" / "toy.yaml", ("PyYAML",))
    assert env["lockfile"]["path"] == str(tmp_path / "uv.lock")
    assert env["lockfile"]["sha256"] == hashlib.sha256(b"version = 1\n").hexdigest()
    assert env["packages"]["scikit-learn"] == metadata.version("scikit-learn")
    assert env["packages"]["pyyaml"] == metadata.version("PyYAML")


def test_registry_list_shows_the_training_environment(tmp_path):
    from tests.support.cli import lockgate

    env = {
        "python": "3.11.9",
        "lockfile": {"path": "/x/uv.lock", "sha256": "ab" * 32},
        "packages": {"scikit-learn": "1.9.1"},
    }
    ModelRegistry(tmp_path).register(
        "toy",
        {"w": 1},
        {"metrics": {"roc_auc": 0.8}, "receipt": {**PASSING_RECEIPT, "environment": env}},
    )
    listed = lockgate("registry", "list", "--registry", tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert (
        "trained with python 3.11.9, uv.lock sha256:abababababab, scikit-learn 1.9.1"
        in listed.stdout
    )
    as_json = json.loads(lockgate("registry", "list", "--registry", tmp_path, "--json").stdout)
    assert as_json[0]["environment"] == env
