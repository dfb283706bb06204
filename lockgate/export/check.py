"""`lockgate export --check`: regenerate each generated file from the command in its header and
report the ones that differ (for CI and pre-commit)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from lockgate.export.dbt import GENERATED_MARK, parse_command
from lockgate.export.dbt_quarantine import SQL_MARK

GENERATED_SUFFIXES = (".yml", ".yaml", ".sql", ".json")


def stale_exports(paths: Iterable[Path]) -> tuple[list[tuple[Path, str]], list[Path]]:
    """(out-of-date files with the reason, every generated file that was checked)."""
    stale: list[tuple[Path, str]] = []
    checked: list[Path] = []
    for path in _generated_files(paths):
        checked.append(path)
        text = path.read_text(encoding="utf-8")
        args = _recorded_command(text)
        if args is None:
            stale.append((path, "generated header has no `lockgate export` command"))
            continue
        try:
            fresh = _regenerate(args, path)
        except Exception as exc:  # the contract no longer loads, or was moved
            stale.append((path, f"cannot regenerate: {exc}"))
            continue
        if fresh != text:
            stale.append((path, f"out of date; regenerate with: {' '.join(['lockgate', *args])}"))
    return stale, checked


def _generated_files(paths: Iterable[Path]) -> list[Path]:
    found = []
    for path in map(Path, paths):
        candidates = (
            sorted(p for p in path.rglob("*") if p.suffix in GENERATED_SUFFIXES)
            if path.is_dir()
            else [path]
        )
        for candidate in candidates:
            if candidate.is_file() and candidate.read_text(
                encoding="utf-8", errors="replace"
            ).startswith((GENERATED_MARK, SQL_MARK)):
                found.append(candidate)
    return found


def _recorded_command(text: str) -> list[str] | None:
    """The command in a generated file's header: YAML (`#`) or a dbt model's SQL (`--`)."""
    if not text.startswith(SQL_MARK):
        return parse_command(text)
    import shlex

    for line in text.splitlines()[1:4]:
        stripped = line.lstrip("- ").strip()
        if stripped.startswith("lockgate export "):
            return shlex.split(stripped)[1:]
    return None


def _regenerate(args: list[str], path: Path) -> str:
    """Run `lockgate export ...` (as recorded) in-process and return what it would write."""
    import argparse

    from lockgate.contract.loader import load_contract
    from lockgate.export import ExportOptions, export

    parser = argparse.ArgumentParser(prog="lockgate export", add_help=False)
    parser.add_argument("command")
    parser.add_argument("contract")
    parser.add_argument("--to", required=True)
    parser.add_argument("--output")
    parser.add_argument("--server")
    parser.add_argument("--dbt-source")
    parser.add_argument("--dbt-schema")
    parser.add_argument("--offline", action="store_true")
    parser.add_argument("--valid", action="store_true")
    ns = parser.parse_args(args)
    options = ExportOptions(
        server=ns.server,
        offline=ns.offline,
        output=ns.output,
        dbt_source=ns.dbt_source,
        dbt_schema=ns.dbt_schema,
        valid=ns.valid,
    )
    if ns.valid and ns.to == "dbt":  # a folder of model files: compare the one of this name
        from lockgate.export.dbt_quarantine import model_files

        return model_files(load_contract(ns.contract), options).get(path.name, "")
    return export(load_contract(ns.contract), ns.to, options)
