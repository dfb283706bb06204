"""Run a table's rules on a pandas DataFrame: pandera counts failing rows, aggregates do the
rest."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
from pandera.errors import SchemaErrorReason, SchemaErrors

from lockgate.contract import rules as ir
from lockgate.contract.dispatch import KindTable
from lockgate.contract.model import Contract, Table
from lockgate.engines.frame.aggregates import duplicate_samples, measure_aggregate, orphan_mask
from lockgate.engines.frame.predicates import failing_mask
from lockgate.engines.frame.profile import frame_profile
from lockgate.engines.frame.schema import is_row_level, table_schema
from lockgate.engines.protocol import SAMPLE_ROWS
from lockgate.profile.model import TableProfile, profile_request
from lockgate.results.model import Measurement


class FrameEngine:
    name = "frame"

    def __init__(
        self, frames: Mapping[str, pd.DataFrame], contract: Contract, partitions: Any = None
    ):
        # Frames may be keyed by logical or physical table name; relationships use physical names.
        self.frames: dict[str, pd.DataFrame] = dict(frames)
        for table in contract.tables:
            if table.name in self.frames and table.physical_name not in self.frames:
                self.frames[table.physical_name] = self.frames[table.name]
            elif table.physical_name in self.frames and table.name not in self.frames:
                self.frames[table.name] = self.frames[table.physical_name]
        self.profiles: dict[str, TableProfile] = {}  # table name -> profile, for the history store
        self.partitions = partitions  # lockgate.engines.partitions.PartitionSelection or None

    def _frame(self, table: Table) -> pd.DataFrame | None:
        """The table's rows to check: the selected partitions only, when some were asked for."""
        df = self.frames.get(table.name)
        selection = self.partitions.of(table.name) if self.partitions is not None else None
        if df is None or selection is None:
            return df
        from lockgate.engines.frame.partitions import frame_selection

        return frame_selection(df, selection)

    @classmethod
    def from_connector(
        cls, connector: Any, contract: Contract, partitions: Any = None
    ) -> FrameEngine:
        """Load every table the contract names (and tables its relationships point to) into
        pandas."""
        names = {t.physical_name for t in contract.tables}
        names |= {r.measure.ref_table for r in contract.rules if isinstance(r.measure, ir.Orphans)}
        frames = {}
        for name in sorted(names):
            if connector.columns(name) is not None:
                frames[name] = connector.fetch_frame(name)
        return cls(frames, contract, partitions)

    def measure(self, table: Table, rules: list[ir.Rule]) -> dict[str, Measurement]:
        df = self._frame(table)
        if df is None:
            return {
                r.id: Measurement(error=f"table {table.physical_name} does not exist")
                for r in rules
            }
        if self.partitions is not None and self.partitions.of(table.name) is not None:
            from lockgate.engines.frame.partitions import frame_problem

            problem = frame_problem(self.frames[table.name], table, self.partitions.of(table.name))
            if problem is not None:
                return {r.id: Measurement(error=problem) for r in rules}
        total = len(df)
        out: dict[str, Measurement] = {}
        runnable, stateful = [], []
        for rule in rules:
            missing = [c for c in rule.measure.referenced_columns if c not in df.columns]
            if missing:
                noun = "column" if len(missing) == 1 else "columns"
                have = ", ".join(map(str, df.columns))
                out[rule.id] = Measurement(
                    error=(
                        f"{noun} {', '.join(missing)} missing from table {table.physical_name} "
                        f"(it has: {have})"
                    ),
                    total_rows=total,
                )
            elif is_row_level(rule):
                runnable.append(rule)
            elif isinstance(rule.measure, ir.StatefulMeasure):
                stateful.append(rule)
            else:
                out[rule.id] = measure_aggregate(rule, df, self.frames, table.physical_name)
        out.update(self._row_level(table, df, runnable))
        out.update(self._profile(table, df, stateful))
        if self.partitions is not None and self.partitions.of(table.name) is not None:
            from lockgate.engines.frame.partitions import add_frame_collisions

            add_frame_collisions(
                self.frames[table.name], self.partitions.of(table.name), rules, out
            )
        return out

    def _profile(
        self, table: Table, df: pd.DataFrame, rules: list[ir.Rule]
    ) -> dict[str, Measurement]:
        """Every stateful rule is answered with the table's profile, computed once in pandas."""
        if not rules:
            return {}
        try:
            profile = frame_profile(df, profile_request(table, rules, set(df.columns)))
        except Exception as exc:
            return {
                r.id: Measurement(
                    error=f"cannot profile the table for {r.check}: {exc}", total_rows=len(df)
                )
                for r in rules
            }
        self.profiles[table.name] = profile
        return {r.id: Measurement(value=profile, total_rows=len(df)) for r in rules}

    def _row_level(
        self, table: Table, df: pd.DataFrame, rules: list[ir.Rule]
    ) -> dict[str, Measurement]:
        total = len(df)
        failed: dict[str, set[Any]] = {r.id: set() for r in rules}
        errors: dict[str, str] = {}
        if rules:
            try:
                table_schema(table.name, rules).validate(df, lazy=True)
            except SchemaErrors as exc:
                for error in exc.schema_errors:
                    rule_id = getattr(error.check, "error", None)
                    if rule_id not in failed:
                        continue
                    if error.reason_code == SchemaErrorReason.CHECK_ERROR:
                        errors[rule_id] = (
                            f"check failed to run: {str(error).strip().splitlines()[-1]}"
                        )
                    elif (
                        isinstance(error.failure_cases, pd.DataFrame)
                        and "index" in error.failure_cases
                    ):
                        failed[rule_id].update(error.failure_cases["index"].dropna().tolist())
        out = {}
        for rule in rules:
            if rule.id in errors:
                out[rule.id] = Measurement(error=errors[rule.id], total_rows=total)
            else:
                out[rule.id] = Measurement(failed_rows=len(failed[rule.id]), total_rows=total)
        return out

    def samples(
        self, table: Table, rules: list[ir.Rule], limit: int = SAMPLE_ROWS
    ) -> dict[str, list[dict[str, Any]]]:
        return {rule.id: self._samples_of(table, rule, limit) for rule in rules}

    def _samples_of(self, table: Table, rule: ir.Rule, limit: int) -> list[dict[str, Any]]:
        df = self._frame(table)
        if df is None:
            return []
        m = rule.measure
        selection = self.partitions.of(table.name) if self.partitions is not None else None
        if isinstance(m, ir.DuplicateRows) and selection is not None:
            from lockgate.engines.frame.partitions import frame_collision_samples

            return frame_collision_samples(self.frames[table.name], selection, m.columns, limit)
        keys = [k for k in table.key_columns if k in df.columns]
        sample, _ = SAMPLES.entry(type(rule.measure))
        found = sample(rule.measure, df, keys, self.frames, limit) if sample else None
        if found is None:
            return []
        if isinstance(found, list):  # already shaped (repeated keys with their counts)
            return found
        rows = found
        if keys:
            rows = rows.sort_values(keys)
        rows = rows.head(limit).astype(object).where(rows.head(limit).notna(), None)
        records: list[dict[str, Any]] = rows.to_dict("records")
        return records


_NO_ROWS = "one number for the whole table: there are no offending rows to show"
# `sample(m, df, keys, frames, limit)`: the offending rows, a list of ready rows, or None
_Sample = Callable[[Any, pd.DataFrame, list[str], Mapping[str, pd.DataFrame], int], Any]
SAMPLES: KindTable[_Sample] = KindTable(
    "frame: offending rows of a failed rule",
    ir.Measure,
    unsupported=dict.fromkeys(
        (ir.TableMeasure, ir.MetadataMeasure, ir.StatefulMeasure, ir.CrossServerMeasure), _NO_ROWS
    ),
)


@SAMPLES.register(ir.FailingRows)
def _(
    m: ir.FailingRows,
    df: pd.DataFrame,
    keys: list[str],
    frames: Mapping[str, pd.DataFrame],
    limit: int,
) -> pd.DataFrame:
    cols = list(dict.fromkeys(keys + list(m.referenced_columns)))
    return df.loc[failing_mask(m.predicate, df), cols]


@SAMPLES.register(ir.DuplicateRows)
def _(
    m: ir.DuplicateRows,
    df: pd.DataFrame,
    keys: list[str],
    frames: Mapping[str, pd.DataFrame],
    limit: int,
) -> list[dict[str, Any]]:
    return duplicate_samples(df, m.columns, limit)


@SAMPLES.register(ir.Orphans)
def _(
    m: ir.Orphans, df: pd.DataFrame, keys: list[str], frames: Mapping[str, pd.DataFrame], limit: int
) -> pd.DataFrame | None:
    if m.ref_table not in frames:
        return None
    cols = list(dict.fromkeys(keys + list(m.columns)))
    return df.loc[orphan_mask(df, frames[m.ref_table], m), cols]
