"""A cache of compiled table plans (SQL text), so that a repeated check needs neither ibis nor
sqlglot: importing and running them was most of a small table's `lockgate check` (~0.5 s of
~0.9 s; benchmarks/startup.py, RESULTS_STARTUP.md).

A plan is a pure function of the table's rules, the live column types, the dialect and schema
it is compiled for, the scan-split policy and lockgate's own code; the key hashes all of them:

- the contract's content hash, the table, and the ids of the rules planned (so any edit of the
  contract, even a comment, is a new key);
- the connector kind, dialect, schema and table name, and the table's live columns and native
  types, read from the server on every check (a type change is a new key; a different server
  with other types is a new key; one with the same types rightly gets the same SQL);
- lockgate's version, the size and modification time of every module of the package, and the
  ibis and sqlglot versions (any code change is a new key);
- the split policy of the dialect (`LOCKGATE_SCAN_BATCH_COLUMNS`).

Only plans that depend on nothing else are stored: none with a relationship (its SQL depends
on another table) or a stateful rule (profiles are built with ibis), none for a missing table.

A cache file is not trusted input: whoever can write the cache folder (or commit into it) could put
any SQL there. So each file is signed with HMAC-SHA256 under a per-user secret kept outside the
project (`plan_signing_key`: `plan-cache.key` in lockgate.user_cache's folder, created 0600 on
first use; a key file that is a symlink, another user's, or open to anyone else, as a key committed
to a repository would be, is refused; with that folder turned off nothing is cached) and carries
its own key, which must match the key computed now; a file whose signature or key does not match is
ignored and the plan compiled afresh. Only lockgate writes signed files, and only with SQL it
compiled from the contract's rules, so a signed plan is as safe as a fresh one. (Signing replaced
running the read-only guard over every cached query: that walk of DuckDB's parse tree cost ~0.3 s
on a 1,000-column table, half of the warm check's overhead. Contract SQL rules are still guarded
again when they run.)

Besides the scan, a plan keeps the SQL of the sample queries of the rules that failed so far
(`samples`, keyed by limit and rule id), so a warm check that fails needs no ibis either; they
are added when first compiled and the file is signed and written again once per table.

Where: `LOCKGATE_PLAN_CACHE` (a directory; `off` disables it). The CLI defaults to
`.lockgate/plans` beside the default history store; library calls cache only when the variable
is set.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import stat
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lockgate import user_cache
from lockgate import version as version_module
from lockgate.contract import rules as ir

CACHE_ENV = "LOCKGATE_PLAN_CACHE"
CLI_DEFAULT = Path(".lockgate") / "plans"
FORMAT = 2  # 2: signed, with sample queries
KEY_BYTES = 32
_default: Path | None = None  # set by the CLI (`use_default_directory`)


def use_default_directory(directory: Path = CLI_DEFAULT) -> None:
    """Cache plans in `directory` unless LOCKGATE_PLAN_CACHE says otherwise (the CLI's choice)."""
    global _default
    _default = directory


def directory() -> Path | None:
    configured = os.environ.get(CACHE_ENV, "").strip()
    if configured.lower() in ("off", "0", "false", "no"):
        return None
    if configured:
        return Path(configured)
    return _default


@dataclass
class CachedPlan:
    """What `SqlEngine.measure` needs of a TablePlan, as text."""

    key: str
    batches: list[tuple[str, list[str]]]  # (scan query, the metric names it returns)
    metric_of: dict[str, str]
    queries: dict[str, str]
    errors: dict[str, str]
    column_types_ok: dict[str, bool]  # ColumnType rule id -> does the live type satisfy it
    metadata_rules: list[str] = field(default_factory=list)  # rule ids answered from the types
    samples: dict[str, str] = field(default_factory=dict)  # sample_slot(rule id, limit) -> SQL


def sample_slot(rule_id: str, limit: int) -> str:
    return f"{limit}:{rule_id}"


def _code_stamp() -> str:
    """lockgate's version and every module's size and mtime, plus ibis's and sqlglot's versions."""
    # the lockgate package's folder, found from this file (the package root is above this layer)
    root = Path(__file__).resolve().parents[2]
    parts = [version_module.__version__]
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            if name.endswith(".py"):
                stat = os.stat(os.path.join(folder, name))
                parts.append(f"{folder[len(str(root)) :]}/{name}:{stat.st_size}:{stat.st_mtime_ns}")
    from importlib.metadata import version

    for dist in ("ibis-framework", "sqlglot"):
        parts.append(f"{dist}={version(dist)}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def plan_key(
    contract_hash: str, table: Any, rules: list[ir.Rule], connector: Any, native: list[Any]
) -> str:
    from lockgate.engines.sql.scan_batches import policy_for

    material = {
        "format": FORMAT,
        "code": _code_stamp(),
        "contract": contract_hash,
        "table": [table.name, table.physical_name],
        "rules": [rule.id for rule in rules],
        "connector": type(connector).__name__,
        "dialect": connector.dialect,
        "namespace": connector.namespace,
        "columns": [list(c) for c in native],
        "policy": asdict(policy_for(connector.dialect)),
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()


def cacheable(plan: Any, rules: list[ir.Rule]) -> bool:
    if plan.expr is None or plan.stateful or plan.profile is not None:
        return False
    return not any(isinstance(r.measure, (ir.Orphans, ir.StatefulMeasure)) for r in rules)


def from_plan(key: str, plan: Any, batches: list[tuple[str, list[str]]]) -> CachedPlan:
    from lockgate.engines.sql.types import type_matches

    schema = plan.expr.schema()
    types_ok = {
        rule.id: type_matches(rule.measure, schema[rule.measure.column])
        for rule in plan.metadata_rules
        if isinstance(rule.measure, ir.ColumnType)
    }
    return CachedPlan(
        key=key,
        batches=batches,
        metric_of=dict(plan.metric_of),
        queries=dict(plan.queries),
        errors=dict(plan.errors),
        column_types_ok=types_ok,
        metadata_rules=[rule.id for rule in plan.metadata_rules],
    )


def _path(folder: Path, key: str) -> Path:
    return folder / f"{key}.json"


def key_file() -> Path | None:
    folder = user_cache.cache_dir()
    return folder / "plan-cache.key" if folder is not None else None


def plan_signing_key(create: bool) -> bytes | None:
    """This user's secret for signing cache files (None: there is none and `create` is False,
    or it cannot be made: then nothing is cached)."""
    path = key_file()
    if path is None:
        return None
    try:
        return _read_private(path)
    except FileNotFoundError:
        if not create:
            return None
    except OSError:
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")  # created 0600
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(KEY_BYTES))
        try:
            os.link(tmp, path)  # atomic and never replaces: two first checks agree on one key
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
        return _read_private(path)
    except OSError:
        return None


def _read_private(path: Path) -> bytes | None:
    """The key in `path` if only this user could have written and read it: a regular file (not
    a symlink) of this user, with no permission for anyone else, as lockgate creates it. A key
    checked out of a repository (git writes 0644, or a symlink) is known to its author, who
    could then sign any plan: refused, so nothing is cached."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            return None
        if hasattr(os, "geteuid") and (info.st_uid != os.geteuid() or info.st_mode & 0o077):
            return None
        secret = handle.read(KEY_BYTES + 1)
    return secret if len(secret) == KEY_BYTES else None


def _signature(secret: bytes, payload: bytes) -> str:
    return hmac.new(secret, payload, hashlib.sha256).hexdigest()


def load(key: str) -> CachedPlan | None:
    """The cached plan for `key`, or None (absent, unreadable, unsigned, or not what it claims
    to be)."""
    folder = directory()
    secret = plan_signing_key(create=False) if folder is not None else None
    if folder is None or secret is None:
        return None
    try:
        signature, _, payload = _path(folder, key).read_bytes().partition(b"\n")
        if not hmac.compare_digest(signature, _signature(secret, payload).encode()):
            return None
        data = json.loads(payload)
        cached = CachedPlan(
            key=str(data["key"]),
            batches=[(str(sql), [str(n) for n in names]) for sql, names in data["batches"]],
            metric_of={str(k): str(v) for k, v in data["metric_of"].items()},
            queries={str(k): str(v) for k, v in data["queries"].items()},
            errors={str(k): str(v) for k, v in data["errors"].items()},
            column_types_ok={str(k): bool(v) for k, v in data["column_types_ok"].items()},
            metadata_rules=[str(r) for r in data["metadata_rules"]],
            samples={str(k): str(v) for k, v in data["samples"].items()},
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None
    return cached if cached.key == key else None


def store(cached: CachedPlan) -> None:
    """Sign and write the plan atomically; a cache that cannot be written is no error."""
    folder = directory()
    secret = plan_signing_key(create=True) if folder is not None else None
    if folder is None or secret is None:
        return
    payload = json.dumps(asdict(cached)).encode()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(_signature(secret, payload).encode() + b"\n" + payload)
        os.replace(tmp, _path(folder, cached.key))
    except OSError:
        return
