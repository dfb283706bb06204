"""Turn the differences into results: one for the keys (`<rule id>.keys`), one per compared column
(`<rule id>.<column>`), and the rule's own result, which fails when any of them fails.

The rule's own result is what consumers that know only the contract's rule ids (Dagster asset
checks, the guard) see, so a frozen column can never hide behind a passing key result.
`observed` is the number of keys that differ, `expected` the allowance, and every sample shows
the key with the source value beside the warehouse value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from lockgate.contract.model import Table
from lockgate.contract.rules import Reconcile, Rule, measure_as
from lockgate.reconcile.compare import Differences
from lockgate.reconcile.side import Side
from lockgate.results.model import RuleResult

SAMPLES = 5


def column_rule(rule: Rule, table: Table, column: str) -> Rule:
    """The per-column result's rule: `<rule id>.<column>`, on that column."""
    logical = next((c.name for c in table.columns if c.physical_name == column), column)
    return replace(rule, id=f"{rule.id}.{logical}", column=logical)


def expected_text(m: Reconcile, cutoff: dt.datetime | None) -> str:
    text = f"<= {m.tolerance} keys"
    if cutoff is not None:
        why = f"lag {m.lag_seconds:g}s" if m.lag_seconds else "the warehouse's last load"
        text += f"; source rows changed after {cutoff.isoformat()} ({why}) are late, not counted"
    return text


def error_results(rule: Rule, table: Table, message: str) -> list[RuleResult]:
    return [
        RuleResult(
            rule, False, message, expected_text(measure_as(rule, Reconcile), None), error=message
        )
    ]


def results(
    rule: Rule,
    table: Table,
    source: Side,
    warehouse: Side,
    found: Differences,
    cutoff: dt.datetime | None,
    unmatched: dict[str, str],
) -> list[RuleResult]:
    """`unmatched`: compared columns that could not be fingerprinted -> why (a type mismatch,
    a column absent from one side)."""
    m = measure_as(rule, Reconcile)
    expected = expected_text(m, cutoff)
    key = m.key
    wanted = _sample_keys(found)
    src_values = source.rows_for(key, found.columns, wanted)
    wh_values = warehouse.rows_for(key, found.columns, wanted)

    def key_of(kh: int) -> dict[str, Any]:
        row = src_values.get(kh) or wh_values.get(kh) or {}
        return {k: row.get(k) for k in key}

    key_samples: list[dict[str, Any]] = []
    for problem, hashes in (
        ("missing from the warehouse", found.missing),
        ("not in the source", found.extra),
        ("duplicate key in the source", found.duplicated["source"]),
        ("duplicate key in the warehouse", found.duplicated["warehouse"]),
    ):
        for kh in hashes[:SAMPLES]:
            key_samples.append(
                {
                    "key": key_of(kh),
                    "source": _count(found, "source", kh),
                    "warehouse": _count(found, "warehouse", kh),
                    "problem": problem,
                }
            )
    for role, side in (("source", source), ("warehouse", warehouse)):
        if found.null_keys[role]:
            for row in side.null_key_rows(key, SAMPLES):
                key_samples.append(
                    {
                        "key": row,
                        "source": int(role == "source"),
                        "warehouse": int(role == "warehouse"),
                        "problem": f"NULL key in the {role}",
                    }
                )
    for kh in found.late[:SAMPLES]:
        key_samples.append(
            {
                "key": key_of(kh),
                "source": _count(found, "source", kh),
                "warehouse": _count(found, "warehouse", kh),
                "problem": "changed at the source after the cutoff: late, not counted",
            }
        )
    problems, observed, passed = _counted(found.key_problems, found.unseen_keys, found, m)
    keys_rule = replace(rule, id=f"{rule.id}.keys")
    out = [
        RuleResult(
            keys_rule, passed, observed, expected, problems, None, tuple(key_samples[: SAMPLES * 2])
        )
    ]
    column_samples: list[dict[str, Any]] = []
    for column in found.columns:
        differing = found.differing.get(column, [])
        samples = tuple(
            {
                "key": key_of(kh),
                "source": src_values.get(kh, {}).get(column),
                "warehouse": wh_values.get(kh, {}).get(column),
            }
            for kh in differing[:SAMPLES]
        )
        column_samples += [{**s, "column": column} for s in samples[:1]]
        count, observed, passed = _counted(
            len(differing), found.unseen_columns.get(column, 0), found, m
        )
        out.append(
            RuleResult(
                column_rule(rule, table, column), passed, observed, expected, count, None, samples
            )
        )
    for column, why in unmatched.items():
        out.append(
            RuleResult(
                column_rule(rule, table, column),
                False,
                why,
                expected,
                error=why if why.startswith("column ") else None,
            )
        )
    # the rule's own result: every key that differs in any way, counted once
    keys = set(found.missing) | set(found.extra) | {k for v in found.duplicated.values() for k in v}
    keys |= {k for v in found.differing.values() for k in v}
    total, observed, passed = _counted(
        len(keys) + sum(found.null_keys.values()), found.buckets_skipped, found, m
    )
    passed = passed and all(r.passed for r in out)
    summary_samples = [s for s in key_samples if "late" not in s["problem"]][
        :SAMPLES
    ] + column_samples
    out.insert(
        0,
        RuleResult(rule, passed, observed, expected, total, None, tuple(summary_samples[:SAMPLES])),
    )
    return out


def _counted(
    found_keys: int, unseen: int, found: Differences, m: Reconcile
) -> tuple[int, Any, bool]:
    """(count, observed, passed). Buckets left out of the drill-down (over `drillRows`) each hide
    at least one differing key: the count is then a lower bound, said so, and never a pass."""
    if not unseen:
        return found_keys, found_keys, found_keys <= m.tolerance
    count = found_keys + unseen
    skipped = found.buckets_skipped
    note = f"at least {count} keys ({skipped} differing buckets not drilled, over drillRows)"
    return count, note, False


def _count(found: Differences, role: str, kh: int) -> int:
    return len(found.rows.get(role, {}).get(kh, []))


def _sample_keys(found: Differences) -> set[int]:
    keys: set[int] = set()
    for hashes in (
        found.missing,
        found.extra,
        found.late,
        *found.duplicated.values(),
        *found.differing.values(),
    ):
        keys.update(hashes[:SAMPLES])
    return keys
