"""The rows a quarantine pass singled out: shared by the run and its SQL and frame halves, in a
module of its own so that they do not import each other."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass
class HeldRows:
    """The quarantined rows (the table's declared columns) and, per row, the rules it broke."""

    rows: pd.DataFrame
    rules: list[list[str]]
    valid: pd.DataFrame | None = None
