"""`lockgate new`: a new ML project from a table, with no pipeline code.

It reuses the table's contract (find.py) or infers one (lockgate.infer), writes the model spec
(spec_file.py) that the code location turns into a guarded Dagster pipeline, lints both, and
says what to run next. It never overwrites a file: a project is reviewed, not regenerated.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from lockgate.errors import LockgateError, UsageError
from lockgate.infer.sources import Source

MODEL_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")  # a Dagster group, asset key part and folder


@dataclass(frozen=True)
class NewProject:
    model: str
    spec_path: Path
    contract_path: Path
    contract_inferred: bool
    left_out: tuple[str, ...]
    notes: list[str] = field(default_factory=list)

    @property
    def spec_lines(self) -> int:
        return len(self.spec_path.read_text(encoding="utf-8").splitlines())

    def next_commands(self) -> list[str]:
        contracts = self.spec_path.parent.parent
        return [
            f"lockgate lint {contracts}",
            f"lockgate check {self.contract_path}",
            f"dg launch --job {self.model}_pipeline",
            f"lockgate registry list {self.model}",
        ]


def new_project(
    model: str,
    *,
    table: str,
    target: str,
    time_column: str,
    contracts_dir: Path,
    source: Source | None = None,
    where_true: str | None = None,
) -> NewProject:
    """Write `contracts_dir/models/<model>.yaml` (and `contracts_dir/<table>.odcs.yaml` when no
    contract describes the table yet, inferred from `source`)."""
    from lockgate.scaffold.find import find_table_contract
    from lockgate.scaffold.spec_file import choose_features, render_spec

    if not MODEL_NAME.fullmatch(model):
        raise UsageError(
            f"model name {model!r}: use lower-case letters, digits and _ (it names Dagster assets)"
        )
    schema, _, name = table.rpartition(".")
    spec_path = contracts_dir / "models" / f"{model}.yaml"
    if spec_path.exists():
        raise UsageError(
            f"{spec_path} exists; a project is never overwritten (edit it, or pick another name)"
        )
    found, notes = find_table_contract(contracts_dir, schema or None, name)
    written: list[Path] = []
    try:
        if found is None:
            if source is None:
                skipped = "".join(f"; {n}" for n in notes)
                raise UsageError(
                    f"no contract under {contracts_dir} describes table {name!r}: name where it is "
                    "(--duckdb PATH, --postgres-..., --server-url or --file) and one is inferred"
                    + skipped
                )
            contract_path = _infer_contract(name, source, contracts_dir, written, notes)
            found, _ = find_table_contract(contract_path.parent, schema or None, name)
            if found is None or found.path != contract_path:
                raise LockgateError(
                    f"the inferred contract {contract_path} does not describe {name}; "
                    "please report this"
                )
        features = choose_features(
            found.table, target=target, time_column=time_column, where_true=where_true
        )
        text = render_spec(
            model,
            contract=os.path.relpath(found.path, spec_path.parent),
            table=found.table.name,
            target=_physical(found.table, target),
            time_column=_physical(found.table, time_column),
            where_true=_physical(found.table, where_true) if where_true else None,
            features=features,
            requires=_requires(),
        )
        _create(spec_path, text, written)
        _lint(spec_path, found.path)
    except BaseException:
        for path in written:  # nothing half-made stays behind, so the next attempt is not refused
            path.unlink(missing_ok=True)
        raise
    return NewProject(model, spec_path, found.path, found.path in written, features.left_out, notes)


def _infer_contract(
    table: str, source: Source, contracts_dir: Path, written: list[Path], notes: list[str]
) -> Path:
    from lockgate.infer import infer_contract

    inferred = infer_contract(table, source)
    notes += inferred.notes
    # the file is named after the table, which may hold any character its database allows
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", table).strip("_") or "table"
    path = contracts_dir / f"{stem}.odcs.yaml"
    _create(path, inferred.text, written)
    return path


def _create(path: Path, text: str, written: list[Path]) -> None:
    """Exclusive create: a file that appeared since the check is not overwritten either."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise UsageError(f"{path} exists; a project is never overwritten") from None
    written.append(path)


def _lint(spec_path: Path, contract_path: Path) -> None:
    """What was written must load: a scaffold that `lockgate lint` rejects is a bug here."""
    from lockgate.contract.loader import load_contract
    from lockgate.ml.spec import load_spec

    load_contract(contract_path)
    spec = load_spec(spec_path)
    if spec.contract_path.resolve() != contract_path.resolve():
        raise LockgateError(
            f"{spec_path} points at {spec.contract_path}, not {contract_path}; please report this"
        )


def _physical(table, name: str) -> str:
    column = next(c for c in table.columns if name in (c.physical_name, c.name))
    return column.physical_name


def _requires() -> dict[str, str]:
    """The installed scikit-learn's minor version up to its next major: a model pickled by one
    major version is not guaranteed to load in the next."""
    from importlib import metadata

    from packaging.version import Version

    version = Version(metadata.version("scikit-learn"))
    return {"scikit-learn": f">={version.major}.{version.minor},<{version.major + 1}"}
