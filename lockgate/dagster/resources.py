"""Where a code location keeps lockgate's state, as one Dagster resource.

Every lockgate asset and asset check asks for the resource under the key `lockgate`; the code
location supplies it once (`Definitions(resources={"lockgate": LockgateResource(...)})`), and a
run may override it in its run config, like any other Dagster resource. Nothing in
`lockgate.dagster` reads an environment variable.
"""

# no `from __future__ import annotations`: Dagster reads the field annotations at definition time

from pathlib import Path

import dagster as dg

RESOURCE_KEY = "lockgate"  # the parameter name of every lockgate asset and check function


class LockgateResource(dg.ConfigurableResource):
    """`history`: the history store (a SQLite file or a postgresql:// URL); `registry`: the model
    registry folder; `server`: the contracts' server to validate (None: each contract's first)."""

    history: str
    registry: str
    server: str | None = None

    @property
    def registry_path(self) -> Path:
        return Path(self.registry)
