"""YAML loading that remembers where every key and value came from.

Lint findings must point at `file:line:col`, so the document is built from PyYAML's node tree
(which carries marks) instead of `yaml.safe_load`, recording the position of every path.

A contract is untrusted input: before any document is built, its size, nesting depth and the
size it would have once every alias is expanded are checked from the parser's event stream (a
600-byte alias bomb expands to gigabytes; a deep nest exhausts the recursion of the builders).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from lockgate.contract.findings import Finding, Location

DocPath = tuple[str | int, ...]

# Far above any real contract (the reference project's largest is ~15 KB, 10 levels deep) and far
# below what hurts: building 200 000 nodes takes well under a second.
MAX_BYTES = 2 * 2**20
MAX_DEPTH = 64
MAX_NODES = 200_000


# libyaml's parser when PyYAML has it: the same nodes and marks, about 8x faster than the pure
# Python parser (which made reading 200 contracts for a Dagster code location take seconds).
if TYPE_CHECKING:
    _SafeLoader = yaml.SafeLoader
else:
    _SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):
    """SafeLoader minus the timestamp resolver.

    ODCS writes date bounds as strings (`minimum: "2024-01-01"` or unquoted); turning them
    into `date` objects would make valid contracts fail the JSON schema.
    """


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class SourceDoc:
    """A parsed YAML document plus the position of each path in it (1-based line and column)."""

    file: str
    text: str
    data: Any
    value_positions: dict[DocPath, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[DocPath, tuple[int, int]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def locate(self, path: DocPath, *, key: bool = False) -> Location:
        """Position of `path`; of its key when `key` is set; else of the nearest ancestor."""
        path = tuple(path)
        while True:
            if key and path in self.key_positions:
                return Location(self.file, *self.key_positions[path])
            if path in self.value_positions:
                return Location(self.file, *self.value_positions[path])
            if not path:
                return Location(self.file, 1, 1)
            path = path[:-1]


def load_source(path: str | Path, *, display: str | None = None) -> SourceDoc:
    """Read a YAML file; syntax errors become findings rather than exceptions."""
    path = Path(path)
    name = display or str(path)
    doc = SourceDoc(name, "", None)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)  # never more: the file may be huge or endless
    except OSError as exc:
        doc.findings.append(
            Finding(Location(name, 1, 1), f"cannot read file: {exc.strerror}", code="io")
        )
        return doc
    if len(raw) > MAX_BYTES:
        doc.findings.append(_too_large(name))
        return doc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        message = f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
        doc.findings.append(Finding(Location(name, line, col), message, code="encoding"))
        return doc
    return parse_source(text, name)


def _too_large(name: str) -> Finding:
    message = f"the file is larger than {MAX_BYTES // 2**20} MiB; not a contract"
    return Finding(Location(name, 1, 1), message, code="yaml-limit")


class YamlLimitError(yaml.MarkedYAMLError):
    """The text is valid YAML but too large, too deep or expands too far to be a contract."""


def _mark(event: yaml.Event) -> Any:
    """The event's start mark (libyaml's parser gives its own Mark type, which the stubs do not
    accept where PyYAML's errors take one; both work at run time)."""
    return event.start_mark


def check_shape(text: str) -> None:
    """Raise YamlLimitError (with the offending mark) if the document nests deeper than MAX_DEPTH
    or would build more than MAX_NODES nodes with every alias expanded; reads only the event
    stream, so nothing is built. An alias to a collection still being read (a cycle) is refused."""
    depth = 0
    built = 0
    # per open collection: its anchor and the count of values built before it
    open_anchors: list[tuple[str | None, int]] = []
    sizes: dict[str, int] = {}
    for event in yaml.parse(text, Loader=_SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            if any(anchor == event.anchor for anchor, _ in open_anchors):
                raise YamlLimitError(
                    problem=f"alias *{event.anchor} refers to its own collection",
                    problem_mark=_mark(event),
                )
            built += sizes.get(event.anchor, 1) if event.anchor is not None else 1
        elif isinstance(event, yaml.ScalarEvent):
            built += 1
            if event.anchor:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise YamlLimitError(
                    problem=f"nested deeper than {MAX_DEPTH} levels", problem_mark=_mark(event)
                )
            open_anchors.append((event.anchor, built))
            built += 1
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
            anchor, start = open_anchors.pop()
            if anchor:
                sizes[anchor] = built - start
        if built > MAX_NODES:
            raise YamlLimitError(
                problem=f"expands to more than {MAX_NODES} values (aliases included)",
                problem_mark=_mark(event),
            )


def parse_source(text: str, name: str) -> SourceDoc:
    doc = SourceDoc(name, text, None)
    if len(text.encode("utf-8", errors="replace")) > MAX_BYTES:
        doc.findings.append(_too_large(name))
        return doc
    try:
        check_shape(text)
    except YamlLimitError as exc:
        mark = exc.problem_mark
        where = Location(name, mark.line + 1, mark.column + 1) if mark else Location(name, 1, 1)
        doc.findings.append(Finding(where, f"YAML refused: {exc.problem}", code="yaml-limit"))
        return doc
    except yaml.YAMLError:
        pass  # a syntax error: reported with its position by the loader below
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or "invalid YAML"
        doc.findings.append(
            Finding(Location(name, line, col), f"invalid YAML: {problem}", code="yaml")
        )
        return doc
    except yaml.YAMLError as exc:
        doc.findings.append(Finding(Location(name, 1, 1), f"invalid YAML: {exc}", code="yaml"))
        return doc
    finally:
        loader.dispose()
    if node is None:
        doc.findings.append(
            Finding(
                Location(name, 1, 1), "the file is empty; expected an ODCS contract", code="yaml"
            )
        )
        return doc
    try:
        doc.data = _build(node, (), doc, _Loader(""))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = getattr(exc, "problem", None) or str(exc)  # the position is in the finding
        doc.findings.append(
            Finding(Location(name, line, col), f"invalid YAML: {problem}", code="yaml")
        )
    return doc


def _build(node: yaml.Node, path: DocPath, doc: SourceDoc, constructor: yaml.SafeLoader) -> Any:
    doc.value_positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        constructor.flatten_mapping(node)  # resolves `<<` merge keys like safe_load would
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _construct(constructor, key_node)
            if not isinstance(key, str):
                key = str(key)
            child = path + (key,)
            if key in result:
                where = Location(
                    doc.file, key_node.start_mark.line + 1, key_node.start_mark.column + 1
                )
                doc.findings.append(
                    Finding(
                        where,
                        f"duplicate key '{key}': YAML keeps only the last one",
                        code="duplicate-key",
                    )
                )
            doc.key_positions[child] = (
                key_node.start_mark.line + 1,
                key_node.start_mark.column + 1,
            )
            result[key] = _build(value_node, child, doc, constructor)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (i,), doc, constructor) for i, item in enumerate(node.value)]
    return _construct(constructor, node)


def _construct(constructor: yaml.SafeLoader, node: yaml.Node) -> Any:
    """A scalar's value; a tag its text does not fit (`!!float quality`) is a YAML error at the
    node, not a ValueError from deep inside PyYAML."""
    try:
        return constructor.construct_object(node, deep=True)
    except yaml.YAMLError:
        raise
    # PyYAML's constructors raise ValueError, TypeError, ...
    except Exception as exc:  # noqa: BLE001
        raise yaml.constructor.ConstructorError(
            None, None, f"cannot read the value as {node.tag}: {exc}", node.start_mark
        ) from None


def safe_yaml(text: str) -> Any:
    """`yaml.safe_load` for YAML embedded in a contract, within the same limits."""
    if len(text) > MAX_BYTES:
        raise YamlLimitError(problem=f"larger than {MAX_BYTES // 2**20} MiB")
    check_shape(text)
    return yaml.load(text, Loader=_Loader)
