"""The one way a consumer of the Rule IR decides what to do per measure or predicate kind.

Every consumer (SQL, frame, dbt, GX, review, selftest) keeps one `KindTable` per decision: a dict
keyed by IR class, holding a handler per kind plus an explicit `unsupported` map of kinds it does
not handle and why. Tables register themselves, so `tests/unit/test_measure_matrix.py` can walk
every kind x table and name the table a new kind is missing from.

Why a dict keyed by type rather than isinstance chains or `functools.singledispatch`: a table can
be listed (what is covered, what is refused and why) without calling it; an isinstance chain
cannot. singledispatch is a registry too, but its `object` fallback hides a missing kind behind a
default, it dispatches on the first argument only, and it has no place for "not supported,
because ...". An entry may be keyed by a trait base class (e.g. `StatefulMeasure`) when the
consumer's decision is the same for every kind of that trait.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
P = ParamSpec("P")
R = TypeVar("R")


class Unsupported(TypeError):
    """A kind the consumer lists as not supported; the message is the reason."""


class KindTable(Generic[F]):
    """Handlers of one consumer decision, keyed by Rule IR class (measure or predicate)."""

    def __init__(self, consumer: str, over: type, unsupported: Mapping[type, str] | None = None):
        self.consumer = consumer  # e.g. "SQL: ibis expression of a row predicate"
        self.over = over  # ir.Measure or ir.Predicate: the vocabulary the table must cover
        self.handlers: dict[type, F] = {}
        self.unsupported: dict[type, str] = dict(unsupported or {})
        caller = sys._getframe(1).f_globals
        self.module: str = caller.get("__name__", "?")  # where a missing kind is to be filled in
        TABLES.append(self)

    def register(self, *kinds: type) -> Callable[[F], F]:
        """Decorator: the handler for `kinds`."""

        def add(handler: F) -> F:
            for kind in kinds:
                if kind in self.handlers or kind in self.unsupported:
                    raise ValueError(f"{self.consumer}: {kind.__name__} has two entries")
                self.handlers[kind] = handler
            return handler

        return add

    def entry(self, kind: type) -> tuple[F | None, str | None]:
        """(handler, None), (None, reason not supported) or (None, None) when the table lacks the
        kind. The nearest entry along the class's MRO wins, so a trait base class can stand for
        all of its kinds."""
        for cls in kind.__mro__:
            if cls in self.handlers:
                return self.handlers[cls], None
            if cls in self.unsupported:
                return None, self.unsupported[cls]
        return None, None

    def handler(self, kind: type) -> F:
        found, reason = self.entry(kind)
        if found is not None:
            return found
        if reason is not None:
            raise Unsupported(reason)
        raise NotImplementedError(
            f"{self.consumer} ({self.module}) has no entry for {kind.__name__}: "
            "register a handler or list it as unsupported with the reason"
        )

    def __call__(
        self: KindTable[Callable[Concatenate[Any, P], R]],
        item: Any,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R:
        # typed from the table's handler signature (`self`'s F): arguments checked, result typed
        return self.handler(type(item))(item, *args, **kwargs)

    def missing(self, kinds: Iterable[type]) -> list[type]:
        """The kinds this table neither handles nor lists as unsupported."""
        return [k for k in kinds if self.entry(k) == (None, None)]


#: every table created so far (a consumer's tables exist once its module is imported)
TABLES: list[KindTable[Any]] = []


def gaps(tables: Iterable[KindTable[Any]], kinds: Iterable[type]) -> list[str]:
    """One line per (table, kind) the table must cover but has no entry for: the kind is a
    subclass of the table's vocabulary (`over`) and neither handled nor listed as unsupported."""
    kinds = list(kinds)
    out = []
    for table in tables:
        for kind in table.missing(k for k in kinds if issubclass(k, table.over)):
            out.append(
                f"{table.module}: {table.consumer!r} has no entry for {kind.__name__} "
                "(register a handler, or list it in `unsupported` with the reason)"
            )
    return out
