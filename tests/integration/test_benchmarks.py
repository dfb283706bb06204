"""The benchmark harness, in --quick mode on a tiny table: every approach must measure the same
metrics as the hand-written query, and the result files must be written. No timing assertions:
timings on a shared machine prove nothing in a test."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from benchmarks.approaches import APPROACHES
from benchmarks.approaches.gx import comparable
from benchmarks.paths import REPO
from benchmarks.rules import CATALOGUE, STANDARD, Failing

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench")
    out, data = root / "out", root / "data"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--out", str(out), "--data", str(data)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out, json.loads((out / "results.json").read_text())


def test_every_approach_measures_the_same_metrics(quick_run):
    _, results = quick_run
    (size,) = results["sizes"]
    base = size["metrics"]["handwritten"]
    assert sorted(base) == sorted(s.id for s in CATALOGUE[:STANDARD])
    # not a vacuous comparison: the generated data has nulls and invalid values to count
    assert any(
        v for s in CATALOGUE[:STANDARD] if isinstance(s.metric, Failing) for v in [base[s.id]]
    )
    assert set(size["metrics"]) == {a.key for a in APPROACHES}
    for key, metrics in size["metrics"].items():
        if key == "gx":
            expressible = {s.id for s in CATALOGUE[:STANDARD] if comparable(s)}
            assert len(expressible) >= 20
            assert {k: metrics[k] for k in expressible} == {k: base[k] for k in expressible}
        else:
            assert metrics == base, key
        if key != "handwritten":
            assert size["parity"][key]["mismatches"] == {}, key


def test_result_files_are_written(quick_run):
    out, results = quick_run
    text = (out / "RESULTS.md").read_text()
    assert "## Targets" in text and "hand-written" in text
    assert (out / "time_vs_rows.png").read_bytes().startswith(b"\x89PNG")
    assert results["rule_scaling"]["marginal"]["lockgate_sql"]["slope_s_per_rule"] is not None
    assert "lockgate --help" in results["startup"]
    for summary in results["sizes"][0]["approaches"].values():
        assert summary["median_s"] > 0 and summary["peak_rss_mb"] > 0


def test_partition_benchmark_catches_the_reused_key_and_writes_its_page(tmp_path):
    """The incremental-check benchmark on a small table: its own verdict assertions (the newest
    day's reused key caught only with the partition's history) pass, and the page, plot and
    figures are written."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.partition_incremental", "--rows", "20000", "--days",
         "10", "--repeat", "1", "--out", str(tmp_path)],
        cwd=tmp_path,  # the checks' default plan cache goes under the scratch folder
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    figures = json.loads((tmp_path / "partition_results.json").read_text())
    assert figures["partition_rows"] == 2000 and figures["collision_caught"] is True
    page = (tmp_path / "RESULTS_PARTITIONS.md").read_text()
    assert "| `--partition` newest day of the whole table |" in page and "≤ 2×" in page
    assert (tmp_path / "partitions.png").stat().st_size > 10_000
