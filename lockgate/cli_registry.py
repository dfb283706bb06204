"""`lockgate registry list|promote|rollback`: the embedded model registry from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(help="Model versions and their champion/previous aliases.", no_args_is_help=True)

RegistryOption = typer.Option(
    None, "--registry", help="Registry folder (default: $LOCKGATE_REGISTRY or .lockgate/registry)."
)


def _registry(path: Optional[Path]):
    from lockgate.registry import ModelRegistry

    return ModelRegistry(path)


@app.command("list")
def list_versions(
    model: Optional[str] = typer.Argument(None, help="One model (default: all)."),
    registry: Optional[Path] = RegistryOption,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Versions with their holdout metric, receipt and release verdict, and the aliases."""
    reg = _registry(registry)
    names = [model] if model else reg.models()
    rows = []
    for name in names:
        aliases = reg.aliases(name)
        for v in reg.versions(name):
            release = v.release
            tags = [a for a in ("champion", "previous") if aliases.get(a) == v.version]
            rows.append(
                {
                    "model": name,
                    "version": v.version,
                    "aliases": tags,
                    "registered_at": v.record.get("registered_at"),
                    "roc_auc": v.metrics.get("roc_auc"),
                    "receipt": "passed" if v.receipt.get("passed") else "FAILED",
                    "release": "not evaluated"
                    if release is None
                    else (
                        "passed"
                        if release.get("passed")
                        else f"refused ({release.get('failed_gate')})"
                    ),
                    "environment": v.receipt.get("environment"),
                }
            )
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        typer.echo(f"no models in {reg.root}")
        return
    for r in rows:
        auc = f"{r['roc_auc']:.4f}" if isinstance(r["roc_auc"], float) else "-"
        alias = ",".join(r["aliases"]) or "-"
        typer.echo(
            f"{r['model']:<16} {r['version']:<5} {alias:<17} auc {auc}  receipt {r['receipt']:<6}  release {r['release']}  ({r['registered_at']})"
        )
        if r["environment"]:
            typer.echo(f"{'':<23}trained with {_environment_line(r['environment'])}")


@app.command()
def promote(model: str, version: str, registry: Optional[Path] = RegistryOption) -> None:
    """Make VERSION the champion (refused without a passing receipt and release)."""
    _say_aliases(model, _registry(registry).promote(model, version))


@app.command()
def rollback(model: str, registry: Optional[Path] = RegistryOption) -> None:
    """Restore the previous champion."""
    _say_aliases(model, _registry(registry).rollback(model))


def _environment_line(env: dict) -> str:
    """The receipt's training environment in one line: python, lockfile hash, library versions."""
    lock = env.get("lockfile") or {}
    lock_text = f"{Path(lock['path']).name} sha256:{lock['sha256'][:12]}" if lock else "no lockfile"
    packages = ", ".join(f"{k} {v}" for k, v in (env.get("packages") or {}).items() if v)
    return f"python {env.get('python')}, {lock_text}, {packages}"


def _say_aliases(model: str, aliases: dict) -> None:
    typer.echo(
        f"{model}: champion {aliases['champion']} (previous: {aliases['previous'] or 'none'})"
    )
