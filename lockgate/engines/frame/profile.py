"""The table profile of a pandas DataFrame: the frame engine's twin of `sql_profile`.

Same statistics, same fingerprint construction (hashes chained the same way), but pandas' own
64-bit hash (`hash_pandas_object`), so its fingerprints form the family "pandas" and are never
compared with a warehouse's. The current histogram of a drift rule is `numeric_summary` itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lockgate.contract import rules as ir
from lockgate.engines.column_kinds import pandas_profile
from lockgate.engines.frame.predicates import present
from lockgate.profile.categories import category_value
from lockgate.profile.drift import OTHER, CategoricalSummary, NumericSummary, numeric_summary
from lockgate.profile.model import (
    MAX_SEGMENTS,
    BucketFingerprints,
    ColumnStats,
    ProfileRequest,
    TableProfile,
    data_state,
    segment_label,
    state_from_buckets,
)

FAMILY = "pandas"


def frame_profile(df: pd.DataFrame, request: ProfileRequest) -> TableProfile:
    profile = TableProfile(FAMILY, len(df))
    key_hash = _key_hash(df, request.key) if request.key else None
    for column in request.columns:
        profile.columns[column] = _column_stats(df[column], key_hash)
    for column in request.top_share:
        stats = profile.columns[column]
        counts = df[column].value_counts(dropna=True)
        stats.top_share = float(counts.max() / stats.non_null) if stats.non_null else None
    for rule in request.drifts:
        drift = ir.measure_as(rule, ir.Drift)
        profile.summaries[rule.id] = _drift_summary(drift, df[drift.column])
    if request.buckets:
        profile.buckets = _buckets(df, request)
    profile.state = data_state(
        FAMILY,
        len(df),
        _rows_xor(df, request, profile),
        ((str(c), str(t)) for c, t in df.dtypes.items()),
    )
    return profile


def _rows_xor(df: pd.DataFrame, request: ProfileRequest, profile: TableProfile) -> int | None:
    """XOR over rows of the chained hash of the state's columns (the buckets' rows when they
    already hash exactly those columns)."""
    if state_from_buckets(request) and profile.buckets is not None:
        return int(np.bitwise_xor.reduce(profile.buckets.rows))
    if not request.state_columns:
        return None
    if df.empty:
        return 0
    return int(np.bitwise_xor.reduce(_chain([_value_hash(df[c]) for c in request.state_columns])))


def _column_stats(s: pd.Series, key_hash: np.ndarray | None) -> ColumnStats:
    non_null = int(present(s).sum())  # NaN counts as NULL, as in the rules
    stats = ColumnStats(non_null=non_null, distinct=int(s.nunique(dropna=True)))
    value_hash = _value_hash(s)
    term = _chain([key_hash, value_hash]) if key_hash is not None else value_hash
    stats.fingerprint = int(np.bitwise_xor.reduce(term)) if len(term) else 0
    kind = pandas_profile(s)
    if kind == "numeric":
        finite = _finite(s)
        if finite.size:
            stats.minimum, stats.maximum, stats.mean = (
                float(finite.min()),
                float(finite.max()),
                float(finite.mean()),
            )
    elif kind == "temporal" and non_null:
        latest = (
            pd.Timestamp(s.dropna().max())
            if not pd.api.types.is_datetime64_any_dtype(s.dtype)
            else s.max()
        )
        stats.max_time = latest.to_pydatetime() if isinstance(latest, pd.Timestamp) else latest
    return stats


def _finite(s: pd.Series) -> np.ndarray:
    values: np.ndarray = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    finite: np.ndarray = values[np.isfinite(values)]
    return finite


def _drift_summary(m: ir.Drift, s: pd.Series) -> NumericSummary | CategoricalSummary | None:
    if isinstance(m.reference, NumericSummary):
        if not m.reference.edges:
            return None  # an all-null reference has no bins to count on
        return numeric_summary(
            pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan),
            edges=m.reference.edges,
        )
    kind = _category_kind(s)
    present = s.dropna()
    frequencies: dict[str, int] = {}
    for key in (k for k in m.reference.frequencies if k != OTHER):
        value = category_value(key, kind)
        if value is None:
            frequencies[key] = 0
        elif kind == "other":
            frequencies[key] = int((present.astype(str) == value).sum())
        else:
            frequencies[key] = int((present == value).sum())
    rest = len(present) - sum(frequencies.values())
    if rest > 0:
        frequencies[OTHER] = rest
    return CategoricalSummary(frequencies, count=len(s), null_count=len(s) - len(present))


def _category_kind(s: pd.Series) -> str:
    present = s.dropna()
    if pd.api.types.is_bool_dtype(s.dtype) or (
        len(present) and present.map(lambda v: isinstance(v, (bool, np.bool_))).all()
    ):
        return "boolean"
    if pd.api.types.is_integer_dtype(s.dtype):
        return "integer"
    if pd.api.types.is_float_dtype(s.dtype):
        # integers with nulls arrive as floats: 3.0 must match the key "3"
        return "number"
    if pd.api.types.is_string_dtype(s.dtype) or pd.api.types.is_object_dtype(s.dtype):
        return "string" if present.map(lambda v: isinstance(v, str)).all() else "other"
    return "other"


def _buckets(df: pd.DataFrame, request: ProfileRequest) -> BucketFingerprints:
    spec = request.buckets
    assert spec is not None  # called for a bucket request only
    result = BucketFingerprints.empty(spec.buckets, spec.columns)
    if df.empty:
        return result
    key = _key_hash(df, spec.key)
    bucket = np.mod(key, spec.buckets)
    rows = _chain([key, *(_value_hash(df[c]) for c in spec.row_columns)])
    values = {column: _chain([key, _value_hash(df[column])]) for column in spec.columns}
    _fill(result, bucket, key, rows, values, slice(None))
    if spec.by is not None:
        by = df[spec.by].astype(object)
        labels = by.where(by.notna(), None).map(segment_label).to_numpy()
        distinct = pd.unique(labels)
        if len(distinct) <= MAX_SEGMENTS:
            for label in distinct:
                segment = BucketFingerprints.empty(spec.buckets, spec.columns)
                _fill(segment, bucket, key, rows, values, labels == label)
                result.segments[label] = segment
    return result


def _fill(
    target: BucketFingerprints,
    bucket: np.ndarray,
    key: np.ndarray,
    rows: np.ndarray,
    values: dict[str, np.ndarray],
    where: np.ndarray | slice,  # a segment's rows, or all of them
) -> None:
    np.add.at(target.counts, bucket[where], 1)
    np.bitwise_xor.at(target.keys, bucket[where], key[where])
    np.bitwise_xor.at(target.rows, bucket[where], rows[where])
    for column, terms in values.items():
        np.bitwise_xor.at(target.values[column], bucket[where], terms[where])


# -- hashing: the same construction as sql_profile._Hashing ---------------------------------------


def _value_hash(s: pd.Series) -> np.ndarray:
    hashed: np.ndarray = pd.util.hash_pandas_object(s, index=False).to_numpy().view(np.int64)
    return hashed


def _hash_ints(a: np.ndarray) -> np.ndarray:
    hashed: np.ndarray = pd.util.hash_array(np.ascontiguousarray(a).view(np.uint64)).view(np.int64)
    return hashed


def _chain(hashes: list[np.ndarray]) -> np.ndarray:
    acc = hashes[0]
    for h in hashes[1:]:
        acc = _hash_ints(acc) ^ h
    return _hash_ints(acc) if len(hashes) > 1 else acc


def _key_hash(df: pd.DataFrame, key: tuple[str, ...]) -> np.ndarray:
    return _chain([_value_hash(df[c]) for c in key])
