"""Options several `lockgate` commands share, declared once (lockgate.cli and its groups)."""

from __future__ import annotations

from pathlib import Path

import click

PATH = click.Path(path_type=Path)  # a path argument, not checked for existence here

registry_option = click.option(
    "--registry",
    type=PATH,
    help="Registry folder (default: $LOCKGATE_REGISTRY or .lockgate/registry).",
)

# the commands that read history without a server (`check` also knows the server's default)
history_option = click.option(
    "--history",
    help=(
        "History store: a SQLite file or a postgresql:// URL (default: $LOCKGATE_HISTORY, "
        "else .lockgate/history.sqlite)."
    ),
)
