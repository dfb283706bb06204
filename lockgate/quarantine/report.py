"""The quarantine in readable form: the text report's lines and the Dagster check metadata."""

from __future__ import annotations

from typing import Any


def _limit(outcome) -> str:
    parts = []
    if outcome.policy.max_rate is not None:
        parts.append(f"maxRate {outcome.policy.max_rate:.2%}")
    if outcome.policy.max_rows is not None:
        parts.append(f"maxRows {outcome.policy.max_rows:,}")
    return ", ".join(parts)


def text_lines(result) -> list[str]:
    lines = []
    for q in result.quarantine or ():
        verdict = "within budget" if q.passed else "OVER BUDGET"
        where = f", stored in {q.location}" if q.location else ""
        lines.append(
            f"quarantine {q.table}: {q.rows:,} rows ({q.rate:.2%}), {verdict} ({_limit(q)}){where}"
        )
        if q.error:
            lines.append(f"  {q.error}")
        for rule_id, rows in q.by_rule.items():
            if rows:
                lines.append(f"  {rule_id}: {rows:,} rows")
    return lines


def metadata(outcome) -> dict[str, Any]:
    """Plain values for a Dagster check's metadata: the quarantined rows per rule."""
    out: dict[str, Any] = {
        "quarantined_rows": outcome.rows,
        "quarantine_rate": outcome.rate,
        "quarantine_within_budget": outcome.passed,
    }
    out.update({f"quarantined[{rule_id}]": rows for rule_id, rows in outcome.by_rule.items()})
    return out
