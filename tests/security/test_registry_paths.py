"""The registry never leaves its folder: model names are one path segment, versions are `vN`,
and aliases only name versions inside the registry (issue 12: `promote conversion ../../../evil`
was accepted when a model with a passing receipt was planted there; release loads it with
joblib)."""

from __future__ import annotations

import json

import pytest

from lockgate.registry import ModelRegistry
from lockgate.registry.store import RegistryError
from tests.support.cli import lockgate as lockgate_cli

PASSING = {"receipt": {"passed": True}, "metrics": {"roc_auc": 0.9}}


def _plant(folder, record=PASSING) -> None:
    """A model folder with a passing receipt, outside the registry: what an attacker leaves."""
    folder.mkdir(parents=True)
    (folder / "version.json").write_text(json.dumps({**record, "name": "evil", "version": "v1"}))
    (folder / "model.joblib").write_bytes(b"not a model")


@pytest.fixture
def registry(tmp_path):
    reg = ModelRegistry(tmp_path / "registry")
    reg.register("conversion", {"weights": [1, 2]}, PASSING)
    _plant(tmp_path / "evil")
    _plant(tmp_path / "registry" / "conversion" / "versions" / "v1" / "evil")
    return reg


@pytest.mark.parametrize(
    "version",
    ["../../../evil", "../../evil", "v1/evil", "/tmp/evil", "v0", "v1 ", "V1", "", "v1/../v1"],
)
def test_promote_refuses_versions_that_are_not_vN(registry, version):
    with pytest.raises(RegistryError, match="invalid version"):
        registry.promote("conversion", version)
    assert registry.aliases("conversion")["champion"] is None


@pytest.mark.parametrize(
    "name", ["../evil", "..", ".", "a/b", "/tmp/evil", "", ".hidden", "a\\b", "x\x00"]
)
def test_model_names_are_one_folder_name(registry, name):
    with pytest.raises(RegistryError, match="invalid model name"):
        registry.promote(name, "v1")


def test_an_alias_file_pointing_outside_is_refused(registry, tmp_path):
    aliases = tmp_path / "registry" / "conversion" / "aliases.json"
    aliases.write_text(
        json.dumps({"champion": "../../../evil", "previous": None, "history": ["../../../evil"]})
    )
    with pytest.raises(RegistryError, match="not a version of conversion"):
        registry.alias("conversion", "champion")


def test_a_version_folder_symlinked_outside_is_refused(registry, tmp_path):
    (tmp_path / "registry" / "conversion" / "versions" / "v7").symlink_to(tmp_path / "evil")
    with pytest.raises(RegistryError, match="outside the registry"):
        registry.get("conversion", "v7")


def test_a_real_version_still_promotes(registry):
    assert registry.promote("conversion", "v1")["champion"] == "v1"
    assert registry.alias("conversion", "champion").load_model() == {"weights": [1, 2]}


def test_the_cli_reports_the_refusal_in_one_line(registry, tmp_path):
    proc = lockgate_cli(
        "registry",
        "promote",
        "conversion",
        "../../../evil",
        "--registry",
        tmp_path / "registry",
        timeout=60,
    )
    assert proc.returncode == 2
    assert (
        proc.stderr.startswith("lockgate: error: invalid version '../../../evil'")
        and "Traceback" not in proc.stderr
    )
