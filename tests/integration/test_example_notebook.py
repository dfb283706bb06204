"""The example notebook (a jupytext percent-format .py) executes headless on the venv's own
kernel, and its validation result and refusal render as HTML tables with the failing rules."""

from __future__ import annotations

import os

import pytest

from tests.support.cli import REPO

NOTEBOOK = REPO / "examples" / "notebooks" / "contracts_in_a_notebook.py"

pytestmark = pytest.mark.slow


def test_the_example_notebook_executes_and_shows_the_failure(tmp_path, monkeypatch):
    import jupytext
    from nbclient import NotebookClient

    # kernels and runtime files stay in the test's folders, never in the user's home
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    notebook = jupytext.read(NOTEBOOK)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute(env={**os.environ})  # raises CellExecutionError if any cell fails

    html = [
        o["data"]["text/html"]
        for cell in notebook.cells
        if cell.cell_type == "code"
        for o in cell.outputs
        if "text/html" in o.get("data", {})
    ]
    passed = next(h for h in html if "lockgate-result" in h and "PASSED" in h)
    failed = next(h for h in html if "lockgate-result" in h and "FAILED" in h)
    refusal = next(h for h in html if "lockgate-violation" in h)
    assert "passing rule(s)" in passed and "FAIL</td>" not in passed
    # failing rules first, with their bounds and sample rows
    assert failed.index("tumours.mean_area.maximum") < failed.index("passing rule(s)")
    assert "mean_area &lt;= 3000" in failed and "190 of 569" in failed
    assert "sample_id=" in failed
    assert "tumour model training refused" in refusal and "tumours.mean_texture.required" in refusal
    printed = "".join(
        o.get("text", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for o in cell.outputs
    )
    assert "trained on notebook-tumours 1.0.0: ROC AUC 0.9" in printed
