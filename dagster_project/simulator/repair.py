"""Bring a raw table back to the upstream truth after loads that injected failures into it.

Only tables flagged dirty are compared (a full read), so clean days stay append/update-only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .batch import TableBatch
from .generate import Rows, to_frame
from .schema import LOADED_AT, TableSpec
from .writers.base import Writer, normalize


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    both_missing = (a.isna() & b.isna()).to_numpy()
    equal = a == b
    equal = (
        equal.fillna(False).to_numpy(dtype=bool)
        if hasattr(equal, "fillna")
        else np.asarray(equal, bool)
    )
    return equal | both_missing


def repair_batch(
    writer: Writer, spec: TableSpec, truth: Rows, loaded_at: np.datetime64
) -> TableBatch:
    existing = writer.columns(spec.name)
    ops: list[tuple] = [("drop", c) for c in existing if c not in spec.columns]
    ops += [("add", c, t) for c, t in spec.columns.items() if c not in existing]
    present = [c for c in spec.columns if c in existing]
    landed = writer.read_frame(f"SELECT {', '.join(present)} FROM {writer.qualified(spec.name)}")
    for c in spec.columns:
        if c not in landed.columns:
            landed[c] = pd.Series([None] * len(landed), dtype=object)
    landed = normalize(landed[list(spec.columns)], spec.columns, strict=True)
    expected = normalize(to_frame(truth, spec.name), spec.columns, strict=True)

    key = list(spec.key)
    compared = [c for c in spec.columns if c not in key and c != LOADED_AT]
    counts = landed.groupby(key, dropna=False).size()
    duplicated = counts[counts > 1].reset_index()[key]
    single = landed.drop_duplicates(key, keep=False)
    merged = expected.merge(single, on=key, how="outer", suffixes=("", "__landed"), indicator=True)
    differs = np.zeros(len(merged), bool)
    both = (merged["_merge"] == "both").to_numpy()
    for c in compared:
        differs |= both & ~_same(merged[c], merged[f"{c}__landed"])
    missing = (merged["_merge"] == "left_only").to_numpy()  # includes duplicated keys
    extra = (merged["_merge"] == "right_only").to_numpy()

    resend = merged.loc[missing | differs, list(spec.columns)].copy()
    resend[LOADED_AT] = loaded_at
    deletes = pd.concat(
        [merged.loc[differs | extra, key], duplicated], ignore_index=True
    ).drop_duplicates()
    return TableBatch(
        spec=spec,
        inserts=resend.reset_index(drop=True),
        updates=pd.DataFrame(columns=list(spec.columns)),
        update_columns=[],
        deletes=deletes.reset_index(drop=True),
        schema_ops=ops,
    )
