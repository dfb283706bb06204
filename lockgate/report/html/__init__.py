"""`lockgate report`: a static, self-contained HTML report from the history store.

data.py reads the store, bounds.py turns thresholds into chart bands, svg.py draws, page.py
lays it out. The page has no script and no external reference, so it works offline."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from lockgate.report.html.data import read_tables
from lockgate.report.html.page import render_page

INDEX = "index.html"


def build_report(store, contracts: list, output: Path, *, now: dt.datetime | None = None) -> Path:
    """Write `output`/index.html; `contracts` are loaded Contracts whose thresholds and drift
    references the charts show (a table without one is shown without bands)."""
    tables = read_tables(store)
    by_id = {c.id: c for c in contracts}
    generated = now or dt.datetime.now(dt.UTC)
    text = render_page(tables, by_id, history=store.location, generated_at=generated)
    output.mkdir(parents=True, exist_ok=True)
    target = output / INDEX
    tmp = target.with_name(f".{INDEX}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)
    return target
