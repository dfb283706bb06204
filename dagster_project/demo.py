"""`make demo`: the story lockgate exists for, told with real runs of the reference pipeline.

1. 90 days of clean data: land, build the warehouse, validate, train, gate, release a champion.
2. The upstream ETL stops updating professionals.rating: the run halts before training.
3. A separate launch (a schedule, a manual run) tries to train: ContractViolation.
4. Someone forces a retrain on the frozen data: the model is refused at release.

Runs are recorded in .lockgate/dagster_home, so `make ui` shows them in Dagster's UI.

The story plays two days on lockgate's clock (lockgate/clock.py): run 1 the day before "today"
(`LOCKGATE_TODAY`, default the real UTC date), runs 2-4 on "today", each pinned to that date's
00:00 UTC. So every load has run before the clock that judges it (no freshness result "in the
future"), and two demos with the same `LOCKGATE_TODAY`, or on the same day, print the same
figures: the data, the trained models and the gates are deterministic.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STATE = REPO / ".lockgate"
HOME = STATE / "dagster_home"
# the story prints what matters; Dagster's own console log (and its stack traces) stays in the UI
QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def say(text: str = "") -> None:
    print(text, flush=True)


def step(number: int, title: str) -> None:
    say(f"\n{'─' * 100}\n{number}. {title}\n{'─' * 100}")


def enable_app_copy() -> bool:
    """When PostgreSQL answers (LOCKGATE_PG_HOST, default 127.0.0.1:5432), the application's
    own professionals land there too and the demo reconciles the warehouse copy with them."""
    from dagster_project.app_copy import APP_SCHEMA_ENV, DEFAULT_APP_SCHEMA, postgres_answers
    from dagster_project.simulator import warehouse_path

    if os.environ.get(APP_SCHEMA_ENV) or postgres_answers():
        os.environ.setdefault(APP_SCHEMA_ENV, DEFAULT_APP_SCHEMA)
        # the reconcile contract names the warehouse file relative to the working directory
        os.environ.setdefault("LOCKGATE_WAREHOUSE", str(warehouse_path()))
        return True
    return False


def say_reconcile(as_of) -> bool | None:
    """The reconcile rule's verdict, warehouse against application, with no history."""
    from dagster_project.app_copy import app_target, reconcile_professionals
    from lockgate.errors import LockgateError

    if app_target() is None:
        say("   reconcile: skipped (no PostgreSQL at 127.0.0.1:5432 for the application's copy)")
        return None
    try:
        results = reconcile_professionals(as_of=as_of)
    except LockgateError as exc:
        say(f"   reconcile: not run ({exc})")
        return None
    verdict = results[0]
    say(
        f"   reconcile with the application (PostgreSQL, no history): {'pass' if verdict.passed else 'FAILED'} "
        f"{verdict.rule.id}: {verdict.observed} keys differ"
    )
    for r in results[1:]:
        if r.passed:
            continue
        column = r.rule.id.rsplit(".", 1)[-1]
        shown = ", ".join(
            f"{'/'.join(str(v) for v in s['key'].values())} (application {s.get('source')}, warehouse {s.get('warehouse')})"
            for s in (r.samples or [])[:3]
        )
        say(f"     column {column}: {r.observed} keys differ, e.g. {shown}")
    return verdict.passed


def reset() -> None:
    """The demo starts from nothing: its warehouse, history, registry and Dagster runs."""
    from dagster_project.app_copy import app_target, reset_app
    from dagster_project.simulator import warehouse_path

    app = app_target()
    if app is not None:
        reset_app(app)
    warehouse = warehouse_path()
    for path in (warehouse, Path(f"{warehouse}.wal")):
        path.unlink(missing_ok=True)
    for folder in ("registry", "dagster_home"):
        shutil.rmtree(STATE / folder, ignore_errors=True)
    for name in ("history.sqlite", "history.sqlite-wal", "history.sqlite-shm", "alerts.jsonl"):
        (STATE / name).unlink(missing_ok=True)
    HOME.mkdir(parents=True, exist_ok=True)
    LOG.unlink(missing_ok=True)
    (HOME / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")


LOG = STATE / "demo.log"


@contextlib.contextmanager
def quiet_output():
    """dbt and Dagster write to the process's stdout/stderr directly; keep that in demo.log."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(LOG, "a") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def run(
    defs,
    instance,
    job: str | None,
    *,
    inject=(),
    override: str | None = None,
    assets=None,
    step: str = "",
):
    import dagster as dg

    config = {"ops": {}, **QUIET}
    job_def = defs.resolve_job_def(job) if job else defs.resolve_implicit_global_asset_job_def()
    if any(n.name == "upstream_etl" for n in job_def.nodes_in_topological_order):
        config["ops"]["upstream_etl"] = {"config": {"days_if_empty": 90, "inject": list(inject)}}
    if override:
        config["ops"]["conversion__training_set"] = {
            "config": {"override_guard": True, "reason": override}
        }
    selection = [dg.AssetKey(a) for a in assets] if assets else None
    with quiet_output():
        # the runs list then says which step of the story each run is, not "Manually launched"
        tags = {"demo/step": step} if step else None
        return job_def.execute_in_process(
            run_config=config,
            instance=instance,
            raise_on_error=False,
            asset_selection=selection,
            tags=tags,
        )


def error_of(result, step_key: str) -> str:
    data = result.failure_data_for_node(step_key)
    if data is None:
        return ""
    if data.user_failure_data is not None and data.user_failure_data.description:
        return data.user_failure_data.description.strip()  # a dagster.Failure: lockgate's own text
    error = data.error
    while (
        error.cause is not None and "lockgate" not in error.cls_name.lower() and error.cause.message
    ):
        error = error.cause
    return error.message.strip()


def main() -> int:
    import datetime as dt

    from lockgate import clock

    started = time.time()
    today = clock.today()
    yesterday = today - dt.timedelta(days=1)
    os.environ["DAGSTER_HOME"] = str(HOME)
    # dagster-dbt's manifest preparer looks for `dbt` on PATH: the venv's comes first
    os.environ["PATH"] = os.pathsep.join(
        [str(Path(sys.executable).parent), os.environ.get("PATH", "")]
    )
    app_copy = enable_app_copy()
    reset()
    import dagster as dg

    from dagster_project.dbt_project import dbt_project

    say("Preparing the dbt manifest (dbt deps + parse)...")
    dbt_project.preparer.prepare(dbt_project)
    from dagster_project.definitions import defs
    from lockgate.registry import ModelRegistry

    instance = dg.DagsterInstance.get()
    registry = ModelRegistry(STATE / "registry")

    say(
        f"Clock: day 1 is {yesterday}, the rest {today} ({clock.ENV}={clock.pinned() or 'unset: the real UTC date'})"
    )
    step(
        1, "A normal day: 90 days of marketplace data -> warehouse -> contracts -> train -> release"
    )
    with clock.pinned_to(yesterday):
        first = run(
            defs,
            instance,
            "daily_pipeline",
            step="1. a normal day: build, validate, train, release",
        )
        judged_at = clock.now()
    checks = first.get_asset_check_evaluations()
    say(f"   run {first.run_id[:8]}: {'succeeded' if first.success else 'FAILED'}")
    say(
        f"   {len(checks)} contract rules checked as Dagster asset checks, {sum(not c.passed for c in checks)} failed"
    )
    champion = registry.alias("conversion", "champion")
    if not first.success or champion is None:
        say("   unexpected: the clean run did not release a champion; see `make ui`")
        return 1
    say(
        f"   conversion {champion.version} trained on {champion.receipt['snapshot']['labelled_rows']} labelled requests, "
        f"ROC AUC {champion.metrics['roc_auc']:.4f} on the out-of-time holdout"
    )
    for gate in (champion.release or {}).get("gates", []):
        say(f"     {'pass' if gate['passed'] else 'FAIL'}  {gate['gate']}: {gate['detail']}")
    fresh = sorted({c.description for c in checks if c.check_name.endswith("freshness")})
    say(f"   freshness at {judged_at:%Y-%m-%d %H:%M} UTC: {'; '.join(fresh)}")
    say(
        f"   validation receipt: {len(champion.receipt['contracts'])} contracts passed -> released as champion"
    )
    if app_copy:
        say_reconcile(judged_at)

    with clock.pinned_to(today):  # the next day: its load has run before this clock
        step(
            2,
            "The other team's ETL silently stops updating professionals.rating (nothing errors upstream)",
        )
        frozen = run(
            defs,
            instance,
            "daily_pipeline",
            inject=["frozen:professionals.rating"],
            step="2. rating frozen upstream: the blocking check halts the run",
        )
        failed = [c for c in frozen.get_asset_check_evaluations() if not c.passed]
        for c in failed:
            say(f"   FAILED check {c.asset_key.to_user_string()}:{c.check_name}: {c.description}")
        say_reconcile(clock.now())  # beside changeRate: the same load, proven key by key
        untouched = [
            s
            for s in ("warehouse_models", "conversion__training_set", "conversion__release")
            if frozen.is_node_untouched(s)
        ]
        say(f"   the blocking check halted the run: {', '.join(untouched)} did not run")

        step(3, "The nightly training schedule (a separate run) tries to train anyway")
        again = run(
            defs,
            instance,
            "conversion_pipeline",
            step="3. a separate training run: refused by the guard",
        )
        say(
            textwrap.indent(
                error_of(again, "conversion__training_set") or "unexpected: training ran", "   "
            )
        )

        step(4, "Someone rebuilds the warehouse by hand and forces a retrain on the frozen data")
        warehouse_keys = [
            k.path
            for k in defs.resolve_asset_graph().get_all_asset_keys()
            if k.path[0] not in ("raw", "conversion")
        ]
        rebuilt = run(
            defs,
            instance,
            None,
            assets=warehouse_keys,
            step="4a. warehouse rebuilt by hand on the frozen data",
        )
        say(
            f"   a separate dbt run rebuilt {len(warehouse_keys)} models on the frozen data ({'nothing blocks a separate run' if rebuilt.success else 'it failed'})"
        )
        forced = run(
            defs,
            instance,
            "conversion_pipeline",
            override="demo: retrain although ratings are frozen",
            step="4b. forced retrain: refused at release",
        )
        candidate = registry.versions("conversion")[-1]
        say(
            f"   {candidate.version} trained with the guard overridden; its receipt: passed={candidate.receipt.get('passed')}"
        )
        say(
            textwrap.indent(
                error_of(forced, "conversion__release") or "unexpected: released", "   "
            )
        )
        release = registry.get("conversion", candidate.version).release or {}
        say("   release gates of the candidate:")
        for gate in release.get("gates", []):
            say(f"     {'pass' if gate['passed'] else 'FAIL'}  {gate['gate']}: {gate['detail']}")
        say(f"   champion is still {registry.aliases('conversion')['champion']}")

    say(
        f"\nDone in {time.time() - started:.0f}s (Dagster's and dbt's own logs: {LOG.relative_to(REPO)}). Every run above is in Dagster's UI:"
    )
    say(
        "   make ui     then open http://127.0.0.1:3000/asset-groups (failed checks are red; see /runs)"
    )
    say("   uv run lockgate registry list       uv run lockgate history professionals")
    ok = first.success and not frozen.success and not again.success and not forced.success
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
