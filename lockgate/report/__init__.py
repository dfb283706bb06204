"""Report formats for a ValidationResult, one module each: text (rich), json, junit."""

from __future__ import annotations

from collections.abc import Callable

from lockgate.results.model import ValidationResult

FORMATS = ("text", "json", "junit")


def render(
    result: ValidationResult,
    fmt: str,
    *,
    color: bool = False,
    width: int | None = None,
    verbose: bool = False,
) -> str:
    renderer: Callable[..., str]
    if fmt == "json":
        from lockgate.report.json import render as renderer
    elif fmt == "junit":
        from lockgate.report.junit import render as renderer
    elif fmt == "text":
        from lockgate.report.text import render as renderer

        return renderer(result, color=color, width=width, verbose=verbose)
    else:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return renderer(result)
