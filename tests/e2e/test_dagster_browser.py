"""Dagster's UI on a real failing run of the reference pipeline, in headless Chromium.

A clean `daily_pipeline` run (45 days, as the pipeline tests), then one where the upstream ETL
stops updating `professionals.rating`: the blocking check `professionals_rating_changeRate` on
`raw/professionals` fails and the dbt and ML steps never run. Both runs are recorded in a
private DAGSTER_HOME; `dagster-webserver` serves the code location on that instance, and the
browser must show:

- the check, in the asset's checks view, as Failed, a blocking check, with lockgate's metadata
  (contract id, rule id, the table of all rule results with exactly that rule failed);
- in the asset graph, `raw/professionals` materialized with one failed check, and every asset
  downstream of it (dbt models, the training set, model, evaluation, release) with status
  "Failed" linked to the failed run: the UI's way of saying "the latest run that should have
  built this asset did not" (ui-core AssetNodeStatusContent: `runWhichFailedToMaterialize`,
  i.e. the asset's latest run FAILED and its latest materialization is older). GraphQL
  confirms it is the blocked run: its latest run is the failed one, its latest materialization
  the clean run's, and the failed run has no step stats for the dbt and ML steps;
- on the run's page, the check step under "Errored" and the dbt and ML steps under
  "Not executed";
- a third run, a separate training launch the guard refuses: its page shows the
  ContractViolation text and the rule as a `dagster.Failure`'s description and metadata, with no
  Dagster traceback around it.

Screenshots go to the test's temporary folder, and to $LOCKGATE_ARTIFACTS when it is set.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import urllib.parse
from pathlib import Path

import pytest

from tests.support.browser import CHROMIUM_ARGS, require_chromium
from tests.support.webserver import Webserver, dagster_home, group_members

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# the community sign-up dialog would cover the page; the asset graph laid out top to bottom
# fits the lineage of raw/professionals in one tall screenshot at a readable zoom
BROWSER_STORAGE = """
window.localStorage.setItem("communityNux", "1");
window.localStorage.setItem("asset-graph-direction", JSON.stringify("vertical"));
"""
UI_TIMEOUT_MS = 90_000

CHECK = "professionals_rating_changeRate"
RULE = "professionals.rating.changeRate"
CONTRACT = "raw-professionals"
CHECKED_ASSET = ("raw", "professionals")
# everything downstream of raw/professionals (`key:"raw/professionals"+`), shown by leaf name
DOWNSTREAM = {
    ("stg_professionals",): "stg_professionals",
    ("int_market_supply_daily",): "int_market_supply_daily",
    ("dim_professionals",): "dim_professionals",
    ("features_conversion",): "features_conversion",
    ("conversion", "training_set"): "training_set",
    ("conversion", "model"): "model",
    ("conversion", "evaluation"): "evaluation",
    ("conversion", "release"): "release",
}
BLOCKED_STEPS = {
    "warehouse_models",
    "contract_features_conversion",
    "conversion__training_set",
    "conversion__model",
    "conversion__evaluation",
    "conversion__release",
}


class UI:
    def __init__(
        self,
        server: Webserver,
        clean_run: str,
        failed_run: str,
        refused_run: str,
        shots: list[Path],
    ):
        self.server, self.clean_run, self.failed_run, self.shots = (
            server,
            clean_run,
            failed_run,
            shots,
        )
        self.refused_run = refused_run

    def screenshot(self, page, name: str) -> Path:
        path = self.shots[0] / name
        page.screenshot(path=str(path), full_page=True)
        for folder in self.shots[1:]:
            shutil.copy(path, folder / name)
        return path


@pytest.fixture(scope="module")
def chromium() -> Path:
    return require_chromium()


@pytest.fixture(scope="module")
def ui(tmp_path_factory, chromium):
    """The two runs in a private DAGSTER_HOME and the webserver on it (checked first: no browser,
    no point in running the pipeline)."""
    import dagster as dg

    from tests.support.pipeline import Project, release_summary

    root = tmp_path_factory.mktemp("ui")
    home = dagster_home(root / "dagster_home")
    shots = [root / "screenshots"]
    if os.environ.get("LOCKGATE_ARTIFACTS"):
        shots.append(Path(os.environ["LOCKGATE_ARTIFACTS"]))
    for folder in shots:
        folder.mkdir(parents=True, exist_ok=True)
    env = {
        "DAGSTER_HOME": str(home),
        "LOCKGATE_WAREHOUSE": str(root / "marketplace.duckdb"),
        "LOCKGATE_HISTORY": str(root / "history.sqlite"),
        "LOCKGATE_REGISTRY": str(root / "registry"),
        "LOCKGATE_STATE_DIR": str(root / "state"),
    }
    with pytest.MonkeyPatch.context() as mp, dg.DagsterInstance.from_config(str(home)) as instance:
        for name, value in env.items():
            mp.setenv(name, value)
        instance.get_runs(limit=1)  # create the instance's storage before the webserver opens it
        server = Webserver("dagster_project.definitions", env=env, log=root / "webserver.log")
        # the webserver loads the code location while the runs execute; readiness is checked after
        server.start(wait=False)
        try:
            project = Project(root, instance)
            # 30 days up to the session's pinned clock: roc_auc 0.6287 (floor 0.58), calibration gap
            # 0.0088 (allowed 0.05), the same on every day (deterministic data and training)
            clean = project.run("daily_pipeline", days_if_empty=30)
            assert clean.success, (
                f"clean run failed: {clean.get_failed_step_keys()}\n{release_summary(project)}"
            )
            frozen = project.run("daily_pipeline", inject=["frozen:professionals.rating"])
            assert not frozen.success
            assert frozen.get_failed_step_keys() == {"contract_raw_professionals"}
            assert all(frozen.is_node_untouched(step) for step in BLOCKED_STEPS)
            # a separate training run (a schedule, a manual launch): the guard refuses it
            refused = project.run("conversion_pipeline")
            assert refused.get_failed_step_keys() == {"conversion__training_set"}
            server.wait_ready()
            yield UI(server, clean.run_id, frozen.run_id, refused.run_id, shots)
        finally:
            server.stop()


@pytest.fixture(scope="module")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, ui):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1500, "height": 2700})
    context.add_init_script(BROWSER_STORAGE)
    context.set_default_timeout(UI_TIMEOUT_MS)
    # assertions wait as long as actions: on a loaded machine the UI takes more than expect's 5 s
    # default to render (a slow page must not read as a wrong one)
    expect.set_options(timeout=UI_TIMEOUT_MS)
    page = context.new_page()
    # only the loopback webserver: anything else is refused
    page.route(re.compile(r"^(?!https?://127\.0\.0\.1[:/]).*"), lambda route: route.abort())
    yield page
    context.close()


def test_failed_check_is_shown_with_its_contract_and_rule_results(ui, page):
    from playwright.sync_api import expect

    # GraphQL first: the latest execution of the check is the failed run's, a blocking ERROR
    data = ui.server.graphql(
        """query($k: AssetKeyInput!, $c: String!) { assetCheckExecutions(assetKey: $k, checkName: $c, limit: 1) {
             runId status evaluation { severity success } } }""",
        {"k": {"path": list(CHECKED_ASSET)}, "c": CHECK},
    )
    (latest,) = data["assetCheckExecutions"]
    assert latest == {
        "runId": ui.failed_run,
        "status": "FAILED",
        "evaluation": {"severity": "ERROR", "success": False},
    }

    page.set_viewport_size({"width": 2200, "height": 2700})  # the rule table is wide
    page.goto(f"{ui.server.url}/assets/{'/'.join(CHECKED_ASSET)}?view=checks&checkDetail={CHECK}")
    result = page.locator("div", has=page.get_by_text("Evaluation result", exact=True)).last
    expect(result).to_have_text(re.compile(r"^\s*Evaluation result\s*Failed\s*$"))

    # the checks list: this rule Failed, its neighbours Succeeded
    def list_row(name: str):
        return page.get_by_text(name, exact=True).first.locator("xpath=ancestor::span[1]")

    expect(list_row(CHECK)).to_have_text(re.compile(rf"{CHECK}\s*Failed\s*$"))
    expect(list_row("professionals_rating_required")).to_have_text(re.compile(r"Succeeded\s*$"))

    expect(page.get_by_text("This is a blocking asset check.")).to_be_visible()

    # lockgate's metadata: contract, rule, and the table of every rule's result
    metadata = page.locator('table[class*="structuredContentTable"]').first

    def entry(label: str):
        return metadata.locator(f'xpath=./tbody/tr[td[1][normalize-space()="{label}"]]/td[2]')

    expect(entry("contract")).to_have_text(CONTRACT)
    expect(entry("rule")).to_have_text(RULE)
    expect(entry("result")).to_contain_text("changes in >= 20% of changed buckets")
    expect(entry("result")).to_contain_text("observed frozen? rating changed in 0 of")
    rule_results = entry("contract_rule_results").locator(
        "table"
    )  # on this run's first failed check only
    expect(rule_results.locator("th")).to_have_text(
        ["rule", "check", "column", "severity", "passed", "observed", "expected", "failed_rows"]
    )
    rows = [
        [cell.strip() for cell in row]
        for row in rule_results.locator("tbody tr").evaluate_all(
            "rows => rows.map(r => [...r.cells].map(c => c.innerText))"
        )
    ]
    assert len(rows) > 20, rows
    failed = [row for row in rows if row[4] == "false"]
    assert [row[:5] for row in failed] == [[RULE, "changeRate", "rating", "error", "false"]]
    assert rows[0][0] == RULE  # failures first
    assert "frozen?" in failed[0][5]  # the observed value says why

    shot = ui.screenshot(page, "dagster-failed-check.png")
    assert shot.stat().st_size > 50_000


def test_asset_graph_shows_the_failed_check_and_the_blocked_downstream_assets(ui, page):
    from playwright.sync_api import expect

    # GraphQL: what the graph's statuses are computed from
    keys = [{"path": list(k)} for k in [CHECKED_ASSET, *DOWNSTREAM]]
    info = ui.server.graphql(
        """query($keys: [AssetKeyInput!]!) { assetsLatestInfo(assetKeys: $keys) {
             assetKey { path } latestRun { id status } latestMaterialization { runId } } }""",
        {"keys": keys},
    )["assetsLatestInfo"]
    latest = {tuple(i["assetKey"]["path"]): i for i in info}
    assert (
        latest[CHECKED_ASSET]["latestMaterialization"]["runId"] == ui.failed_run
    )  # landed, then its check failed
    for key in DOWNSTREAM:
        assert latest[key]["latestRun"] == {"id": _blocking_run(ui, key), "status": "FAILURE"}, key
        assert latest[key]["latestMaterialization"]["runId"] == ui.clean_run, (
            key
        )  # still the clean build
    steps = ui.server.graphql(
        "query($id: ID!) { runOrError(runId: $id) { ... on Run { status stepStats { stepKey status } } } }",
        {"id": ui.failed_run},
    )["runOrError"]
    assert steps["status"] == "FAILURE"
    stats = {s["stepKey"]: s["status"] for s in steps["stepStats"]}
    assert stats["contract_raw_professionals"] == "FAILURE" and stats["upstream_etl"] == "SUCCESS"
    assert not BLOCKED_STEPS & set(stats), stats  # never started
    checks = ui.server.graphql(
        """query($k: AssetKeyInput!) { assetNodeOrError(assetKey: $k) { ... on AssetNode {
             assetChecksOrError { ... on AssetChecks { checks { name blocking } } } } } }""",
        {"k": {"path": list(CHECKED_ASSET)}},
    )["assetNodeOrError"]["assetChecksOrError"]["checks"]
    assert {"name": CHECK, "blocking": True} in checks
    n_checks = len(checks)

    selection = urllib.parse.quote(f'key:"{"/".join(CHECKED_ASSET)}"+', safe="")
    groups = ",".join(f"global@global:{g}" for g in ("upstream", "warehouse", "conversion"))
    page.goto(f"{ui.server.url}/asset-groups~{selection}?expanded={groups}")

    def node(name: str):
        box = page.locator(f'div[class*="assetNodeBox"]:has([data-tooltip="{name}"])')
        expect(box).to_have_count(1)
        expect(box).not_to_contain_text("Loading")
        return box

    checked = node(CHECKED_ASSET[-1])
    expect(checked).to_contain_text(f"{n_checks - 1} / {n_checks} Passed")
    expect(checked.locator(":scope > :last-child")).to_have_text(re.compile(r"^\s*Materialized"))
    for key, name in DOWNSTREAM.items():
        status = node(name).locator(":scope > :last-child")
        expect(status).to_have_text(re.compile(r"^\s*Failed"))
        expect(status.locator(f'a[href="/runs/{_blocking_run(ui, key)}"]')).to_have_count(1)

    shot = ui.screenshot(page, "dagster-asset-graph.png")
    assert shot.stat().st_size > 50_000


def test_run_page_lists_the_blocked_steps_as_not_executed(ui, page):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 1600, "height": 2000})
    page.goto(f"{ui.server.url}/runs/{ui.failed_run}")
    errored = page.get_by_text(re.compile(r"^Errored \(\d+\)$"))
    expect(errored).to_have_text("Errored (1)")
    expect(
        page.locator("div", has=errored).filter(has_text="contract_raw_professionals").last
    ).to_contain_text("contract_raw_professionals")

    header = page.get_by_text(re.compile(r"^Not executed \(\d+\)$"))
    header.click()  # collapsed by default
    section = page.locator("div", has=header).filter(has_text="conversion__training_set").last
    lines = [line.strip() for line in section.inner_text().splitlines() if line.strip()]
    count = int(re.search(r"\((\d+)\)", lines[0]).group(1))
    assert lines[0].startswith("Not executed") and len(lines) == 1 + count, lines
    assert BLOCKED_STEPS <= set(lines[1:]), lines
    assert "contract_raw_professionals" not in lines

    # the run's log says why: the dbt step's dependency (the contract check) failed
    expect(
        page.get_by_text(
            "Dependencies for step warehouse_models failed: ['contract_raw_professionals']. Not executing."
        )
    ).to_be_visible()
    expect(page.get_by_text(f"{'/'.join(CHECKED_ASSET)}: {CHECK}").first).to_be_visible()

    ui.screenshot(page, "dagster-failed-run.png")


def _blocking_run(ui: UI, key: tuple[str, ...]) -> str:
    """The latest run of an asset downstream of the failed check: the ML assets' is the refused
    training run, the warehouse's the run whose check failed."""
    return ui.refused_run if key[0] == "conversion" else ui.failed_run


def test_refused_training_shows_the_contract_violation_not_a_traceback(ui, page):
    from playwright.sync_api import expect

    failure = ui.server.graphql(
        """query($id: ID!) { logsForRun(runId: $id) { ... on EventConnection { events {
             __typename ... on ExecutionStepFailureEvent { stepKey error { message } failureMetadata { label description
             metadataEntries { label } } } } } } }""",
        {"id": ui.refused_run},
    )["logsForRun"]["events"]
    (step,) = [e for e in failure if e["__typename"] == "ExecutionStepFailureEvent"]
    assert step["stepKey"] == "conversion__training_set"
    assert step["failureMetadata"]["description"].startswith("conversion training refused: ")
    labels = {m["label"] for m in step["failureMetadata"]["metadataEntries"]}
    assert {"contract", "version", "rule", "column", "observed", "expected", "samples"} <= labels

    page.set_viewport_size({"width": 1600, "height": 1400})
    page.goto(f"{ui.server.url}/runs/{ui.refused_run}")
    expect(
        page.get_by_text(re.compile(r"conversion training refused: \d+ contract violation")).first
    ).to_be_visible()
    expect(page.get_by_text(RULE).first).to_be_visible()
    body = page.locator("body").inner_text()
    assert (
        "DagsterExecutionStepExecutionError" not in body
        and "The above exception was caused by" not in body
    )
    ui.screenshot(page, "dagster-refused-training.png")


def test_webserver_stops_cleanly(ui):
    pgid = ui.server.pid
    assert group_members(pgid), "the webserver is not running"
    ui.server.stop()
    assert group_members(pgid) == [], "processes left behind by dagster-webserver"
    assert ui.server.stopped_by == signal.SIGINT, (
        f"needed {ui.server.stopped_by!r}:\n{ui.server.log_text(3000)}"
    )
