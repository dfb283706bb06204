"""Lint of `type: sql` queries: a query the database would not run as one read-only SELECT is a
lint error at the query's line, long before `lockgate check` connects anywhere."""

from __future__ import annotations

from lockgate.connectors.safety import lint_refusal
from lockgate.connectors.servers import FALLBACK, server_type
from lockgate.contract.compile.context import CompileContext
from lockgate.contract.source import DocPath


def query_dialects(data: object) -> tuple[str, ...]:
    """Where the contract's SQL rules can run: PostgreSQL for its PostgreSQL servers, DuckDB for
    the rest (DuckDB files, local files, and contracts without servers, checked as frames)."""
    servers = data.get("servers") if isinstance(data, dict) else None
    kinds = (
        {str(s.get("type")) for s in servers if isinstance(s, dict)}
        if isinstance(servers, list)
        else set()
    )
    # a type lockgate cannot connect to runs nothing; its rules are read as the fallback reads them
    types = [server_type(k) or FALLBACK for k in kinds] or [FALLBACK]
    parsers = {t.statement_parser for t in types}
    return tuple(sorted(parsers))


def check_query(ctx: CompileContext, query: str, path: DocPath) -> bool:
    """Whether `query` may run; if not, an `unsafe-sql` error at the query. The message names
    the construct refused, never the text of the query."""
    reason = lint_refusal(query, query_dialects(ctx.doc.data))
    if reason is None:
        return True
    ctx.error(path + ("query",), f"SQL rule refused: {reason}", "unsafe-sql")
    return False
