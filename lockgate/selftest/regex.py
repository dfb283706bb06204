"""Strings that match a regular expression, and whether an expression matches every string.

Both read Python's own parse tree of the pattern (`re._parser`, stable within Python 3.11, which
lockgate pins) rather than a second regex grammar. Patterns in contracts are already restricted by
lint to what DuckDB, PostgreSQL and Python agree on (no lookarounds, no backreferences).
"""

from __future__ import annotations

import random
import re
import re._constants as sre
import re._parser as sre_parse
import string
from typing import Iterator

UNIVERSE = "".join(chr(c) for c in range(32, 127))  # printable ASCII
PREFERRED = (
    string.ascii_lowercase + string.digits
)  # what a negated class or `.` produces, if allowed
_CATEGORIES = {
    sre.CATEGORY_DIGIT: set(string.digits),
    sre.CATEGORY_NOT_DIGIT: set(UNIVERSE) - set(string.digits),
    sre.CATEGORY_WORD: set(string.ascii_letters + string.digits + "_"),
    sre.CATEGORY_NOT_WORD: set(UNIVERSE) - set(string.ascii_letters + string.digits + "_"),
    sre.CATEGORY_SPACE: {" "},
    sre.CATEGORY_NOT_SPACE: set(UNIVERSE) - {" "},
}
_START_ANCHORS = (sre.AT_BEGINNING, sre.AT_BEGINNING_STRING)


class Unsupported(Exception):
    """The pattern uses a construct this generator does not produce examples for."""


def examples(pattern: str, *, seed: int = 0, extra_repeats: int = 3) -> Iterator[str]:
    """An endless stream of (not necessarily distinct) strings that `re.search(pattern, s)` accepts.
    `extra_repeats` bounds how far a repetition goes beyond its minimum."""
    tree = sre_parse.parse(pattern)
    rng = random.Random(seed)
    compiled = re.compile(pattern)
    failures = 0
    while failures < 200:
        text = "".join(_emit(tree, rng, extra_repeats))
        if compiled.search(text):
            failures = 0
            yield text
        else:
            failures += 1


def _emit(tokens, rng: random.Random, extra: int) -> Iterator[str]:
    for op, av in tokens:
        if op is sre.LITERAL:
            yield chr(av)
        elif op is sre.NOT_LITERAL:
            yield _pick(set(UNIVERSE) - {chr(av)}, rng)
        elif op is sre.ANY:
            yield rng.choice(PREFERRED)
        elif op is sre.IN:
            yield _pick(_class(av), rng)
        elif op is sre.BRANCH:
            yield from _emit(rng.choice(av[1]), rng, extra)
        elif op is sre.SUBPATTERN:
            yield from _emit(av[-1], rng, extra)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            low, high, sub = av
            high = low + extra if high is sre.MAXREPEAT else min(high, low + extra)
            for _ in range(rng.randint(low, high)):
                yield from _emit(sub, rng, extra)
        elif op is sre.ATOMIC_GROUP:
            yield from _emit(av, rng, extra)
        elif op is sre.AT:
            continue  # anchors: the generated text is the whole string
        else:
            raise Unsupported(f"cannot generate text for {op} in a pattern")


def _class(items) -> set[str]:
    chars: set[str] = set()
    negate = False
    for op, av in items:
        if op is sre.NEGATE:
            negate = True
        elif op is sre.LITERAL:
            chars.add(chr(av))
        elif op is sre.RANGE:
            chars.update(chr(c) for c in range(av[0], av[1] + 1))
        elif op is sre.CATEGORY:
            chars |= _CATEGORIES.get(av, set())
    return set(UNIVERSE) - chars if negate else chars


def _pick(chars: set[str], rng: random.Random) -> str:
    preferred = sorted(chars & set(PREFERRED)) or sorted(chars & set(UNIVERSE)) or sorted(chars)
    if not preferred:
        raise Unsupported("a character class with no printable character")
    return rng.choice(preferred)


def matches_everything(pattern: str) -> bool:
    """True when `re.search(pattern, s)` succeeds for every string s: the pattern can match the
    empty string and asserts nothing beyond a leading `^`, so it matches at position 0 of anything."""
    try:
        tree = list(sre_parse.parse(pattern))
    except re.error:
        return False
    while tree and tree[0][0] is sre.AT and tree[0][1] in _START_ANCHORS:
        tree.pop(0)
    if _asserts(tree):
        return False
    rest = re.sub(r"^(\^|\\A)+", "", pattern)
    return re.fullmatch(rest, "") is not None


def _asserts(tokens) -> bool:
    for op, av in tokens:
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT, sre.GROUPREF, sre.GROUPREF_EXISTS):
            return True
        if op is sre.BRANCH and any(_asserts(b) for b in av[1]):
            return True
        if op is sre.SUBPATTERN and _asserts(av[-1]):
            return True
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and _asserts(av[2]):
            return True
        if op is sre.ATOMIC_GROUP and _asserts(av):
            return True
    return False
