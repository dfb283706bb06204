"""`lockgate registry list|promote|rollback`: the embedded model registry from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import click

from lockgate.cli_group import LockgateGroup
from lockgate.cli_options import registry_option

app = LockgateGroup(
    "registry", help="Model versions and their champion/previous aliases.", no_args_is_help=True
)


def _registry(path: Path | None):
    from lockgate.registry import ModelRegistry

    return ModelRegistry(path)


@app.command("list")
@click.argument("model", required=False, help="One model (default: all).")
@registry_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_versions(model: str | None, registry: Path | None, as_json: bool) -> None:
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
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo(f"no models in {reg.root}")
        return
    for r in rows:
        auc = f"{r['roc_auc']:.4f}" if isinstance(r["roc_auc"], float) else "-"
        alias = ",".join(r["aliases"]) or "-"
        click.echo(
            f"{r['model']:<16} {r['version']:<5} {alias:<17} auc {auc}  receipt "
            f"{r['receipt']:<6}  release {r['release']}  ({r['registered_at']})"
        )
        if r["environment"]:
            click.echo(f"{'':<23}trained with {_environment_line(r['environment'])}")


@app.command()
@click.argument("model", help="The model's name in the registry (see `lockgate registry list`).")
@click.argument("version", help="The version to make champion, e.g. v3.")
@registry_option
def promote(model: str, version: str, registry: Path | None) -> None:
    """Make VERSION the champion (refused without a passing receipt and release)."""
    _say_aliases(model, _registry(registry).promote(model, version))


@app.command()
@click.argument("model", help="The model whose previous champion comes back.")
@registry_option
def rollback(model: str, registry: Path | None) -> None:
    """Restore the previous champion."""
    _say_aliases(model, _registry(registry).rollback(model))


def _environment_line(env: dict) -> str:
    """The receipt's training environment in one line: python, lockfile hash, library versions."""
    lock = env.get("lockfile") or {}
    lock_text = f"{Path(lock['path']).name} sha256:{lock['sha256'][:12]}" if lock else "no lockfile"
    packages = ", ".join(f"{k} {v}" for k, v in (env.get("packages") or {}).items() if v)
    return f"python {env.get('python')}, {lock_text}, {packages}"


def _say_aliases(model: str, aliases: dict) -> None:
    click.echo(
        f"{model}: champion {aliases['champion']} (previous: {aliases['previous'] or 'none'})"
    )
