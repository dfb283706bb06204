"""The benchmark plot, rendered from the committed results: labelled log axes, series apart."""

from __future__ import annotations

import json

import pytest

from benchmarks.paths import HERE

pytest.importorskip("matplotlib")


def test_plot_has_labelled_log_ticks_and_distinct_series(tmp_path):
    import matplotlib.pyplot as plt

    from benchmarks.report import figure, plot

    results = json.loads((HERE / "results.json").read_text())
    fig = figure(results)
    left, right = fig.axes
    seconds = [t.get_text() for t in left.get_yticklabels()]
    ratios = [t.get_text() for t in right.get_yticklabels()]
    assert len(seconds) >= 5 and all(s.endswith(" s") for s in seconds), seconds
    assert len(ratios) >= 5 and "1×" in ratios and "1.3×" in ratios, ratios
    assert [t.get_text() for t in left.get_xticklabels()] == ["1M", "3M", "10M"]
    lines = left.get_lines()
    assert len(lines) == len(results["approaches"])
    looks = {(line.get_color(), line.get_marker()) for line in lines}
    assert len({c for c, _ in looks}) == len(lines) and len({m for _, m in looks}) == len(lines)
    plt.close(fig)
    plot(results, tmp_path / "p.png")
    assert (tmp_path / "p.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
