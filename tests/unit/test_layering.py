"""Layers point one way: a lockgate module imports only from its own layer or the layers below.

The order is written in CONTRIBUTING.md ("Layers"); LAYERS below is the same list, lowest first.
Every import counts, wherever it stands: at module level, inside a function (a lazy import may
keep start-up short, never hide an upward dependency) or under `if TYPE_CHECKING:`. Inside one
layer the packages may use each other, but not in a circle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "lockgate"

# Lowest first. A module belongs to the unit with the longest matching prefix; a unit is what
# the circle check looks at, its layer what the direction check looks at.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "base",
        (
            "lockgate.errors",
            "lockgate.clock",
            "lockgate.version",
            "lockgate.user_cache",
            "lockgate.contract.findings",
        ),
    ),
    ("contract", ("lockgate.contract", "lockgate.export.escape")),
    ("connectors", ("lockgate.connectors",)),
    ("compile", ("lockgate.contract.compile", "lockgate.contract.loader")),
    ("results", ("lockgate.results", "lockgate.profile")),
    (
        "engines",
        (
            "lockgate.engines",
            "lockgate.engines.sql",
            "lockgate.engines.frame",
            "lockgate.engines.spark",
        ),
    ),
    ("judge", ("lockgate.judge", "lockgate.state")),
    ("history store", ("lockgate.state.store",)),
    ("run", ("lockgate.reconcile", "lockgate.quarantine", "lockgate.lineage", "lockgate.registry")),
    ("validation", ("lockgate.validation",)),
    ("guard", ("lockgate.guard",)),
    (
        "export/review",
        (
            "lockgate.export",
            "lockgate.gx",
            "lockgate.review",
            "lockgate.report",
            "lockgate.infer",
            "lockgate.selftest",
            "lockgate.ml",
        ),
    ),
    ("serving", ("lockgate.serve", "lockgate.monitor", "lockgate.alerts", "lockgate.scaffold")),
    (
        "dagster/cli",
        (
            "lockgate",
            "lockgate.dagster",
            "lockgate.cli",
            "lockgate.cli_group",
            "lockgate.cli_options",
            "lockgate.cli_registry",
            "lockgate.cli_serve",
            "lockgate.quarantine.cli",
            "lockgate.docs",
            "lockgate.pytest_plugin",
            "lockgate.serve.demo",  # `python -m lockgate.serve.demo`: an application, like the CLI
        ),
    ),
]


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the imported module
    line: int
    path: str  # the importing file, relative to the repository

    def where(self) -> str:
        return f"{self.path}:{self.line}: {self.module} imports {self.target}"


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str], root: Path = ROOT) -> Iterator[Import]:
    """Every lockgate import in the file, module-level or not; `from a import b` is an import of
    `a.b` when that is a module."""
    name = module_name(path, root)
    where = path.relative_to(root).as_posix()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(name, alias.name, node.lineno, where)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                yield Import(name, sub if sub in modules else target, node.lineno, where)


def unit_of(module: str, layers: list[tuple[str, tuple[str, ...]]]) -> tuple[int, str]:
    best: tuple[int, str] | None = None
    for index, (_, prefixes) in enumerate(layers):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > len(best[1]):
                    best = (index, prefix)
    if best is None:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS and CONTRIBUTING.md")
    return best


def all_imports(root: Path = ROOT) -> list[Import]:
    files = sorted((root / "lockgate").rglob("*.py"))
    modules = {module_name(f, root) for f in files}
    found = dict.fromkeys(i for f in files for i in imports_of(f, modules, root))
    return [i for i in found if i.target == "lockgate" or i.target.startswith("lockgate.")]


def upward_imports(imports: list[Import], layers=LAYERS) -> list[str]:
    bad = []
    for imp in imports:
        (low, _), (high, _) = unit_of(imp.module, layers), unit_of(imp.target, layers)
        if high > low:
            bad.append(f"{imp.where()} (layer {layers[low][0]!r} below {layers[high][0]!r})")
    return bad


def unit_circles(imports: list[Import], layers=LAYERS) -> list[str]:
    """Circles between units, each named by one import of every edge on it."""
    edges: dict[str, dict[str, Import]] = {}
    for imp in imports:
        a, b = unit_of(imp.module, layers)[1], unit_of(imp.target, layers)[1]
        if a != b:
            edges.setdefault(a, {}).setdefault(b, imp)
    circles, seen = [], set()
    for start in sorted(edges):
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in sorted(edges.get(node, {})):
                if nxt == start:
                    key = frozenset(path)
                    if key not in seen:
                        seen.add(key)
                        steps = zip(path, path[1:] + [start], strict=True)
                        circles.append(" -> ".join(edges[a][b].where() for a, b in steps))
                elif nxt not in path and nxt > start:
                    stack.append((nxt, path + [nxt]))
    return circles


@pytest.fixture(scope="module")
def imports() -> list[Import]:
    return all_imports()


def test_every_module_has_a_layer(imports):
    for path in sorted(PACKAGE.rglob("*.py")):
        unit_of(module_name(path), LAYERS)


def test_no_upward_import(imports):
    bad = upward_imports(imports)
    assert not bad, "upward imports (see CONTRIBUTING.md, Layers):\n" + "\n".join(bad)


def test_no_import_circle_between_packages(imports):
    circles = unit_circles(imports)
    assert not circles, "import circles:\n" + "\n".join(circles)


def test_the_checks_can_fail(tmp_path):
    """A tree with an upward import and a circle is refused, naming the import."""
    pkg = tmp_path / "lockgate"
    for name, text in {
        "__init__.py": "",
        "errors.py": "",
        "contract/__init__.py": "",
        "contract/model.py": "from lockgate.engines import scan\n",
        "engines/__init__.py": "",
        "engines/scan.py": "def f():\n    from lockgate.contract import model\n",
    }.items():
        (pkg / name).parent.mkdir(parents=True, exist_ok=True)
        (pkg / name).write_text(text)
    found = all_imports(tmp_path)
    layers = [
        ("contract", ("lockgate.contract", "lockgate.errors", "lockgate")),
        ("engines", ("lockgate.engines",)),
    ]
    up = upward_imports(found, layers)
    assert up == [
        "lockgate/contract/model.py:1: lockgate.contract.model imports lockgate.engines.scan"
        " (layer 'contract' below 'engines')"
    ]
    circles = unit_circles(found, layers)
    assert len(circles) == 1 and "lockgate/engines/scan.py:2" in circles[0]
