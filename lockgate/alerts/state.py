"""Which alerts to send: one per failing rule per load, and one "resolved" when a rule that was
failing passes again. Kept in a small SQLite file so that a retry of the same load (a re-run,
a re-executed Dagster step, a second `lockgate monitor` of the same window) sends nothing new."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lockgate.alerts.message import Alert

SCHEMA = """
CREATE TABLE IF NOT EXISTS alert_rules (
    source TEXT NOT NULL, rule TEXT NOT NULL, status TEXT NOT NULL, load TEXT NOT NULL,
    PRIMARY KEY (source, rule)
);
CREATE TABLE IF NOT EXISTS alert_sent (
    source TEXT NOT NULL, rule TEXT NOT NULL, load TEXT NOT NULL, status TEXT NOT NULL,
    PRIMARY KEY (source, rule, load, status)
);
"""


def default_state_path() -> Path:
    return Path(os.environ.get("LOCKGATE_ALERT_STATE", ".lockgate/alerts.sqlite"))


@dataclass(frozen=True)
class Verdict:
    """One rule's verdict in one load, as the alert logic needs it."""

    rule: str
    passed: bool
    column: str | None = None
    observed: Any = None
    expected: str | None = None
    severity: str = "error"


def verdicts(result) -> list[Verdict]:
    """From a ValidationResult (a rule that could not be measured counts as failing)."""
    return [
        Verdict(
            r.rule.id, r.passed, r.rule.column, r.error or r.observed, r.expected, r.rule.severity
        )
        for r in result.results
    ]


class AlertState:
    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else default_state_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def decide(
        self, source: str, load: str, results: Iterable[Verdict], action: str | None = None
    ) -> list[Alert]:
        alerts: list[Alert] = []
        con = sqlite3.connect(self.path, timeout=30)
        try:
            with con:  # one transaction: two concurrent retries cannot both send
                for statement in SCHEMA.strip().split(";"):
                    if statement.strip():
                        con.execute(statement)
                for v in results:
                    row = con.execute(
                        "SELECT status FROM alert_rules WHERE source = ? AND rule = ?",
                        (source, v.rule),
                    ).fetchone()
                    was_failing = row is not None and row[0] == "failing"
                    status = "failing" if not v.passed else ("resolved" if was_failing else None)
                    if status is not None:
                        sent = con.execute(
                            "INSERT OR IGNORE INTO alert_sent VALUES (?, ?, ?, ?)",
                            (source, v.rule, load, status),
                        ).rowcount
                        if sent:
                            alerts.append(
                                Alert(
                                    status,
                                    source,
                                    load,
                                    v.rule,
                                    v.column,
                                    v.observed,
                                    v.expected,
                                    v.severity,
                                    action if status == "failing" else None,
                                )
                            )
                    con.execute(
                        "INSERT INTO alert_rules VALUES (?, ?, ?, ?) ON CONFLICT (source, rule) "
                        "DO UPDATE SET status = excluded.status, load = excluded.load",
                        (source, v.rule, "failing" if not v.passed else "ok", load),
                    )
        finally:
            con.close()
        return alerts
