"""Validation against the official ODCS JSON schema, with findings at file:line:col.

v3.0.x and v3.1.0 contracts are validated against the official v3.1.0 schema shipped in
`schemas/`; v3.2.0 contracts against the schema of the `open-data-contract-standard` package (see
`schemas/README.md` for why not that one for everything). Unknown keys are found by walking the
document alongside the schema rather than from jsonschema's `unevaluatedProperties` errors,
because the walk can point at the offending key and suggest the key that was meant.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Iterator
from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from lockgate.contract import hints, schema_cache
from lockgate.contract.findings import Finding
from lockgate.contract.source import DocPath, SourceDoc


@lru_cache(maxsize=2)
def odcs_schema(api_version: str = "v3.1.0") -> dict[str, Any]:
    if api_version.startswith("v3.2"):
        source = resources.files("open_data_contract_standard").joinpath("schema.json")
    else:
        source = resources.files("lockgate.contract").joinpath("schemas", "odcs-v3.1.0.schema.json")
    schema: dict[str, Any] = json.loads(source.read_text("utf-8"))
    return schema


@lru_cache(maxsize=2)
def _validator(api_version: str) -> Any:
    import jsonschema

    schema = odcs_schema(api_version)
    cls = jsonschema.validators.validator_for(schema)
    return cls(_without_unevaluated(schema))


# Keywords whose outcome depends on whether a sub-schema produced errors.
_DECIDING = ("oneOf", "anyOf", "not", "if", "contains")


def _without_unevaluated(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema minus `unevaluatedProperties`, when dropping it cannot change any other error.

    Unknown keys are reported by `_walk` (with a suggestion) and jsonschema's own
    unevaluatedProperties errors are skipped, yet evaluating that keyword was three quarters of
    the validation time (33 of 42 ms for a 25-rule contract). Its result only reaches other
    errors through keywords that decide on sub-results (oneOf, anyOf, not, if); if any closed
    object is reachable under one of those, the schema is used unchanged.
    """
    if any(
        "unevaluatedProperties" in node
        for sub in _deciding_subschemas(schema, schema)
        for node in _reachable(sub, schema)
    ):
        return schema

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k != "unevaluatedProperties"}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    stripped: dict[str, Any] = strip(schema)
    return stripped


def _reachable(
    node: Any, root: dict[str, Any], seen: set[int] | None = None
) -> Iterator[dict[str, Any]]:
    """Every schema object reachable from `node`, following local `$ref`s (each once)."""
    seen = set() if seen is None else seen
    if isinstance(node, list):
        for item in node:
            yield from _reachable(item, root, seen)
        return
    if not isinstance(node, dict) or id(node) in seen:
        return
    seen.add(id(node))
    yield node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        yield from _reachable(_resolve(ref, root), root, seen)
    for key, value in node.items():
        if key != "$defs":  # definitions count only where something refers to them
            yield from _reachable(value, root, seen)


def _deciding_subschemas(schema: dict[str, Any], root: dict[str, Any]) -> Iterator[Any]:
    for node in _reachable(schema, root):
        for key in _DECIDING:
            if key in node:
                yield node[key]


def _api_version(doc: SourceDoc) -> str:
    value = doc.data.get("apiVersion") if isinstance(doc.data, dict) else None
    return value if isinstance(value, str) and value.startswith("v3.2") else "v3.1.0"


@lru_cache(maxsize=4)
def checker_fingerprint(api_version: str) -> bytes:
    """What a clean result depends on besides the contract: the schema and the checking code."""
    digest = hashlib.sha256()
    digest.update(api_version.encode())
    digest.update(json.dumps(odcs_schema(api_version), sort_keys=True).encode())
    digest.update(Path(__file__).read_bytes())
    for dist in ("jsonschema", "PyYAML"):
        try:
            digest.update(f"{dist}={metadata.version(dist)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(dist.encode())
    return digest.digest()


def schema_findings(doc: SourceDoc) -> list[Finding]:
    """Unknown keys (with suggestions) first, then every other schema violation."""
    api = _api_version(doc)
    if schema_cache.known_clean(doc.text, checker_fingerprint(api)):
        return []
    findings = list(_unknown_key_findings(doc, api))
    flagged = {f.location for f in findings}
    for error in _validator(api).iter_errors(doc.data):
        if error.validator in ("unevaluatedProperties", "additionalProperties"):
            continue  # reported by the walk, with a suggestion
        for path, message in _explain(error):
            location = doc.locate(path)
            if location not in flagged:
                flagged.add(location)
                findings.append(Finding(location, message, code="odcs-schema"))
    if not findings:
        schema_cache.remember_clean(doc.text, checker_fingerprint(api))
    return findings


def _explain(error: Any) -> Iterator[tuple[DocPath, str]]:
    """Turn a jsonschema error into (path, message); oneOf/anyOf errors explain the closest
    branch."""
    path = tuple(error.absolute_path)
    where = _describe_path(path)
    if error.validator in ("oneOf", "anyOf"):
        deepest = max(error.context or [], key=lambda e: len(e.absolute_path), default=None)
        if deepest is not None and len(deepest.absolute_path) > len(error.absolute_path):
            yield from _explain(deepest)
            return
        if _is_operator_choice(error):
            present = [
                k for k in _OPERATORS if isinstance(error.instance, dict) and k in error.instance
            ]
            if present:
                yield (
                    path,
                    f"{where}: give exactly one comparison operator, found {', '.join(present)}",
                )
            else:
                yield path, f"{where}: expected one comparison operator ({', '.join(_OPERATORS)})"
            return
    if error.validator == "required":
        yield path, f"{where}: {error.message}"
    elif error.validator == "enum":
        allowed = [str(v) for v in error.validator_value]
        known = hints.enum_hint(path, error.instance)
        if known:
            yield path, f"{where}: {error.instance!r} is not allowed; {known}"
            return
        close = difflib.get_close_matches(str(error.instance), allowed, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'? " if close else ""
        yield (
            path,
            f"{where}: {error.instance!r} is not allowed; {hint}expected one of "
            f"{', '.join(allowed)}",
        )
    elif error.validator == "type":
        yield (
            path,
            f"{where}: expected {error.validator_value}, got "
            f"{type(error.instance).__name__} {error.instance!r}",
        )
    else:
        yield path, f"{where}: {error.message}"


_OPERATORS = (
    "mustBe",
    "mustNotBe",
    "mustBeGreaterThan",
    "mustBeGreaterOrEqualTo",
    "mustBeLessThan",
    "mustBeLessOrEqualTo",
    "mustBeBetween",
    "mustNotBeBetween",
)


def _is_operator_choice(error: Any) -> bool:
    branches = error.validator_value if isinstance(error.validator_value, list) else []
    return any("mustBe" in b.get("required", []) for b in branches if isinstance(b, dict))


def _describe_path(path: DocPath) -> str:
    if not path:
        return "contract"
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


# --- unknown keys -------------------------------------------------------------------------------


def _unknown_key_findings(doc: SourceDoc, api_version: str) -> Iterator[Finding]:
    root = odcs_schema(api_version)
    yield from _walk(doc, doc.data, root, (), root)


def _walk(
    doc: SourceDoc, value: Any, schema: dict[str, Any], path: DocPath, root: dict[str, Any]
) -> Iterator[Finding]:
    branches = list(_branches(schema, root, value))
    if isinstance(value, dict):
        if path and path[-1] == "logicalTypeOptions" and not _has_logical_type(doc, path[:-1]):
            return  # which options are allowed depends on logicalType; compile reports its absence
        known = set()
        closed = False
        for branch in branches:
            known.update(branch.get("properties", {}))
            if (
                branch.get("unevaluatedProperties") is False
                or branch.get("additionalProperties") is False
            ):
                closed = True
        for key, child in value.items():
            child_schemas = [
                b["properties"][key] for b in branches if key in b.get("properties", {})
            ]
            if key not in known:
                if closed:
                    yield _unknown_key(doc, path + (key,), key, known)
                continue
            for child_schema in child_schemas:
                yield from _walk(doc, child, child_schema, path + (key,), root)
    elif isinstance(value, list):
        for branch in branches:
            items = branch.get("items")
            if isinstance(items, dict):
                for i, item in enumerate(value):
                    yield from _walk(doc, item, items, path + (i,), root)
                break


def _has_logical_type(doc: SourceDoc, path: DocPath) -> bool:
    node = doc.data
    for part in path:
        node = node[part]
    return isinstance(node, dict) and "logicalType" in node


def _branches(
    schema: dict[str, Any], root: dict[str, Any], value: Any, depth: int = 0
) -> Iterator[dict[str, Any]]:
    """The schema and every sub-schema that could apply to `value` (refs, allOf, applicable
    if/then)."""
    if not isinstance(schema, dict) or depth > 12:
        return
    if "$ref" in schema:
        yield from _branches(_resolve(schema["$ref"], root), root, value, depth + 1)
    yield schema
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key, []):
            yield from _branches(sub, root, value, depth + 1)
    if "if" in schema and _matches(schema["if"], value, root):
        yield from _branches(schema.get("then", {}), root, value, depth + 1)


def _matches(condition: dict[str, Any], value: Any, root: dict[str, Any]) -> bool:
    try:
        return bool(_condition_validator(id(condition), condition).is_valid(value))
    except Exception:  # a condition we cannot evaluate: be permissive, collect its keys
        return True


_CONDITIONS: dict[int, Any] = {}


def _condition_validator(key: int, condition: dict[str, Any]) -> Any:
    """One validator per `if` condition of the (cached, never freed) ODCS schemas, instead of one
    per visited value: the walk evaluates about 180 conditions per 25-rule contract."""
    found = _CONDITIONS.get(key)
    if found is None or found.schema is not condition:
        import jsonschema

        found = _CONDITIONS[key] = jsonschema.Draft201909Validator(condition)
    return found


def _resolve(ref: str, root: dict[str, Any]) -> dict[str, Any]:
    node: Any = root
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    resolved: dict[str, Any] = node
    return resolved


def _unknown_key(doc: SourceDoc, path: DocPath, key: str, known: set[str]) -> Finding:
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    lowered = {k.lower(): k for k in known}
    guess = close[0] if close else lowered.get(key.lower())
    hint = hints.unknown_key_hint(path, key)
    if hint is None:
        hint = (
            f"did you mean '{guess}'?" if guess else f"expected one of: {', '.join(sorted(known))}"
        )
    where = _describe_path(path[:-1])
    return Finding(
        doc.locate(path, key=True), f"unknown key '{key}' in {where}; {hint}", code="unknown-key"
    )
