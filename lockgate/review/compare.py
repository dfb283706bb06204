"""Two versions of a contract side by side, in the shapes the classifiers ask about.

Tables and columns are matched by logical name, rules by rule id. A classifier that explains a
rule's appearance or disappearance (a removed column explains the removal of its rules) claims
those rule ids, so the generic rule classifiers that run later do not report them a second time.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Iterator

from lockgate.contract.model import Column, Contract, Table
from lockgate.contract.rules import ChangeRate, ExtraColumns, Measure, Rule
from lockgate.contract.source import DocPath


class Comparison:
    def __init__(self, old: Contract, new: Contract):
        self.old, self.new = old, new
        self.old_rules = {r.id: r for r in old.rules}
        self.new_rules = {r.id: r for r in new.rules}
        self.claimed: set[str] = set()
        self.found = 0  # changes reported so far; the catch-all classifier reads it

    # --- tables and columns -----------------------------------------------------------------------

    def table_names(self) -> list[str]:
        return list(
            dict.fromkeys([t.name for t in self.old.tables] + [t.name for t in self.new.tables])
        )

    def tables(self) -> Iterator[tuple[str, Table | None, Table | None]]:
        for name in self.table_names():
            yield name, self.old.table(name), self.new.table(name)

    def common_tables(self) -> Iterator[tuple[str, Table, Table]]:
        for name, old, new in self.tables():
            if old is not None and new is not None:
                yield name, old, new

    def columns(self) -> Iterator[tuple[str, str, Column | None, Column | None]]:
        """Columns of the tables present in both versions."""
        for table, old, new in self.common_tables():
            names = dict.fromkeys([c.name for c in old.columns] + [c.name for c in new.columns])
            for name in names:
                yield table, name, old.column(name), new.column(name)

    def renamed(self, table: str) -> dict[str, str]:
        """Old physical column name -> new, for the columns of `table` whose physical name changed."""
        old, new = self.old.table(table), self.new.table(table)
        if old is None or new is None:
            return {}
        pairs = ((c, new.column(c.name)) for c in old.columns)
        return {
            a.physical_name: b.physical_name
            for a, b in pairs
            if b is not None and a.physical_name != b.physical_name
        }

    # --- rules --------------------------------------------------------------------------------------

    def rule_ids(self, contract: Contract, table: str, column: str | None = None) -> frozenset[str]:
        rules = self.old_rules if contract is self.old else self.new_rules
        return frozenset(
            r.id
            for r in rules.values()
            if r.table == table and (column is None or r.column == column)
        )

    def rule_pairs(self) -> Iterator[tuple[Rule, Rule]]:
        """Rules kept under the same id whose substance changed, not yet explained."""
        for rule_id, old in self.old_rules.items():
            new = self.new_rules.get(rule_id)
            if (
                new is not None
                and rule_id not in self.claimed
                and _substance(old) != _substance(new)
            ):
                yield old, new

    def added_rules(self) -> Iterator[Rule]:
        for rule_id, rule in self.new_rules.items():
            if rule_id not in self.old_rules and rule_id not in self.claimed:
                yield rule

    def removed_rules(self) -> Iterator[Rule]:
        for rule_id, rule in self.old_rules.items():
            if rule_id not in self.new_rules and rule_id not in self.claimed:
                yield rule

    # --- the raw documents --------------------------------------------------------------------------

    def raw(self, contract: Contract, path: DocPath) -> Any:
        node: Any = contract.raw
        for part in path:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return None
        return node


def _substance(rule: Rule) -> tuple:
    """What a rule enforces; its description is documentation, compared with the raw entries."""
    return (
        rule.table,
        rule.column,
        rule.check,
        own_definition(rule.measure),
        rule.threshold,
        rule.severity,
    )


def own_definition(measure: Measure) -> Measure:
    """The measure without the parts the compiler copies from the rest of the table.

    A changeRate rule lists every column of its table (a change in any of them means "the row
    was touched") and an extraColumns rule lists the declared columns; removing or adding an
    unrelated column changes those lists, not what the rule checks. The column classifiers
    report that edit once; a rule is changed only when its own definition is."""
    if isinstance(measure, ChangeRate):
        # min_rate is also the rule's threshold, which the threshold classifiers compare
        return replace(measure, row_columns=(), min_rate=0.0)
    if isinstance(measure, ExtraColumns):
        return replace(measure, declared=())
    return measure
