"""A new ML project from one command, end to end on the reference project: `lockgate new` on a
table the simulator's warehouse builds -> the spec lints -> the code location picks it up with
no Python edited -> a real Dagster run trains, evaluates and releases it, its receipt records the
training environment, and a `requires:` the environment does not meet refuses the release."""

from __future__ import annotations

import hashlib
import os
import shutil
import time

import pytest

from lockgate.registry import ModelRegistry
from tests.support.cli import REPO, lockgate
from tests.support.pipeline import Project, failure_message

pytestmark = pytest.mark.slow

MODEL = "conversion_quick"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """45 clean days landed and built, every contract validated; no model trained yet."""
    saved = os.environ.get("LOCKGATE_WAREHOUSE")
    project = Project.create(tmp_path_factory.mktemp("warehouse"))
    result = project.run("land_and_build", days_if_empty=45)
    assert result.success, result.get_failed_step_keys()
    yield project
    if saved is None:
        os.environ.pop("LOCKGATE_WAREHOUSE", None)
    else:
        os.environ["LOCKGATE_WAREHOUSE"] = saved


def test_scaffold_lint_train_and_release_through_dagster(warehouse, tmp_path):
    contracts = tmp_path / "contracts"
    shutil.copytree(REPO / "contracts", contracts)
    started = time.perf_counter()
    made = lockgate(
        "new",
        MODEL,
        "--table",
        "analytics.features_conversion",
        "--target",
        "converted",
        "--time-column",
        "requested_at",
        "--where-true",
        "label_available",
        "--contracts",
        contracts,
    )
    assert made.returncode == 0, made.stderr
    spec_path = contracts / "models" / f"{MODEL}.yaml"
    lines = len(spec_path.read_text().splitlines())
    assert lines <= 80, lines
    assert lockgate("lint", contracts).returncode == 0

    project = warehouse.copy_to(tmp_path / "case", model_specs=contracts / "models")
    keys = {k.to_user_string() for k in project.defs().resolve_all_asset_keys()}
    assert {f"{MODEL}/{s}" for s in ("training_set", "model", "evaluation", "release")} <= keys
    trained = project.run(f"{MODEL}_pipeline")
    assert trained.success, trained.get_failed_step_keys()
    elapsed = time.perf_counter() - started
    print(
        f"\nscaffolded project: {lines} lines of YAML, 0 of Python; `lockgate new` to "
        f"released model in {elapsed:.1f}s"
    )

    registry = ModelRegistry(project.registry)
    assert registry.aliases(MODEL)["champion"] == "v1"
    champion = registry.get(MODEL, "v1")
    assert champion.receipt["passed"] and "features-conversion" in {
        c["id"] for c in champion.receipt["contracts"]
    }
    environment = champion.receipt["environment"]
    assert (
        environment["lockfile"]["sha256"]
        == hashlib.sha256((REPO / "uv.lock").read_bytes()).hexdigest()
    )
    gate = next(g for g in champion.release["gates"] if g["gate"] == "training environment")
    assert gate["passed"] and gate["detail"].startswith(
        f"scikit-learn {environment['packages']['scikit-learn']} satisfies >=1.9,<2"
    )
    listed = lockgate("registry", "list", MODEL, "--registry", project.registry)
    assert f"uv.lock sha256:{environment['lockfile']['sha256'][:12]}" in listed.stdout, (
        listed.stdout
    )

    # a spec declaring versions the training environment does not have: the release is refused
    spec_path.write_text(spec_path.read_text().replace('">=1.9,<2"', '">=99"'))
    refused = project.run(f"{MODEL}_pipeline")
    message = failure_message(refused, f"{MODEL}__release")
    assert (
        f"{MODEL} v2 refused at release: gate 'training environment' failed: scikit-learn"
        in message
    ), message
    assert "is outside >=99" in message
    assert registry.aliases(MODEL)["champion"] == "v1"
