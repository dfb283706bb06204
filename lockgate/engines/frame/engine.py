"""Run a table's rules on a pandas DataFrame: pandera counts failing rows, aggregates do the rest."""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd
from pandera.errors import SchemaErrorReason, SchemaErrors

from lockgate.contract import rules as ir
from lockgate.contract.model import Contract, Table
from lockgate.engines.frame.aggregates import duplicate_samples, measure_aggregate, orphan_mask
from lockgate.engines.frame.predicates import failing_mask
from lockgate.engines.frame.schema import is_row_level, table_schema
from lockgate.engines.results import Measurement
from lockgate.engines.sql.plan import referenced_columns


class FrameEngine:
    name = "frame"

    def __init__(self, frames: Mapping[str, pd.DataFrame], contract: Contract):
        # Frames may be keyed by logical or physical table name; relationships use physical names.
        self.frames: dict[str, pd.DataFrame] = dict(frames)
        for table in contract.tables:
            if table.name in self.frames and table.physical_name not in self.frames:
                self.frames[table.physical_name] = self.frames[table.name]
            elif table.physical_name in self.frames and table.name not in self.frames:
                self.frames[table.name] = self.frames[table.physical_name]
        self.profiles: dict[
            str, object
        ] = {}  # table name -> its TableProfile (for the history store)

    @classmethod
    def from_connector(cls, connector, contract: Contract) -> FrameEngine:
        """Load every table the contract names (and tables its relationships point to) into pandas."""
        names = {t.physical_name for t in contract.tables}
        names |= {r.measure.ref_table for r in contract.rules if isinstance(r.measure, ir.Orphans)}
        frames = {}
        for name in sorted(names):
            if connector.columns(name) is not None:
                frames[name] = connector.fetch_frame(name)
        return cls(frames, contract)

    def measure(self, table: Table, rules: list[ir.Rule]) -> dict[str, Measurement]:
        df = self.frames.get(table.name)
        if df is None:
            return {
                r.id: Measurement(error=f"table {table.physical_name} does not exist")
                for r in rules
            }
        total = len(df)
        out: dict[str, Measurement] = {}
        runnable, stateful = [], []
        for rule in rules:
            missing = [c for c in referenced_columns(rule.measure) if c not in df.columns]
            if missing:
                noun = "column" if len(missing) == 1 else "columns"
                have = ", ".join(map(str, df.columns))
                out[rule.id] = Measurement(
                    error=f"{noun} {', '.join(missing)} missing from table {table.physical_name} (it has: {have})",
                    total_rows=total,
                )
            elif is_row_level(rule):
                runnable.append(rule)
            elif isinstance(rule.measure, ir.STATEFUL_MEASURES):
                stateful.append(rule)
            else:
                out[rule.id] = measure_aggregate(rule, df, self.frames, table.physical_name)
        out.update(self._row_level(table, df, runnable))
        out.update(self._profile(table, df, stateful))
        return out

    def _profile(
        self, table: Table, df: pd.DataFrame, rules: list[ir.Rule]
    ) -> dict[str, Measurement]:
        """Every stateful rule is answered with the table's profile, computed once in pandas."""
        if not rules:
            return {}
        from lockgate.state.frame_profile import frame_profile
        from lockgate.state.profile import profile_request

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
        failed: dict[str, set] = {r.id: set() for r in rules}
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

    def samples(self, table: Table, rule: ir.Rule, limit: int = 5) -> list[dict[str, Any]]:
        df = self.frames.get(table.name)
        if df is None:
            return []
        m = rule.measure
        keys = [k for k in table.key_columns if k in df.columns]
        if isinstance(m, ir.FailingRows):
            cols = list(dict.fromkeys(keys + list(ir.predicate_columns(m.predicate))))
            rows = df.loc[failing_mask(m.predicate, df), cols]
        elif isinstance(m, ir.DuplicateRows):
            return duplicate_samples(df, m.columns, limit)
        elif isinstance(m, ir.Orphans) and m.ref_table in self.frames:
            cols = list(dict.fromkeys(keys + list(m.columns)))
            rows = df.loc[orphan_mask(df, self.frames[m.ref_table], m), cols]
        else:
            return []
        if keys:
            rows = rows.sort_values(keys)
        rows = rows.head(limit).astype(object).where(rows.head(limit).notna(), None)
        return rows.to_dict("records")
