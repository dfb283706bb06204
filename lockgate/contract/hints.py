"""Hints for mistakes people make when they write a contract by hand, where the generic schema
message ("did you mean 'presto'?", a list of 26 keys) points the wrong way. Each hint names the
ODCS spelling of what the author meant."""

from __future__ import annotations

from lockgate.contract.source import DocPath

#: keys of `logicalTypeOptions` that people write directly on the property
LOGICAL_TYPE_OPTIONS = frozenset({
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "pattern",
    "minLength", "maxLength", "format", "minItems", "maxItems", "uniqueItems", "timezone",
    "defaultTimezone",
})  # fmt: skip

#: file formats given as a server type; lockgate reads them through a `local` server
FILE_FORMATS = frozenset({"parquet", "csv"})


def unknown_key_hint(path: DocPath, key: str) -> str | None:
    """`path` ends with the unknown key; property-level `maximum` belongs in logicalTypeOptions."""
    on_property = len(path) >= 3 and path[-3] == "properties" and isinstance(path[-2], int)
    if on_property and key in LOGICAL_TYPE_OPTIONS:
        return (
            f"'{key}' belongs under logicalTypeOptions, e.g. `logicalTypeOptions: {{{key}: ...}}`"
        )
    return None


def enum_hint(path: DocPath, value: object) -> str | None:
    """A server `type: parquet` means files: a `local` server with a `format`."""
    is_server_type = len(path) == 3 and path[0] == "servers" and path[2] == "type"
    if is_server_type and isinstance(value, str) and value.lower() in FILE_FORMATS:
        fmt = value.lower()
        return f"{fmt} files are a `local` server: `type: local`, `format: {fmt}`, `path: <file or glob>`"
    return None
