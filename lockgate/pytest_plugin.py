"""Contracts as pytest tests (registered through the `pytest11` entry point).

    pytest --lockgate=contracts/                     # one test per table of every contract
    pytest --lockgate=contracts/ --lockgate-server postgres --junitxml=contracts.xml

Each `*.odcs.yaml` under the given paths becomes a file of test items, one per table; a failing
item lists the broken rules with their bounds, observed vs expected values and sample rows, and
JUnit output comes from pytest itself. No history is recorded unless `--lockgate-history PATH`
is given; without it, rules that compare with earlier runs are reported as not checked, not as
failures. The fixtures `lockgate_contract` and `lockgate_validate` let a team assert a contract
inside its own tests of feature code, on a server or on DataFrames.

This module is loaded by every pytest run once lockgate is installed, so it does nothing unless
`--lockgate` is given and imports nothing heavy at load time: lockgate's engines are imported
when a contract is collected or a fixture is called.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

CONTRACT_SUFFIX = ".odcs.yaml"
MAX_SAMPLES = 3
_PATHS = pytest.StashKey[list[Path]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("lockgate", "data contracts as tests (lockgate)")
    group.addoption(
        "--lockgate",
        action="append",
        metavar="PATH",
        default=[],
        help="Collect every *.odcs.yaml contract under PATH as tests, one per table (repeatable).",
    )
    group.addoption(
        "--lockgate-server",
        metavar="NAME",
        default=None,
        help="The contracts' server to validate on (default: each contract's first).",
    )
    group.addoption(
        "--lockgate-engine",
        choices=("sql", "frame"),
        default="sql",
        help="sql: push down into the server; frame: load into pandas (pandera).",
    )
    group.addoption(
        "--lockgate-history",
        metavar="PATH",
        default=None,
        help=(
            "Record runs in this history store (SQLite file or postgresql:// URL) and judge "
            "the rules that compare with earlier runs; default: record nothing."
        ),
    )


def pytest_configure(config: pytest.Config) -> None:
    given = config.getoption("lockgate", default=[])
    if not given:
        return
    invoked = config.invocation_params.dir
    paths = [(invoked / p).resolve() for p in given]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise pytest.UsageError(f"--lockgate: no such file or directory: {', '.join(missing)}")
    config.stash[_PATHS] = paths
    # `pytest --lockgate=contracts/` alone runs the contracts, not the project's testpaths too;
    # with explicit test paths, the contracts run alongside them
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        config.args = [str(p) for p in paths]
    else:
        config.args += [str(p) for p in paths if str(p) not in config.args]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    paths = parent.config.stash.get(_PATHS, None)
    if not paths or not file_path.name.endswith(CONTRACT_SUFFIX):
        return None
    if not any(file_path == p or p in file_path.parents for p in paths):
        return None
    return ContractFile.from_parent(parent, path=file_path)


class ContractFile(pytest.File):
    def collect(self):
        from lockgate.contract.loader import load_contract
        from lockgate.errors import ContractError
        from lockgate.export.escape import one_line

        try:
            contract = load_contract(self.path)
        except ContractError as exc:
            listed = "\n".join(str(f) for f in exc.findings if f.severity == "error")
            raise self.CollectError(f"{self.path} does not lint:\n{listed}") from None
        for table in contract.tables:
            if contract.rules_for(table.name):
                yield ContractItem.from_parent(  # the name is shown in CI logs: one line
                    self, name=one_line(table.name), contract=contract, table=table.name
                )


class ContractItem(pytest.Item):
    def __init__(self, *, contract, table: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.contract = contract
        self.table = table
        self.user_properties.append(("contract", f"{contract.id} {contract.version}"))

    def runtest(self) -> None:
        from lockgate.errors import LockgateError

        config = self.config
        history = config.getoption("lockgate_history")
        try:
            result = _validate_table(
                self.contract,
                self.table,
                server=config.getoption("lockgate_server"),
                engine=config.getoption("lockgate_engine"),
                history=history,
            )
        except LockgateError as exc:  # no such server, connection refused: one line, no traceback
            from lockgate.export.escape import one_line

            raise ContractFailed(
                one_line(f"contract {self.contract.id}, table {self.table}: {exc}")
            ) from None
        # without a store, rules that compare with earlier runs could not be judged: say so
        unchecked = [] if history else [r for r in result.results if _needs_history(r)]
        if unchecked:
            listed = "\n".join(f"  {r.rule.id}: {r.error}" for r in unchecked)
            self.add_report_section(
                "call", "lockgate", f"not checked without --lockgate-history:\n{listed}"
            )
        failed = [r for r in result.results if r.blocking_failure and r not in unchecked]
        if failed:
            raise ContractFailed(describe_failure(result, failed))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ContractFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        from lockgate.export.escape import one_line

        about = f"contract {self.contract.id} {self.contract.version}, table {self.table}"
        return (self.path, None, one_line(about))


class ContractFailed(AssertionError):
    """A table broke blocking rules of its contract (the message lists them)."""


@pytest.fixture
def lockgate_contract():
    """Load a contract: `lockgate_contract("contracts/marts/fct_quotes.odcs.yaml")`."""
    from lockgate.contract.loader import load_contract

    return load_contract


@pytest.fixture
def lockgate_validate(request: pytest.FixtureRequest):
    """Validate and assert: `lockgate_validate(contract_or_path, {"table": frame})` on DataFrames,
    or `lockgate_validate(contract_or_path, server="local")` where the data lives. Fails the test
    with the broken rules (bounds, observed, expected, samples) unless `check=False`; returns the
    ValidationResult. Records history only with `--lockgate-history`."""

    def validate(
        contract, frames=None, *, server: str | None = None, engine: str = "sql", check: bool = True
    ):
        from lockgate.contract.loader import load_contract

        loaded = contract if hasattr(contract, "rules") else load_contract(contract)
        history = request.config.getoption("lockgate_history", default=None)
        result = _validate(loaded, frames, server=server, engine=engine, history=history)
        failed = [
            r for r in result.results if r.blocking_failure and (history or not _needs_history(r))
        ]
        if check and failed:
            pytest.fail(describe_failure(result, failed), pytrace=False)
        return result

    return validate


def describe_failure(result, failed) -> str:
    """The failing rules as a CI log should show them: one block per rule."""
    from lockgate.contract.describe import describe_bounds
    from lockgate.export.escape import one_line as s  # contract text: a CI log acts on `::` lines
    from lockgate.results.jsonable import json_safe

    where = f" on server {s(result.server)}" if result.server else ""
    contract = f"contract {s(result.contract_id)} {s(result.contract_version)}{where}"
    lines = [f"{contract}: {len(failed)} of {len(result.results)} rules failed"]
    for r in failed:
        column = f" (column {s(r.rule.column)})" if r.rule.column else ""
        lines.append(f"FAIL {s(r.rule.id)}{column}: {s(r.rule.check)}")
        bounds = describe_bounds(r.rule)
        if bounds:
            lines.append(f"  bounds:   {s(bounds)}")
        lines.append(f"  observed: {s(r.error or json_safe(r.observed))}")
        lines.append(f"  expected: {s(r.expected)}")
        if r.failed_rows is not None:
            total = f" of {r.total_rows:,}" if r.total_rows else ""
            lines.append(f"  failing rows: {r.failed_rows:,}{total}")
        for row in r.samples[:MAX_SAMPLES]:
            lines.append("  sample: " + ", ".join(f"{k}={json_safe(v)!r}" for k, v in row.items()))
    return "\n".join(lines)


def _needs_history(r) -> bool:
    """A rule that compares with earlier runs and had none to compare with."""
    from lockgate.contract.rules import HistoryMeasure

    return (
        isinstance(r.rule.measure, HistoryMeasure)
        and bool(r.error)
        and r.error.startswith("not checked")
    )


def _validate_table(contract, table: str, *, server, engine: str, history):
    """Only this table's rules, so that `-k table` scans one table."""
    one = dataclasses.replace(
        contract,
        tables=tuple(t for t in contract.tables if t.name == table),
        rules=tuple(contract.rules_for(table)),
    )
    return _validate(one, None, server=server, engine=engine, history=history)


def _validate(contract, frames, *, server, engine: str, history):
    from lockgate.validation import validate, validate_frames

    record = history is not None
    if frames is not None:
        return validate_frames(contract, frames, history=history, record=record)
    return validate(contract, server, engine=engine, history=history, record=record)
