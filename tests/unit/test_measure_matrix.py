"""Every measure and predicate kind x every consumer of the Rule IR.

Each consumer (SQL, frame, dbt, GX, review, selftest) decides per kind through `KindTable`s
(lockgate.contract.dispatch). A kind a table neither handles nor lists as unsupported (with the
reason) fails here, naming the module to fill in: adding a rule kind is a checked edit
(CONTRIBUTING.md, "Adding a rule kind").
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

import lockgate
from lockgate.contract import rules as ir
from lockgate.contract.dispatch import TABLES, KindTable, Unsupported, gaps

PACKAGE = Path(lockgate.__file__).parent
CONSUMERS = ("SQL", "frame", "dbt", "GX", "review", "selftest")


def _consumer_modules() -> list[str]:
    """Every module of lockgate/ that builds a KindTable (found in the source, so a new consumer
    module is walked without being listed here)."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name != "dispatch.py" and "KindTable(" in path.read_text(encoding="utf-8"):
            relative = path.relative_to(PACKAGE.parent).with_suffix("")
            found.append(".".join(relative.parts))
    return found


MODULES = _consumer_modules()
for _module in MODULES:
    importlib.import_module(_module)
MEASURES = ir.concrete_kinds(ir.Measure)
PREDICATES = ir.concrete_kinds(ir.Predicate)
CASES = [
    pytest.param(table, kind, id=f"{table.consumer}-{kind.__name__}")
    for table in list(TABLES)
    for kind in (MEASURES if table.over is ir.Measure else PREDICATES)
]


def test_the_vocabulary_is_found():
    assert {k.__name__ for k in MEASURES} >= {"FailingRows", "RowCount", "ChangeRate", "Reconcile"}
    assert {k.__name__ for k in PREDICATES} >= {"IsNull", "OutOfRange", "LagAbove", "AnyOf"}


def test_every_consumer_has_tables():
    prefixes = {table.consumer.split(":")[0] for table in TABLES}
    assert set(CONSUMERS) <= prefixes, f"consumers without a KindTable: {set(CONSUMERS) - prefixes}"
    # the six consumers' modules, as the issue lists them
    for module in (
        "lockgate.engines.sql.expressions",
        "lockgate.engines.frame.predicates",
        "lockgate.engines.frame.schema",
        "lockgate.export.dbt",
        "lockgate.gx.expectations",
        "lockgate.contract.describe",
        "lockgate.review.directions",
        "lockgate.review.classifiers",
        "lockgate.selftest.violations",
        "lockgate.selftest.values",
        "lockgate.selftest.vacuous",
    ):
        assert module in MODULES, f"{module} no longer decides through a KindTable"


@pytest.mark.parametrize(("table", "kind"), CASES)
def test_kind_has_an_entry(table: KindTable, kind: type):
    handler, reason = table.entry(kind)
    assert handler is not None or reason is not None, gaps([table], [kind])[0]
    if reason is not None:
        # a reason is a sentence a user reads (dbt header, GX suite notes), not a class name
        assert len(reason.split()) >= 4 and kind.__name__ not in reason, reason


def test_a_new_measure_without_consumers_fails_the_matrix():
    """What a contributor sees after adding a measure kind to rules.py and nothing else."""

    @dataclass(frozen=True)
    class ColumnMedian(ir.TableMeasure):
        column: str

    @dataclass(frozen=True)
    class IsNegative(ir.Predicate):
        column: str

    found = gaps(TABLES, [ColumnMedian, IsNegative])
    predicate_tables = [t for t in TABLES if t.over is ir.Predicate]
    assert sum("IsNegative" in line for line in found) == len(predicate_tables)
    # a row predicate is worded in one table (lockgate.contract.describe): the diff, the report's
    # expected text and bounds line, and serve's 422 answer all read it
    assert {line.split(":")[0] for line in found if "IsNegative" in line} == {
        "lockgate.engines.sql.expressions",
        "lockgate.engines.frame.predicates",
        "lockgate.engines.frame.schema",
        "lockgate.export.dbt",
        "lockgate.gx.expectations",
        "lockgate.contract.describe",
        "lockgate.review.directions",
        "lockgate.review.classifiers",
        "lockgate.selftest.violations",
        "lockgate.selftest.values",
        "lockgate.selftest.vacuous",
        "lockgate.serve.row_validator",
    }
    # a whole-table measure: every consumer that decides per measure kind must say what it does;
    # the stateful detectors need not (they list every non-stateful trait as unsupported)
    missing_in = {line.split(":")[0] for line in found if "ColumnMedian" in line}
    assert missing_in == {
        "lockgate.engines.sql.plan",
        "lockgate.engines.frame.aggregates",
        "lockgate.export.dbt",
        "lockgate.gx.expectations",
        "lockgate.contract.describe",
        "lockgate.review.directions",
        "lockgate.selftest.breakers",
    }
    # each line names the module to fill in
    assert any(
        line.startswith(
            "lockgate.engines.sql.plan: 'SQL: plan a measure' has no entry for ColumnMedian"
        )
        for line in found
    )
    assert any(line.startswith("lockgate.export.dbt:") and "IsNegative" in line for line in found)
    # and calling a table with it says where, instead of a silent fallback
    describe = next(t for t in TABLES if t.consumer == "review: describe a measure")
    with pytest.raises(NotImplementedError, match=r"lockgate\.contract\.describe.*ColumnMedian"):
        describe(ColumnMedian("x"))


def test_a_new_stateful_measure_is_covered_where_the_decision_is_per_trait():
    """A trait entry (e.g. `StatefulMeasure`: answered by the table profile) covers new kinds of
    that trait; the tables deciding per kind still report it."""

    @dataclass(frozen=True)
    class Seasonal(ir.HistoryMeasure):
        column: str

    found = gaps(TABLES, [Seasonal])
    assert not any(line.startswith("lockgate.engines.sql.plan:") for line in found)
    assert any(line.startswith("lockgate.contract.describe:") for line in found)


def test_unsupported_kinds_raise_their_reason():
    gx = next(
        t for t in TABLES if t.consumer == "GX: expectations for a row predicate (zero tolerance)"
    )
    with pytest.raises(Unsupported, match="multiple-of"):
        gx.handler(ir.NotMultipleOf)


def test_a_kind_cannot_have_two_entries():
    table: KindTable = KindTable("test: duplicate entries", ir.Predicate)
    TABLES.remove(table)  # not a consumer: keep it out of the matrix
    table.register(ir.IsNull)(lambda p: "a")
    with pytest.raises(ValueError, match=re.escape("IsNull has two entries")):
        table.register(ir.IsNull)(lambda p: "b")
