"""Walk a parser's JSON tree without recursion (a hostile query may nest thousands deep)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

MAX_NODES = 200_000


class TooComplex(Exception):
    pass


def load(text: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise TooComplex("the query is nested too deeply") from None


def dicts(tree: Any) -> Iterator[dict[str, Any]]:
    """Every mapping in `tree`, parents before children."""
    stack, seen = [tree], 0
    while stack:
        node = stack.pop()
        seen += 1
        if seen > MAX_NODES:
            raise TooComplex("the query is too large to check")
        if isinstance(node, dict):
            yield node
            stack.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            stack.extend(reversed(node))
