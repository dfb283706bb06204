"""Contract patterns in Java's regex dialect, meaning what DuckDB (RE2) and PostgreSQL read.

Java's `$` (without MULTILINE) also matches before a final line terminator, and its `.` stops at
`\\r`, `\\u0085`, `\\u2028`, `\\u2029` as well as `\\n`; RE2's `$` is the end of the text and its
`.` stops only at `\\n`. So on Spark a pattern runs with UNIX_LINES (`(?d)`: only `\\n` ends a
line) and every `$` outside a character class becomes `\\z`. Lint already refuses what the
engines do not share (lookarounds, backreferences, possessive quantifiers).
"""

from __future__ import annotations

import dataclasses

from lockgate.contract import rules as ir


def java_pattern(pattern: str) -> str:
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            # `[]...]` and `[^]...]`: a `]` right after the opening is a literal
            opened = out[-1] in ("[", "[^")
            if c == "]" and not opened:
                in_class = False
            out.append(c)
        elif c == "[":
            in_class = True
            if pattern[i + 1 : i + 2] == "^":
                out.append("[^")
                i += 2
                continue
            out.append(c)
        else:
            out.append("\\z" if c == "$" else c)
        i += 1
    return "(?d)" + "".join(out)


def _predicate(p: ir.Predicate) -> ir.Predicate:
    if isinstance(p, ir.NotMatching):
        return dataclasses.replace(p, pattern=java_pattern(p.pattern))
    if isinstance(p, ir.AnyOf):
        return dataclasses.replace(p, predicates=tuple(_predicate(s) for s in p.predicates))
    return p


def with_java_patterns(rule: ir.Rule) -> ir.Rule:
    """`rule` with its patterns (if any) in Java's dialect."""
    m = rule.measure
    if isinstance(m, ir.FailingRows):
        return dataclasses.replace(
            rule, measure=dataclasses.replace(m, predicate=_predicate(m.predicate))
        )
    return rule
