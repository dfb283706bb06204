"""`lockgate docs`: validate a contract's tables through Great Expectations and build GX Data Docs.

The tables are read from one of the contract's servers into pandas (as the frame engine does) and
validated with the suites of `lockgate export --to gx`. GX runs on pandas only: its SQL engine
fails on DuckDB (GX issues #10738, #11579). Server and connection problems surface before GX is
imported, so usage errors stay fast.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lockgate.contract.model import Contract
from lockgate.errors import UsageError

if TYPE_CHECKING:
    from lockgate.gx.run import GxRun  # GX is slow to import: only for the type

DEFAULT_ROOT = Path("lockgate-docs")


@dataclass(frozen=True)
class DocsResult:
    run: GxRun
    not_exported: list[dict[str, str]]
    index: Path

    @property
    def passed(self) -> bool:
        return self.run.passed

    def notes(self) -> list[str]:
        lines = []
        if self.not_exported:
            names = ", ".join(s["rule"] for s in self.not_exported)
            lines.append(f"not exported to GX, so not in these docs: {names}")
        for table in self.run.missing_tables:
            lines.append(f"table {table} does not exist: its expectations count as failed")
        return lines

    def summary(self) -> str:
        outcomes = self.run.outcomes
        failed = [o for o in outcomes if not o.success]
        blocking = sorted({o.rule for o in failed if o.blocking})
        text = f"GX: {len(outcomes)} expectations, {len(failed)} failed"
        if blocking:
            text += f"; error rules failing: {', '.join(blocking)}"
        return text


def build_docs(
    contract: Contract,
    server: str | None = None,
    output: Path | None = None,
    *,
    engine: str = "frame",
    progress: Callable[[str], None] | None = None,
) -> DocsResult:
    if engine != "frame":
        raise UsageError(
            f"engine {engine!r} is not available for docs: GX's SQL engine fails on DuckDB "
            "(GX #10738); use --engine frame"
        )
    chosen = contract.server(server)
    if chosen is None:
        names = ", ".join(s.name for s in contract.servers) or "none"
        what = f"no server named {server!r}" if server else "no servers"
        raise UsageError(f"contract {contract.id} has {what} (servers: {names})")
    from lockgate.connectors import connect
    from lockgate.gx.run import validate
    from lockgate.gx.suite import not_exported, suites

    frames = {}
    with connect(chosen) as connector:
        for table in contract.tables:
            if progress:
                progress(f"{table.name}: loading into pandas")
            if connector.columns(table.physical_name) is not None:
                frames[table.name] = connector.fetch_frame(table.physical_name)
    docs_dir = (output if output is not None else DEFAULT_ROOT / contract.id).resolve()
    docs_dir.mkdir(parents=True, exist_ok=True)
    if progress:
        progress("validating with Great Expectations")
    run = validate(
        suites(contract), frames, docs_dir=docs_dir, run_name=f"{contract.id}_v{contract.version}"
    )
    assert run.index is not None  # docs_dir was given: the docs were built
    return DocsResult(run=run, not_exported=not_exported(contract), index=run.index)
