from __future__ import annotations

import pytest

from tests.serve.toy import ToyProject, toy_frame, train_and_release, write_project


@pytest.fixture(scope="session")
def trained_toy(tmp_path_factory) -> ToyProject:
    """Trained once per session; tests copy the registry so promotions stay their own."""
    root = tmp_path_factory.mktemp("toy")
    specs, registry = write_project(root)
    frame = toy_frame()
    train_and_release(specs, registry, frame)
    return ToyProject(root, specs, registry, frame)


@pytest.fixture
def toy(trained_toy, tmp_path) -> ToyProject:
    import shutil

    root = tmp_path / "project"
    shutil.copytree(trained_toy.root, root)
    return ToyProject(root, root / "specs", root / "registry", trained_toy.frame)
