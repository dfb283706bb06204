"""Does a live column type satisfy a contract's logicalType?"""

from __future__ import annotations

import ibis.expr.datatypes as dt

from lockgate.contract.rules import ColumnType

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


def kind_of(dtype: dt.DataType) -> str:
    if dtype.is_integer():
        return "integer"
    if dtype.is_decimal():
        return "integer" if dtype.scale == 0 else "number"
    if dtype.is_floating():
        return "number"
    if dtype.is_string() or dtype.is_uuid():
        return "string"
    if dtype.is_boolean():
        return "boolean"
    if dtype.is_timestamp():
        return "timestamp"
    if dtype.is_date():
        return "date"
    if dtype.is_time():
        return "time"
    if dtype.is_struct() or dtype.is_json():
        return "object"
    if dtype.is_map():
        return "map"
    if dtype.is_array():
        return "array"
    return "unknown"


def type_matches(measure: ColumnType, dtype: dt.DataType) -> bool:
    if kind_of(dtype) not in ACCEPTS.get(measure.logical_type, set()):
        return False
    if measure.timezone is not None and dtype.is_timestamp():
        return (dtype.timezone is not None) == measure.timezone
    return True
