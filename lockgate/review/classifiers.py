"""The rules of `lockgate diff`: one table of classifiers, each an id, a severity, who it affects,
a one-line explanation and a small detector.

Severity: `breaking` (error: needs a major version bump), `risky` (warning: the contract protects
less), `safe` (info). Producers write the data, consumers read it: a tighter rule breaks
producers (data that passed may fail), a looser one weakens what consumers can rely on.

Order matters: classifiers run top to bottom and a detector may claim rule ids it explains
(a removed table explains the removal of its rules), so the generic rule classifiers further down
only see the rule changes nothing else explained.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from lockgate.contract import rules as ir
from lockgate.contract.describe import describe_measure, describe_rule, describe_threshold
from lockgate.contract.dispatch import KindTable
from lockgate.contract.rules import OPERATORS
from lockgate.review.changes import BREAKING, RISKY, SAFE, Classifier, Hit
from lockgate.review.compare import Comparison
from lockgate.review.directions import measure_direction, threshold_direction

# --- detectors: contract, tables, columns ---------------------------------------------------------


def _contract_id(cmp: Comparison) -> Iterator[Hit]:
    if cmp.old.id != cmp.new.id:
        yield Hit(None, None, "id", cmp.old.id, cmp.new.id)


def _tables_removed(cmp: Comparison) -> Iterator[Hit]:
    for name, old, new in cmp.tables():
        if new is None and old is not None:
            yield Hit(name, None, name, old.physical_name, None, cmp.rule_ids(cmp.old, name))


def _tables_added(cmp: Comparison) -> Iterator[Hit]:
    for name, old, new in cmp.tables():
        if old is None and new is not None:
            yield Hit(name, None, name, None, new.physical_name, cmp.rule_ids(cmp.new, name))


def _table_physical_name(cmp: Comparison) -> Iterator[Hit]:
    for name, old, new in cmp.common_tables():
        if old.physical_name != new.physical_name:
            yield Hit(name, None, "physicalName", old.physical_name, new.physical_name)


def _columns_removed(cmp: Comparison) -> Iterator[Hit]:
    for table, name, old, new in cmp.columns():
        if new is None and old is not None:
            yield Hit(table, name, name, old.logical_type, None, cmp.rule_ids(cmp.old, table, name))


def _required_rule(table: str, column: str) -> str:
    return f"{table}.{column}.required"


def _columns_added(required: bool):
    def detect(cmp: Comparison) -> Iterator[Hit]:
        for table, name, old, new in cmp.columns():
            if (
                old is None
                and new is not None
                and (_required_rule(table, name) in cmp.new_rules) == required
            ):
                yield Hit(
                    table, name, name, None, new.logical_type, cmp.rule_ids(cmp.new, table, name)
                )

    return detect


def _column_field(field: str, odcs_key: str, *, claims_rule: bool = False):
    """A column attribute changed; with `claims_rule`, the rule named after the ODCS key (the
    logicalType check) is explained by it."""

    def detect(cmp: Comparison) -> Iterator[Hit]:
        for table, name, old, new in cmp.columns():
            if old is None or new is None or getattr(old, field) == getattr(new, field):
                continue
            claims = frozenset({f"{table}.{name}.{odcs_key}"}) if claims_rule else frozenset()
            yield Hit(table, name, odcs_key, getattr(old, field), getattr(new, field), claims)

    return detect


def _key(table) -> list[str]:
    """Logical names of the primary key in key order (a physical rename is not a key change)."""
    keys = sorted(
        (c for c in table.columns if c.primary_key),
        key=lambda c: c.primary_key_position if c.primary_key_position > 0 else 10**6,
    )
    return [c.name for c in keys]


def _primary_key(cmp: Comparison) -> Iterator[Hit]:
    for name, old, new in cmp.common_tables():
        before, after = _key(old), _key(new)
        if before == after:
            continue
        keys = {c.name for c in old.columns if c.primary_key} ^ {
            c.name for c in new.columns if c.primary_key
        }
        # the key rules themselves, and the required/unique rules a key column gains or loses
        claims = {f"{name}.primaryKey"} | {
            f"{name}.{c.name}.primaryKey" for c in (*old.columns, *new.columns)
        }
        for column in keys:
            for check in ("required", "unique"):
                rule_id = f"{name}.{column}.{check}"
                if (rule_id in cmp.old_rules) != (rule_id in cmp.new_rules):
                    claims.add(rule_id)
        yield Hit(name, None, "primaryKey", before or None, after or None, frozenset(claims))


def _partitioning(cmp: Comparison) -> Iterator[Hit]:
    for name, old, new in cmp.common_tables():
        before = [c.name for c in old.partition_columns]
        after = [c.name for c in new.partition_columns]
        if before != after:
            yield Hit(name, None, "partitioned", before or None, after or None)


def _required(added: bool):
    def detect(cmp: Comparison) -> Iterator[Hit]:
        for table, name, old, new in cmp.columns():
            if old is None or new is None:
                continue
            rule_id = _required_rule(table, name)
            if rule_id in cmp.claimed:
                continue
            had, has = rule_id in cmp.old_rules, rule_id in cmp.new_rules
            if has != had and has == added:
                yield Hit(table, name, "required", had, has, frozenset({rule_id}))

    return detect


# --- detectors: rules kept under the same id ------------------------------------------------------


def _redefined(cmp: Comparison) -> Iterator[Hit]:
    for old, new in list(cmp.rule_pairs()):
        if type(old.measure) is not type(new.measure) or (old.table, old.column, old.check) != (
            new.table,
            new.column,
            new.check,
        ):
            yield Hit(
                new.table,
                new.column,
                new.id,
                describe_rule(old),
                describe_rule(new),
                frozenset({new.id}),
            )


# Which classifier reports a predicate moving in a direction; "generic" predicates fall through to
# the rule-tightened / rule-loosened / rule-changed entries.
PREDICATE_KINDS: KindTable[Callable[[Any], str]] = KindTable(
    "review: which classifier reports a moved predicate", ir.Predicate
)


def _classifier_named(name: str) -> Callable[[ir.Predicate], str]:
    return lambda p: name


for _kinds, _name in (
    ((ir.OutOfRange, ir.LengthOutOfRange, ir.LagAbove, ir.NotMultipleOf), "bound"),
    ((ir.NotInSet,), "values"),
    ((ir.NotMatching,), "pattern"),
    ((ir.IsNull, ir.IsMissing, ir.AnyOf), "generic"),
):
    PREDICATE_KINDS.register(*_kinds)(_classifier_named(_name))


def _predicate_kind(measure: ir.Measure) -> str:
    if isinstance(measure, ir.FailingRows):
        return PREDICATE_KINDS(measure.predicate)
    return "generic"


def _measure_moved(kind: str, directions: tuple[str, ...]):
    def detect(cmp: Comparison) -> Iterator[Hit]:
        for old, new in cmp.rule_pairs():
            direction = measure_direction(old.measure, new.measure, cmp.renamed(new.table))
            if direction in directions and _predicate_kind(new.measure) == kind:
                yield Hit(
                    new.table,
                    new.column,
                    new.id,
                    describe_measure(old.measure),
                    describe_measure(new.measure),
                )

    return detect


def _threshold_moved(direction: str):
    def detect(cmp: Comparison) -> Iterator[Hit]:
        for old, new in cmp.rule_pairs():
            if threshold_direction(old.threshold, new.threshold, new.measure) == direction:
                yield Hit(
                    new.table, new.column, new.id, describe_threshold(old), describe_threshold(new)
                )

    return detect


def _severity(change: str):
    def detect(cmp: Comparison) -> Iterator[Hit]:
        for old, new in cmp.rule_pairs():
            if old.severity == new.severity:
                continue
            moved = "raised" if new.blocking else "lowered" if old.blocking else "relabelled"
            if moved == change:
                yield Hit(new.table, new.column, new.id, old.severity, new.severity)

    return detect


def _rules_added(blocking: bool):
    def detect(cmp: Comparison) -> Iterator[Hit]:
        for rule in cmp.added_rules():
            if rule.blocking == blocking:
                yield Hit(
                    rule.table,
                    rule.column,
                    rule.id,
                    None,
                    f"{describe_rule(rule)} [{rule.severity}]",
                )

    return detect


def _rules_removed(cmp: Comparison) -> Iterator[Hit]:
    for rule in cmp.removed_rules():
        yield Hit(
            rule.table, rule.column, rule.id, f"{describe_rule(rule)} [{rule.severity}]", None
        )


# --- detectors: servers and documentation ---------------------------------------------------------

SERVER_DOCUMENTATION = ("description", "environment", "roles", "customProperties")


def _server_pairs(cmp: Comparison):
    old = {s.name: s for s in cmp.old.servers}
    new = {s.name: s for s in cmp.new.servers}
    for name in dict.fromkeys([*old, *new]):
        yield name, old.get(name), new.get(name)


def _server_location(server) -> dict[str, Any]:
    return {
        "type": server.type,
        **{k: v for k, v in server.options.items() if k not in (*SERVER_DOCUMENTATION, "id")},
    }


def _servers_removed(cmp: Comparison) -> Iterator[Hit]:
    for name, old, new in _server_pairs(cmp):
        if new is None:
            yield Hit(None, None, f"server {name}", _server_location(old), None)


def _servers_added(cmp: Comparison) -> Iterator[Hit]:
    for name, old, new in _server_pairs(cmp):
        if old is None:
            yield Hit(None, None, f"server {name}", None, _server_location(new))


def _server_moved(cmp: Comparison) -> Iterator[Hit]:
    for name, old, new in _server_pairs(cmp):
        if old is not None and new is not None and _server_location(old) != _server_location(new):
            before, after = _server_location(old), _server_location(new)
            keys = [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]
            yield Hit(
                None,
                None,
                f"server {name}",
                {k: before.get(k) for k in keys},
                {k: after.get(k) for k in keys},
            )


# Keys lockgate compiles into tables, columns, rules and servers; every other key is documentation.
STRUCTURE = {
    "contract": {"apiVersion", "kind", "id", "version", "schema", "servers", "slaProperties"},
    "table": {"name", "physicalName", "properties", "quality", "relationships"},
    "column": {
        "name",
        "physicalName",
        "logicalType",
        "physicalType",
        "required",
        "unique",
        "primaryKey",
        "primaryKeyPosition",
        "partitioned",
        "partitionKeyPosition",
        "logicalTypeOptions",
        "quality",
        "relationships",
        "items",
    },
    "quality": {
        "id",
        "type",
        "metric",
        "rule",
        "arguments",
        "unit",
        "severity",
        "query",
        "engine",
        "implementation",
        *OPERATORS,
    },
    "server": {"server", "id", "type"},
}


def documented_pairs(
    cmp: Comparison,
) -> Iterator[tuple[str | None, str | None, str, dict, dict, set[str]]]:
    """(table, column, subject, old mapping, new mapping, structural keys) for every element that
    exists in both versions: the contract, tables, columns, quality entries, servers."""
    yield (
        None,
        None,
        "contract",
        _contract_level(cmp.old.raw),
        _contract_level(cmp.new.raw),
        STRUCTURE["contract"],
    )
    for name, old, new in cmp.common_tables():
        old_raw, new_raw = (
            _mapping(cmp.raw(cmp.old, old.path)),
            _mapping(cmp.raw(cmp.new, new.path)),
        )
        yield name, None, name, old_raw, new_raw, STRUCTURE["table"]
        yield from _quality_pairs(name, None, old_raw, new_raw)
    for table, name, old_column, new_column in cmp.columns():
        if old_column is None or new_column is None:
            continue
        old_raw, new_raw = (
            _mapping(cmp.raw(cmp.old, old_column.path)),
            _mapping(cmp.raw(cmp.new, new_column.path)),
        )
        yield table, name, name, old_raw, new_raw, STRUCTURE["column"]
        yield from _quality_pairs(table, name, old_raw, new_raw)
    for name, old, new in _server_pairs(cmp):
        if old is not None and new is not None:
            location = set(_server_location(old)) | set(_server_location(new))
            yield (
                None,
                None,
                f"server {name}",
                dict(old.options),
                dict(new.options),
                STRUCTURE["server"] | location,
            )


def _contract_level(raw: Any) -> dict:
    """Top-level keys, plus the SLA entries that are dates for people (generalAvailability...),
    which compile to no rule and so are documentation."""
    from lockgate.contract.compile.sla import DOCUMENTARY

    out = dict(_mapping(raw))
    entries = [
        e
        for e in out.get("slaProperties") or []
        if isinstance(e, dict) and e.get("property") in DOCUMENTARY
    ]
    if entries:
        out["slaProperties (lifecycle dates)"] = entries
    return out


def _quality_pairs(table, column, old_raw: dict, new_raw: dict):
    """Quality entries matched by id (or kind and position): their descriptions, names, dimensions.
    Prose-only entries (`type: text`) count as documentation even when added or removed."""
    old_entries, new_entries = _keyed_quality(old_raw), _keyed_quality(new_raw)
    for key in dict.fromkeys([*old_entries, *new_entries]):
        old, new = old_entries.get(key), new_entries.get(key)
        if old is None or new is None:
            entry = old or new or {}
            if entry.get("type") != "text":
                continue  # a rule entry added or removed: the rule classifiers report it
        yield table, column, f"quality {key}", old or {}, new or {}, STRUCTURE["quality"]


def _keyed_quality(raw: dict) -> dict[str, dict]:
    keyed: dict[str, dict] = {}
    for entry in raw.get("quality") or []:
        if not isinstance(entry, dict):
            continue
        impl = entry.get("implementation")
        kind = (
            entry.get("metric")
            or entry.get("rule")
            or (impl.get("check") if isinstance(impl, dict) else None)
            or ""
        )
        base = entry.get("id") or f"{entry.get('type', 'library')}:{kind}"
        key, n = base, 2
        while key in keyed:
            key, n = f"{base}#{n}", n + 1
        keyed[key] = entry
    return keyed


def _documentation(keys: set[str] | None):
    """`keys`: the documentation keys this classifier owns; None: every key nobody else owns."""
    owned_elsewhere = {"description", "tags"}

    def detect(cmp: Comparison) -> Iterator[Hit]:
        for table, column, subject, old, new, structural in documented_pairs(cmp):
            candidates = (
                keys
                if keys is not None
                else {k for k in (*old, *new) if k not in structural and k not in owned_elsewhere}
            )
            for key in sorted(candidates):
                if old.get(key) != new.get(key):
                    where = key if subject in ("contract", table, column) else f"{subject}: {key}"
                    yield Hit(table, column, where, old.get(key), new.get(key))

    return detect


def _unclassified(cmp: Comparison) -> Iterator[Hit]:
    """The catch-all: the documents differ (beyond the version) but nothing above found why."""
    if cmp.found:
        return
    if _without_version(cmp.old.raw) != _without_version(cmp.new.raw):
        yield Hit(None, None, "document")


def _without_version(doc: Any) -> dict:
    return {k: v for k, v in _mapping(doc).items() if k != "version"}


def _mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


# --- the table ------------------------------------------------------------------------------------

C = Classifier
CLASSIFIERS: tuple[Classifier, ...] = (
    # the contract and its tables
    C(
        "contract-id-changed",
        BREAKING,
        "both",
        "the contract id changed: validation receipts, history and references to the old id no "
        "longer match",
        _contract_id,
    ),
    C(
        "table-removed",
        BREAKING,
        "consumers",
        "a table was removed: consumers that read it break",
        _tables_removed,
    ),
    C(
        "table-added",
        SAFE,
        "nobody",
        "a new table: nothing depends on it yet (producers must deliver it before its checks pass)",
        _tables_added,
    ),
    C(
        "table-physical-name-changed",
        BREAKING,
        "both",
        "the table's physical name changed: consumers querying the old name fail, producers "
        "must load the new one",
        _table_physical_name,
    ),
    # columns
    C(
        "column-removed",
        BREAKING,
        "consumers",
        "a column was removed: consumers that select it break",
        _columns_removed,
    ),
    C(
        "column-added-required",
        BREAKING,
        "producers",
        "a new required column: producers must deliver it, non-null, before their data passes",
        _columns_added(required=True),
    ),
    C(
        "column-added-optional",
        SAFE,
        "nobody",
        "a new optional column: consumers may start reading it, nothing existing depends on it",
        _columns_added(required=False),
    ),
    C(
        "column-physical-name-changed",
        BREAKING,
        "both",
        "the column's physical name changed: consumers selecting the old name fail, producers "
        "must write the new one",
        _column_field("physical_name", "physicalName"),
    ),
    C(
        "column-type-changed",
        BREAKING,
        "both",
        "the logical type changed: producers must write, and consumers will read, a different type",
        _column_field("logical_type", "logicalType", claims_rule=True),
    ),
    C(
        "column-physical-type-changed",
        BREAKING,
        "both",
        "the physical type changed (e.g. varchar(10) -> varchar(20)): values may no longer fit "
        "producers' or consumers' storage",
        _column_field("physical_type", "physicalType"),
    ),
    C(
        "primary-key-changed",
        BREAKING,
        "both",
        "the primary key changed: consumers joining or deduplicating on it break, producers "
        "must keep the new key unique and non-null",
        _primary_key,
    ),
    C(
        "partitioning-changed",
        RISKY,
        "consumers",
        "the partition columns changed: `--partition` values and Dagster partition keys now "
        "select by other columns, and each partition's history starts again under a new name",
        _partitioning,
    ),
    C(
        "column-required-added",
        BREAKING,
        "producers",
        "a column became required: producers' rows with nulls in it now fail",
        _required(added=True),
    ),
    C(
        "column-required-removed",
        RISKY,
        "consumers",
        "a column is no longer required: consumers may now receive nulls",
        _required(added=False),
    ),
    # rules kept under the same id
    C(
        "rule-redefined",
        BREAKING,
        "producers",
        "a rule id now measures something else: treat it as a new rule, which existing data "
        "may fail",
        _redefined,
    ),
    C(
        "bound-tightened",
        BREAKING,
        "producers",
        "a bound tightened (minimum raised, maximum lowered, maxLength lowered, latency "
        "shortened, coarser multipleOf): producers' values that passed may now fail",
        _measure_moved("bound", ("tighter", "changed")),
    ),
    C(
        "bound-loosened",
        RISKY,
        "consumers",
        "a bound loosened: consumers may receive values the contract used to reject",
        _measure_moved("bound", ("looser",)),
    ),
    C(
        "allowed-values-removed",
        BREAKING,
        "producers",
        "allowed values were removed: producers' rows with those values now fail",
        _measure_moved("values", ("tighter", "changed")),
    ),
    C(
        "allowed-values-added",
        RISKY,
        "consumers",
        "allowed values were added: consumers may receive values they do not handle",
        _measure_moved("values", ("looser",)),
    ),
    C(
        "pattern-changed",
        BREAKING,
        "producers",
        "a regular expression changed: values that matched may no longer match",
        _measure_moved("pattern", ("tighter", "looser", "changed")),
    ),
    C(
        "rule-tightened",
        BREAKING,
        "producers",
        "a rule fails more data than before (e.g. more placeholders count as missing, a "
        "shorter duplicate key): producers' data that passed may now fail",
        _measure_moved("generic", ("tighter",)),
    ),
    C(
        "rule-loosened",
        RISKY,
        "consumers",
        "a rule fails less data than before: consumers get a weaker guarantee",
        _measure_moved("generic", ("looser",)),
    ),
    C(
        "rule-changed",
        BREAKING,
        "producers",
        "a rule changed in a way that is neither tighter nor looser (e.g. its SQL or its "
        "relationship target): treat it as new",
        _measure_moved("generic", ("changed",)),
    ),
    C(
        "threshold-tightened",
        BREAKING,
        "producers",
        "a threshold tightened (lower null budget, higher row-count floor, shorter freshness): "
        "producers' data that passed may now fail",
        _threshold_moved("tighter"),
    ),
    C(
        "threshold-loosened",
        RISKY,
        "consumers",
        "a threshold loosened (higher budget, lower floor, longer freshness): consumers "
        "tolerate more bad data",
        _threshold_moved("looser"),
    ),
    C(
        "threshold-changed",
        BREAKING,
        "producers",
        "a threshold changed incomparably (e.g. rows -> percent): treat it as tightened",
        _threshold_moved("changed"),
    ),
    C(
        "severity-raised",
        BREAKING,
        "producers",
        "a rule became blocking (warning/info -> error): producers' data that only warned now "
        "fails",
        _severity("raised"),
    ),
    C(
        "severity-lowered",
        RISKY,
        "consumers",
        "a rule no longer blocks (error -> warning/info): consumers are no longer protected by it",
        _severity("lowered"),
    ),
    C(
        "severity-relabelled",
        SAFE,
        "nobody",
        "a non-blocking rule moved between warning and info: it blocks nothing either way",
        _severity("relabelled"),
    ),
    # rules added or removed
    C(
        "rule-added",
        BREAKING,
        "producers",
        "a new blocking rule: producers' data that passed may now fail",
        _rules_added(blocking=True),
    ),
    C(
        "rule-added-nonblocking",
        SAFE,
        "nobody",
        "a new warning or info rule: reported, never blocks",
        _rules_added(blocking=False),
    ),
    C(
        "rule-removed",
        RISKY,
        "consumers",
        "a rule was removed: the contract protects consumers less",
        _rules_removed,
    ),
    # servers
    C(
        "server-removed",
        BREAKING,
        "consumers",
        "a server was removed: consumers reading the data there lose it",
        _servers_removed,
    ),
    C(
        "server-location-changed",
        BREAKING,
        "consumers",
        "a server's location changed (type, host, database, schema, path...): consumers must "
        "read from the new place",
        _server_moved,
    ),
    C(
        "server-added",
        SAFE,
        "nobody",
        "a new server: one more place to read the data",
        _servers_added,
    ),
    # documentation
    C(
        "description-changed",
        SAFE,
        "nobody",
        "a description changed: documentation only",
        _documentation({"description"}),
    ),
    C("tags-changed", SAFE, "nobody", "tags changed: documentation only", _documentation({"tags"})),
    C(
        "metadata-changed",
        SAFE,
        "nobody",
        "other documentation changed (name, status, team, examples...): no effect on the data",
        _documentation(None),
    ),
    C(
        "unclassified-change",
        RISKY,
        "both",
        "the documents differ in a way lockgate does not classify: review it by hand",
        _unclassified,
    ),
)

BY_ID = {c.id: c for c in CLASSIFIERS}
assert len(BY_ID) == len(CLASSIFIERS), "classifier ids must be unique"
