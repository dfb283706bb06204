"""`lockgate report` end to end: three real checks of a DuckDB table recorded in a history
store (two clean loads, then an upstream unit change), the report written by the CLI, opened
from disk in headless Chromium with every network request refused. The page must show the
failed verdict, the failing rule with its sample rows, and that rule's chart naming its bound."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from tests.support.browser import CHROMIUM_ARGS, artifact_dirs, require_chromium
from tests.support.cli import lockgate
from tests.support.files import duckdb_with, write_contract

pytestmark = [pytest.mark.browser]

CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: meter-readings
version: 1.0.0
status: active
servers:
  - server: local
    type: duckdb
    database: {db}
schema:
  - name: readings
    properties:
      - name: reading_id
        logicalType: integer
        primaryKey: true
      - name: kwh
        logicalType: number
        required: true
        logicalTypeOptions: {{minimum: 0, maximum: 50}}
    quality:
      - metric: rowCount
        mustBeGreaterThan: 10
"""


def _readings(n: int, *, broken: bool) -> pd.DataFrame:
    kwh = [round(0.5 + (i % 40), 1) for i in range(n)]
    if broken:  # Wh instead of kWh on every 10th row
        kwh = [k * 1000 if i % 10 == 0 else k for i, k in enumerate(kwh)]
    return pd.DataFrame({"reading_id": range(1, n + 1), "kwh": kwh})


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("report")
    db = root / "w.duckdb"
    contract = write_contract(root, CONTRACT.format(db=db), "readings.odcs.yaml")
    history = root / "history.sqlite"
    for n, broken in ((100, False), (120, False), (140, True)):
        duckdb_with(db, {"readings": _readings(n, broken=broken)})
        proc = lockgate("check", contract, "--history", history, cwd=root)
        assert proc.returncode == (1 if broken else 0), proc.stdout + proc.stderr
    out = root / "site"
    proc = lockgate(
        "report", "--history", history, "--contracts", contract, "--output", out, cwd=root
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(out / "index.html")
    return out / "index.html"


def test_report_is_self_contained(report):
    text = report.read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text), (
        "the report links outside itself"
    )
    assert "<script" not in text
    assert [p.name for p in report.parent.iterdir()] == ["index.html"]


def test_report_in_chromium_shows_the_failing_rule_and_its_bound(report):
    from playwright.sync_api import expect, sync_playwright

    chromium = require_chromium()
    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("request", lambda r: requests.append(r.url))
            page.route(re.compile(r"^(?!file://).*"), lambda route: route.abort())  # offline
            page.goto(report.as_uri())

            summary = page.locator('#summary tr[data-table="readings"]')
            expect(summary.locator("td.verdict")).to_have_text("FAILED")

            failing = page.locator('tr.failing-rule[data-rule="readings.kwh.maximum"]')
            expect(failing).to_contain_text("kwh <= 50 (failing rows = 0)")
            expect(failing.locator("td").nth(6)).to_have_text("14")
            samples = page.locator("table.samples").first
            expect(samples.locator("th")).to_have_text(["reading_id", "kwh"])
            expect(samples.locator("tr").nth(1).locator("td")).to_have_text(
                ["1", "500.0"]
            )  # 0.5 kWh as Wh

            chart = page.locator('figure.rule.failing[data-rule="readings.kwh.maximum"] svg')
            expect(chart).to_have_count(1)
            expect(chart.locator("text.caption")).to_have_text(
                "readings.kwh.maximum: kwh <= 50 (failing rows = 0)"
            )
            expect(chart.locator("text.bound-label")).to_have_text("allowed: failing rows = 0")
            expect(chart.locator("line.bound")).to_have_count(1)
            expect(chart.locator("circle.pass")).to_have_count(2)
            expect(chart.locator("circle.fail")).to_have_count(1)
            assert chart.bounding_box()["width"] > 300  # rendered, not an empty element

            floor = page.locator('figure.rule[data-rule="readings.rowCount"] svg')
            expect(floor.locator("text.bound-label")).to_have_text("allowed: value > 10")
            expect(floor.locator("rect.band")).to_have_count(1)
            expect(page.locator("svg.loads circle")).to_have_count(3)

            shots = artifact_dirs(report.parent.parent / "screenshots")
            shot = shots[0] / "lockgate-report.png"
            page.screenshot(path=str(shot), full_page=True)
            for folder in shots[1:]:
                shutil.copy(shot, folder / shot.name)
            assert shot.stat().st_size > 30_000
        finally:
            browser.close()
    assert requests == [report.as_uri()], requests
