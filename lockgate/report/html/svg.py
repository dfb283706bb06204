"""Small inline SVG charts, written by hand so the report needs no plotting library and no
network: a metric over runs with its allowed band, a verdict strip, a histogram.

Every text that comes from a contract or the data goes through `esc` (contracts are untrusted)."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 640, 200
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 28, 34
OK, BAD, BAND, INK, GRID = "#2e7d32", "#c62828", "#c8e6c9", "#263238", "#e0e0e0"


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


@dataclass(frozen=True)
class Point:
    label: str  # x tick text (the run's date)
    value: float | None  # None: not measured in that run
    ok: bool
    title: str  # hover text: what was observed


@dataclass(frozen=True)
class Bound:
    """A threshold line; `allowed` is the side where the metric passes: below, above or equal."""

    value: float
    allowed: str  # "below" | "above" | "at" | "not at"
    label: str


def metric_chart(
    points: list[Point], bounds: list[Bound], *, caption: str, css_class: str = "metric"
) -> str:
    """The metric over runs; the allowed region shaded green, each bound a dashed line named by
    its label, failed runs as red points."""
    values = [p.value for p in points if p.value is not None] + [b.value for b in bounds]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    low = min(low, 0.0) if low >= 0 else low
    if math.isclose(low, high):
        high = low + (abs(low) or 1.0)
    high += (high - low) * 0.1
    y = _scale(low, high, HEIGHT - BOTTOM, TOP)
    x = _positions(len(points))
    parts = [_frame(caption)]
    for band in _allowed_bands(bounds, low, high):
        top, bottom = y(band[1]), y(band[0])
        parts.append(
            f'<rect class="band" x="{LEFT}" y="{top:.1f}" width="{WIDTH - LEFT - RIGHT}" '
            f'height="{max(bottom - top, 1.5):.1f}" fill="{BAND}"/>'
        )
    for tick in _ticks(low, high):
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="{GRID}"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" '
            f'class="tick">{esc(_num(tick))}</text>'
        )
    for b in bounds:
        parts.append(
            f'<line class="bound" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(b.value):.1f}" '
            f'y2="{y(b.value):.1f}" stroke="{INK}" stroke-dasharray="5 4"/>'
        )
        parts.append(
            f'<text class="bound-label" x="{WIDTH - RIGHT - 4}" y="{y(b.value) - 5:.1f}" '
            f'text-anchor="end">{esc(b.label)}</text>'
        )
    line = [(x[i], y(p.value)) for i, p in enumerate(points) if p.value is not None]
    if len(line) > 1:
        path = " ".join(f"{a:.1f},{b:.1f}" for a, b in line)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{INK}" stroke-width="1.2"/>')
    for i, p in enumerate(points):
        if p.value is None:
            continue
        color = OK if p.ok else BAD
        parts.append(
            f'<circle class="{"pass" if p.ok else "fail"}" cx="{x[i]:.1f}" '
            f'cy="{y(p.value):.1f}" r="{3.5 if p.ok else 5}" '
            f'fill="{color}"><title>{esc(p.title)}</title></circle>'
        )
    parts += _x_labels(points, x)
    return _svg(parts, css_class)


def verdict_strip(points: list[Point], *, caption: str) -> str:
    """Pass/fail per run, for rules whose observed value is not a number (types, detectors)."""
    x = _positions(len(points))
    size = max(4.0, min(14.0, (WIDTH - LEFT - RIGHT) / max(len(points), 1) - 2))
    parts = [_frame(caption, height=90)]
    for i, p in enumerate(points):
        color = OK if p.ok else BAD
        parts.append(
            f'<rect class="{"pass" if p.ok else "fail"}" x="{x[i] - size / 2:.1f}" y="34" '
            f'width="{size:.1f}" height="22" '
            f'fill="{color}"><title>{esc(p.title)}</title></rect>'
        )
    parts += _x_labels(points, x, baseline=76)
    return _svg(parts, "strip", height=90)


def histogram(
    labels: list[str],
    counts: Sequence[float],
    *,
    caption: str,
    markers: Sequence[tuple[float, str]] = (),
) -> str:
    """Bars for the reference distribution; `markers` are (bar position 0..len, label) lines for
    what the latest run measured (its min, mean, max)."""
    total = sum(counts) or 1.0
    shares = [c / total for c in counts]
    top = max(shares) * 1.15 if shares else 1.0
    y = _scale(0.0, top, HEIGHT - BOTTOM, TOP)
    width = (WIDTH - LEFT - RIGHT) / max(len(counts), 1)
    parts = [_frame(caption)]
    for tick in _ticks(0.0, top):
        parts.append(
            f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" '
            f'class="tick">{esc(f"{tick:.0%}")}</text>'
        )
    for i, (label, share) in enumerate(zip(labels, shares)):
        left = LEFT + i * width
        parts.append(
            f'<rect class="bar" x="{left + 1:.1f}" y="{y(share):.1f}" '
            f'width="{max(width - 2, 1):.1f}" height="{y(0) - y(share):.1f}" '
            f'fill="#90a4ae"><title>{esc(label)}: {share:.1%}</title></rect>'
        )
    step = max(1, len(labels) // 6)
    for i in range(0, len(labels), step):
        parts.append(
            f'<text x="{LEFT + (i + 0.5) * width:.1f}" y="{HEIGHT - BOTTOM + 16}" '
            f'text-anchor="middle" class="tick">{esc(labels[i][:14])}</text>'
        )
    for position, label in markers:
        at = LEFT + position * width
        parts.append(
            f'<line class="marker" x1="{at:.1f}" x2="{at:.1f}" y1="{TOP}" '
            f'y2="{HEIGHT - BOTTOM}" stroke="{BAD}" stroke-width="1.5"/>'
        )
        near_end = at > WIDTH - RIGHT - 90  # keep the label inside the chart
        x, anchor = (at - 3, "end") if near_end else (at + 3, "start")
        parts.append(
            f'<text class="marker-label" x="{x:.1f}" y="{TOP + 12}" text-anchor="{anchor}" '
            f'fill="{BAD}">{esc(label)}</text>'
        )
    return _svg(parts, "histogram")


# -- helpers ---------------------------------------------------------------------------------------


def _svg(parts: list[str], css_class: str, height: int = HEIGHT) -> str:
    body = "".join(parts)
    return (
        f'<svg class="{esc(css_class)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 '
        f'{WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img">{body}</svg>'
    )


def _frame(caption: str, height: int = HEIGHT) -> str:
    return (
        f'<title>{esc(caption)}</title><text class="caption" x="{LEFT}" '
        f'y="16">{esc(caption)}</text>'
        f'<rect x="{LEFT}" y="{TOP}" width="{WIDTH - LEFT - RIGHT}" '
        f'height="{height - TOP - (BOTTOM if height == HEIGHT else 40)}" '
        f'fill="none" stroke="{GRID}"/>'
    )


def _positions(n: int) -> list[float]:
    inner = WIDTH - LEFT - RIGHT - 20
    if n <= 1:
        return [LEFT + 10 + inner / 2] * n
    return [LEFT + 10 + inner * i / (n - 1) for i in range(n)]


def _x_labels(
    points: list[Point], x: list[float], baseline: float = HEIGHT - BOTTOM + 16
) -> list[str]:
    if not points:
        return []
    shown = sorted({0, len(points) - 1, *range(0, len(points), max(1, len(points) // 5))})
    out, last = [], -1e9
    for i in shown:
        if x[i] - last < 70 and i != len(points) - 1:
            continue
        anchor = "end" if i == len(points) - 1 and i > 0 else "middle"  # the last one stays inside
        out.append(
            f'<text x="{x[i]:.1f}" y="{baseline}" text-anchor="{anchor}" '
            f'class="tick">{esc(points[i].label)}</text>'
        )
        last = x[i]
    return out


def _scale(low: float, high: float, out_low: float, out_high: float):
    span = (high - low) or 1.0
    return lambda v: out_low + (v - low) / span * (out_high - out_low)


def _ticks(low: float, high: float, count: int = 4) -> list[float]:
    raw = (high - low) / count
    if raw <= 0:
        return [low]
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    return [first + i * step for i in range(int((high - first) / step) + 1)]


def _allowed_bands(bounds: list[Bound], low: float, high: float) -> list[tuple[float, float]]:
    """Where the metric passes, clipped to the chart: one band per bound side (two bounds of a
    between-threshold intersect)."""
    lo, hi = low, high
    exact = [b for b in bounds if b.allowed == "at"]
    if exact:
        return [(b.value, b.value) for b in exact]
    for b in bounds:
        if b.allowed == "below":
            hi = min(hi, b.value)
        elif b.allowed == "above":
            lo = max(lo, b.value)
    return [(lo, hi)] if lo <= hi and any(b.allowed in ("below", "above") for b in bounds) else []


def _num(value: float) -> str:
    if abs(value) >= 1e6:
        return f"{value / 1e6:g}M"
    if abs(value) >= 1e4:
        return f"{value / 1e3:g}k"
    return f"{value:g}"
