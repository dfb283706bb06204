"""(d) Great Expectations 1.x on pandas with the equivalent expectation suite.

GX on DuckDB through SQLAlchemy fails on every expectation in GX 1.24 (issues #10738, #11579), so,
like lockgate's frame engine, it validates a DataFrame loaded from the DuckDB file. Timed in three
parts: `load` (the table into pandas), `setup` (ephemeral context, data source, suite, validation
definition) and `validate` (`ValidationDefinition.run` with result_format BASIC, the cheapest
format that still reports unexpected counts; GX's default, SUMMARY, does more work).
`import great_expectations` (about 5 s) happens before the clock starts and is reported apart.
"""

from __future__ import annotations

import time

from benchmarks.approaches.common import Job, normalize
from benchmarks.generate import TABLE
from benchmarks.rules import RuleSpec

_state: dict = {}


def prepare(job: Job) -> None:
    import duckdb  # noqa: F401

    started = time.perf_counter()
    import great_expectations  # noqa: F401

    _state["import_gx_s"] = time.perf_counter() - started


def _key(name: str, kwargs: dict) -> str:
    return name + repr(sorted(kwargs.items()))


def suite_plan(specs: tuple[RuleSpec, ...]) -> dict[str, tuple[str, dict]]:
    """One expectation per distinct (class, arguments); rules sharing one read the same result."""
    plan: dict[str, tuple[str, dict]] = {}
    for spec in specs:
        if spec.gx is not None:
            for name, kwargs in spec.gx.expectations:
                plan.setdefault(_key(name, kwargs), (name, kwargs))
    return plan


def measure(job: Job) -> dict:
    import duckdb
    import great_expectations as gx

    started = time.perf_counter()
    con = duckdb.connect(str(job.db), read_only=True)
    try:
        df = con.execute(f"SELECT * FROM {TABLE}").df()
    finally:
        con.close()
    loaded = time.perf_counter()

    context = gx.get_context(mode="ephemeral")
    batch = (
        context.data_sources.add_pandas("benchmark")
        .add_dataframe_asset(TABLE)
        .add_batch_definition_whole_dataframe("all")
    )
    suite = context.suites.add(gx.ExpectationSuite(name=f"{TABLE}_{job.n_rules}"))
    plan = suite_plan(job.specs)
    for key, (name, kwargs) in plan.items():
        suite.add_expectation(getattr(gx.expectations, name)(**kwargs, meta={"key": key}))
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name="benchmark", data=batch, suite=suite)
    )
    ready = time.perf_counter()

    outcome = validation.run(batch_parameters={"dataframe": df}, result_format="BASIC")
    done = time.perf_counter()
    _state["parts"] = {
        "load_s": loaded - started,
        "setup_s": ready - loaded,
        "validate_s": done - ready,
    }

    by_key = {}
    for r in outcome.results:
        if r.exception_info and r.exception_info.get("raised_exception"):
            raise RuntimeError(
                f"GX expectation failed to run: {r.expectation_config.type}: {r.exception_info.get('exception_message')}"
            )
        by_key[r.expectation_config.meta["key"]] = r.result
    metrics = {}
    for spec in job.specs:
        if spec.gx is None:
            continue
        values = [by_key[_key(n, k)].get(spec.gx.result) for n, k in spec.gx.expectations]
        metrics[spec.id] = normalize(sum(values) if len(values) > 1 else values[0])
    return metrics


def comparable(spec: RuleSpec) -> bool:
    """Rules whose GX number means the same as lockgate's (see `rules.Gx.same`)."""
    return spec.gx is not None and spec.gx.same


def details() -> dict:
    return {**_state.get("parts", {}), "import_gx_s": _state.get("import_gx_s")}
