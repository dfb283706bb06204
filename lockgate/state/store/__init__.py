"""The history store: where validation runs, table profiles and rule results are kept.

Which store a run uses, first match wins:
1. the one given (`validate(..., history=...)`, `lockgate check --history ...`): a SQLite file
   path, or a `postgresql://` URL;
2. the environment variable LOCKGATE_HISTORY (same forms);
3. the contract's server, when it is PostgreSQL: its schema `lockgate_history`;
4. `.lockgate/history.sqlite` in the working directory.
"""

from __future__ import annotations

import os
from pathlib import Path

from lockgate.state.store.sql_store import SqlHistoryStore

ENV = "LOCKGATE_HISTORY"
DEFAULT_PATH = Path(".lockgate") / "history.sqlite"
HistoryStore = SqlHistoryStore


def open_store(location: str | os.PathLike | None = None, *, server=None) -> SqlHistoryStore:
    """Open (creating if needed) the history store for `location`, or the default one for
    `server`."""
    if location is None:
        location = os.environ.get(ENV) or None
    if location is None and server is not None and server.type == "postgres":
        from lockgate.state.store.postgres import PostgresHistoryStore

        return PostgresHistoryStore.for_server(server)
    text = str(location) if location is not None else str(DEFAULT_PATH)
    if text.startswith(("postgresql://", "postgres://")):
        from lockgate.state.store.postgres import PostgresHistoryStore

        return PostgresHistoryStore(text)
    from lockgate.state.store.sqlite import SqliteHistoryStore

    return SqliteHistoryStore(Path(text).expanduser())


class UnavailableStore:
    """Stands in for a store that could not be opened, so that the rules that need history say
    why they were not checked (and the run is not recorded) instead of the whole check failing."""

    def __init__(self, reason: str):
        self.reason = reason

    def table_history(self, *args, **kwargs):
        from lockgate.state.history import TableHistory

        return TableHistory.missing(self.reason)

    def load_verdicts(self, *args, **kwargs) -> None:
        return None

    def record(self, *args, **kwargs) -> None:
        pass

    def close(self) -> None:
        pass
