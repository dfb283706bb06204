"""The history store: where validation runs, table profiles and rule results are kept.

Which store a run uses, first match wins:
1. the one given (`validate(..., history=...)`, `lockgate check --history ...`): a SQLite file
   path, or a `postgresql://` URL;
2. the environment variable LOCKGATE_HISTORY (same forms);
3. the contract's server, when it is PostgreSQL: its schema `lockgate_history`;
4. `.lockgate/history.sqlite` in the working directory.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path

from lockgate.connectors.servers import server_type
from lockgate.contract.model import Server
from lockgate.profile.model import TableProfile
from lockgate.results.model import ValidationResult
from lockgate.state.history import Load, TableHistory
from lockgate.state.store.protocol import HistoryStore
from lockgate.state.store.sql_store import SqlHistoryStore

ENV = "LOCKGATE_HISTORY"
DEFAULT_PATH = Path(".lockgate") / "history.sqlite"
Location = str | os.PathLike[str]  # a SQLite path or a postgresql:// URL
__all__ = ["DEFAULT_PATH", "ENV", "HistoryStore", "Location", "UnavailableStore", "open_store"]


def open_store(
    location: Location | None = None, *, server: Server | None = None
) -> SqlHistoryStore:
    """Open (creating if needed) the history store for `location`, or the default one for
    `server`."""
    if location is None:
        location = os.environ.get(ENV) or None
    if location is None and server is not None and _holds_history(server):
        from lockgate.state.store.postgres import PostgresHistoryStore

        return PostgresHistoryStore.for_server(server)
    text = str(location) if location is not None else str(DEFAULT_PATH)
    if text.startswith(("postgresql://", "postgres://")):
        from lockgate.state.store.postgres import PostgresHistoryStore

        return PostgresHistoryStore(text)
    from lockgate.state.store.sqlite import SqliteHistoryStore

    return SqliteHistoryStore(Path(text).expanduser())


def _holds_history(server: Server) -> bool:
    """Whether the server's own database keeps the default store (lockgate.connectors.servers)."""
    known = server_type(server.type)
    return known is not None and known.holds_history


class UnavailableStore:
    """Stands in for a store that could not be opened, so that the rules that need history say
    why they were not checked (and the run is not recorded) instead of the whole check failing."""

    def __init__(self, reason: str):
        self.reason = reason

    def table_history(
        self,
        contract_id: str,
        server: str | None,
        table: str,
        family: str | None,
        *,
        as_of: dt.datetime | None = None,
        state: str | None = None,
    ) -> TableHistory:
        return TableHistory.missing(self.reason)

    def load_verdicts(
        self, contract_id: str, server: str | None, table: str, state: str, contract_hash: str
    ) -> Load | None:
        return None

    def record(
        self,
        result: ValidationResult,
        profiles: Mapping[str, TableProfile],
        *,
        family: str | None = None,
    ) -> int | None:
        return None

    def close(self) -> None:
        pass
