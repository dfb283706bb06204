"""Does a live column type satisfy a contract's logicalType?"""

from __future__ import annotations

import ibis.expr.datatypes as dt

from lockgate.contract.rules import ColumnType
from lockgate.engines.column_kinds import ibis_logical

# logicalType -> the kinds of live types that satisfy it
ACCEPTS = {
    "string": {"string"},
    "integer": {"integer"},
    "number": {"integer", "number"},
    "boolean": {"boolean"},
    "date": {"date"},
    "timestamp": {"timestamp"},
    "time": {"time"},
    "object": {"object", "map"},
    "map": {"map", "object"},
    "array": {"array"},
    "vector": {"array"},
}


def type_matches(measure: ColumnType, dtype: dt.DataType) -> bool:
    if ibis_logical(dtype) not in ACCEPTS.get(measure.logical_type, set()):
        return False
    if measure.timezone is not None and dtype.is_timestamp():
        return (dtype.timezone is not None) == measure.timezone
    return True
