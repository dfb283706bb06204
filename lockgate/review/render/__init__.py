"""Diff report formats, one module each: text (terminals, CI logs), markdown (a pull-request
comment), json (tools)."""

from __future__ import annotations

import importlib
from typing import Any

from lockgate.review.diff import DiffReport

FORMATS = ("text", "markdown", "json")


def render(report: DiffReport, fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return importlib.import_module(f"lockgate.review.render.{fmt}").render(report)


def show(value: Any) -> str:
    """A before/after value in a few words: mappings as k=v, lists comma-separated, None as —."""
    if value is None:
        return "—"
    if isinstance(value, dict):
        return ", ".join(f"{k}={show(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(show(v) for v in value) or "[]"
    return str(value)


def asset_path(key: list[str]) -> str:
    return "/".join(key)
