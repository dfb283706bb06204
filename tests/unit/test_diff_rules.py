"""Every entry of the diff classifier table, one case each: an edit to a contract and the exact
changes `lockgate diff` must report for it (no more, no fewer)."""

from __future__ import annotations

import copy

import pytest
import yaml

from lockgate.contract.loader import analyze_text
from lockgate.review.changes import BREAKING, RISKY, SAFE
from lockgate.review.classifiers import BY_ID, CLASSIFIERS
from lockgate.review.diff import classify

BASE = {
    "apiVersion": "v3.1.0",
    "kind": "DataContract",
    "id": "shop",
    "version": "1.0.0",
    "status": "active",
    "tags": ["sales"],
    "servers": [
        {"server": "prod", "type": "duckdb", "database": "w.duckdb", "schema": "main"},
        {
            "server": "pg",
            "type": "postgres",
            "host": "db",
            "port": 5432,
            "database": "shop",
            "schema": "public",
        },
    ],
    "schema": [
        {
            "name": "orders",
            "description": "one row per order",
            "properties": [
                {"name": "order_id", "logicalType": "integer", "primaryKey": True},
                {
                    "name": "customer_id",
                    "logicalType": "string",
                    "required": True,
                    "relationships": [{"to": "customers.customer_id"}],
                },
                {
                    "name": "status",
                    "logicalType": "string",
                    "quality": [
                        {
                            "metric": "invalidValues",
                            "arguments": {"validValues": ["new", "paid", "shipped"]},
                            "mustBe": 0,
                        }
                    ],
                },
                {
                    "name": "amount",
                    "logicalType": "number",
                    "physicalType": "double",
                    "logicalTypeOptions": {"minimum": 0, "maximum": 1000},
                },
                {
                    "name": "code",
                    "logicalType": "string",
                    "logicalTypeOptions": {"pattern": "^[A-Z]+$", "maxLength": 5},
                },
                {
                    "name": "note",
                    "logicalType": "string",
                    "quality": [
                        {
                            "metric": "nullValues",
                            "mustBeLessOrEqualTo": 10,
                            "unit": "percent",
                            "severity": "warning",
                        },
                        {
                            "id": "note_placeholders",
                            "metric": "missingValues",
                            "arguments": {"missingValues": ["", "N/A"]},
                            "mustBe": 0,
                        },
                    ],
                },
                {"name": "created_at", "logicalType": "timestamp", "required": True},
            ],
            "quality": [
                {"metric": "rowCount", "mustBeGreaterThan": 100},
                {
                    "type": "sql",
                    "id": "big_orders",
                    "query": "SELECT COUNT(*) FROM {object} WHERE amount > 900",
                    "mustBeLessOrEqualTo": 3,
                },
            ],
        },
        {
            "name": "customers",
            "properties": [{"name": "customer_id", "logicalType": "string", "primaryKey": True}],
        },
    ],
    "slaProperties": [
        {"property": "freshness", "value": 2, "unit": "d", "element": "orders.created_at"}
    ],
}


def contract(doc: dict):
    text = yaml.safe_dump(doc, sort_keys=False)
    loaded, findings = analyze_text(text, "test.odcs.yaml")
    errors = [str(f) for f in findings if f.severity == "error"]
    assert loaded is not None and not errors, errors
    return loaded


def table(doc, name="orders"):
    return next(t for t in doc["schema"] if t["name"] == name)


def column(doc, name, table_name="orders"):
    return next(c for c in table(doc, table_name)["properties"] if c["name"] == name)


def note_quality(doc, metric):
    return next(q for q in column(doc, "note")["quality"] if q["metric"] == metric)


# classifier id -> (edit of the contract, (where, subject) of the one change it must produce)
CASES = {
    "contract-id-changed": (lambda d: d.update(id="shop-v2"), ("contract", "id")),
    "table-removed": (lambda d: d["schema"].pop(1), ("customers", "customers")),
    "table-added": (
        lambda d: d["schema"].append(
            {"name": "refunds", "properties": [{"name": "id", "logicalType": "integer"}]}
        ),
        ("refunds", "refunds"),
    ),
    "table-physical-name-changed": (
        lambda d: table(d).update(physicalName="orders_v2"),
        ("orders", "physicalName"),
    ),
    "column-removed": (
        lambda d: table(d)["properties"].remove(column(d, "code")),
        ("orders.code", "code"),
    ),
    "column-added-required": (
        lambda d: table(d)["properties"].append(
            {"name": "channel", "logicalType": "string", "required": True}
        ),
        ("orders.channel", "channel"),
    ),
    "column-added-optional": (
        lambda d: table(d)["properties"].append({"name": "channel", "logicalType": "string"}),
        ("orders.channel", "channel"),
    ),
    "column-physical-name-changed": (
        lambda d: column(d, "order_id").update(physicalName="id"),
        ("orders.order_id", "physicalName"),
    ),
    "column-type-changed": (
        lambda d: column(d, "amount").update(logicalType="integer"),
        ("orders.amount", "logicalType"),
    ),
    "column-physical-type-changed": (
        lambda d: column(d, "amount").update(physicalType="decimal(10,2)"),
        ("orders.amount", "physicalType"),
    ),
    "primary-key-changed": (
        lambda d: (
            column(d, "order_id").update(primaryKeyPosition=1),
            column(d, "created_at").update(primaryKey=True, primaryKeyPosition=2),
        ),
        ("orders", "primaryKey"),
    ),
    "partitioning-changed": (
        lambda d: column(d, "created_at").update(partitioned=True),
        ("orders", "partitioned"),
    ),
    "column-required-added": (
        lambda d: column(d, "status").update(required=True),
        ("orders.status", "required"),
    ),
    "column-required-removed": (
        lambda d: column(d, "customer_id").pop("required"),
        ("orders.customer_id", "required"),
    ),
    "rule-redefined": (
        lambda d: column(d, "note")["quality"].__setitem__(
            1,
            {
                "id": "note_placeholders",
                "metric": "invalidValues",
                "arguments": {"validValues": ["ok"]},
                "mustBe": 0,
            },
        ),
        ("orders.note", "note_placeholders"),
    ),
    "bound-tightened": (
        lambda d: column(d, "amount")["logicalTypeOptions"].update(maximum=500),
        ("orders.amount", "orders.amount.maximum"),
    ),
    "bound-loosened": (
        lambda d: column(d, "amount")["logicalTypeOptions"].update(maximum=2000),
        ("orders.amount", "orders.amount.maximum"),
    ),
    "allowed-values-removed": (
        lambda d: column(d, "status")["quality"][0]["arguments"].update(
            validValues=["new", "paid"]
        ),
        ("orders.status", "orders.status.invalidValues"),
    ),
    "allowed-values-added": (
        lambda d: column(d, "status")["quality"][0]["arguments"].update(
            validValues=["new", "paid", "shipped", "returned"]
        ),
        ("orders.status", "orders.status.invalidValues"),
    ),
    "pattern-changed": (
        lambda d: column(d, "code")["logicalTypeOptions"].update(pattern="^[A-Z]{2,5}$"),
        ("orders.code", "orders.code.pattern"),
    ),
    "rule-tightened": (
        lambda d: note_quality(d, "missingValues")["arguments"].update(
            missingValues=["", "N/A", "-"]
        ),
        ("orders.note", "note_placeholders"),
    ),
    "rule-loosened": (
        lambda d: note_quality(d, "missingValues")["arguments"].update(missingValues=[""]),
        ("orders.note", "note_placeholders"),
    ),
    "rule-changed": (
        lambda d: table(d)["quality"][1].update(
            query="SELECT COUNT(*) FROM {object} WHERE amount > 950"
        ),
        ("orders", "big_orders"),
    ),
    "threshold-tightened": (
        lambda d: table(d)["quality"][0].update(mustBeGreaterThan=200),
        ("orders", "orders.rowCount"),
    ),
    "threshold-loosened": (
        lambda d: note_quality(d, "nullValues").update(mustBeLessOrEqualTo=20),
        ("orders.note", "orders.note.nullValues"),
    ),
    "threshold-changed": (
        lambda d: note_quality(d, "nullValues").update(unit="rows"),
        ("orders.note", "orders.note.nullValues"),
    ),
    "severity-raised": (
        lambda d: note_quality(d, "nullValues").update(severity="error"),
        ("orders.note", "orders.note.nullValues"),
    ),
    "severity-lowered": (
        lambda d: table(d)["quality"][0].update(severity="warning"),
        ("orders", "orders.rowCount"),
    ),
    "severity-relabelled": (
        lambda d: note_quality(d, "nullValues").update(severity="info"),
        ("orders.note", "orders.note.nullValues"),
    ),
    "rule-added": (
        lambda d: (
            column(d, "status")
            .setdefault("quality", [])
            .append({"metric": "nullValues", "mustBe": 0})
        ),
        ("orders.status", "orders.status.nullValues"),
    ),
    "rule-added-nonblocking": (
        lambda d: (
            column(d, "status")
            .setdefault("quality", [])
            .append({"metric": "nullValues", "mustBe": 0, "severity": "warning"})
        ),
        ("orders.status", "orders.status.nullValues"),
    ),
    "rule-removed": (
        lambda d: column(d, "amount")["logicalTypeOptions"].pop("maximum"),
        ("orders.amount", "orders.amount.maximum"),
    ),
    "server-removed": (lambda d: d["servers"].pop(1), ("contract", "server pg")),
    "server-location-changed": (
        lambda d: d["servers"][0].update(schema="analytics"),
        ("contract", "server prod"),
    ),
    "server-added": (
        lambda d: d["servers"].append(
            {"server": "backup", "type": "duckdb", "database": "b.duckdb"}
        ),
        ("contract", "server backup"),
    ),
    "description-changed": (
        lambda d: table(d).update(description="one row per order, cancelled ones included"),
        ("orders", "description"),
    ),
    "tags-changed": (lambda d: d.update(tags=["sales", "pii"]), ("contract", "tags")),
    "metadata-changed": (
        lambda d: column(d, "amount").update(examples=[9.99]),
        ("orders.amount", "examples"),
    ),
    # a date format on a timestamp describes storage: no rule changes, no documentation key either
    "unclassified-change": (
        lambda d: column(d, "created_at").update(
            logicalTypeOptions={"format": "yyyy-MM-dd HH:mm:ss"}
        ),
        ("contract", "document"),
    ),
}


def test_every_classifier_has_a_case():
    assert set(CASES) == set(BY_ID)


@pytest.mark.parametrize("kind", list(CASES))
def test_classifier(kind):
    edit, (where, subject) = CASES[kind]
    new = copy.deepcopy(BASE)
    edit(new)
    changes = classify(contract(BASE), contract(new))
    assert [(c.kind, c.where, c.subject) for c in changes] == [(kind, where, subject)]
    entry = BY_ID[kind]
    assert changes[0].severity == entry.severity and changes[0].explanation == entry.explanation


def test_the_table_is_well_formed():
    assert len(CLASSIFIERS) == len(BY_ID)
    for entry in CLASSIFIERS:
        assert entry.severity in (BREAKING, RISKY, SAFE)
        assert entry.affects in ("producers", "consumers", "both", "nobody")
        assert "\n" not in entry.explanation and len(entry.explanation) < 200


def test_identical_contracts_and_a_version_bump_alone_are_no_change():
    assert classify(contract(BASE), contract(BASE)) == []
    bumped = copy.deepcopy(BASE)
    bumped["version"] = "1.0.1"
    assert classify(contract(BASE), contract(bumped)) == []


def test_before_and_after_say_what_moved():
    new = copy.deepcopy(BASE)
    column(new, "amount")["logicalTypeOptions"]["maximum"] = 500
    note_quality(new, "nullValues").update(mustBeLessOrEqualTo=5, severity="error")
    changes = {c.kind: c for c in classify(contract(BASE), contract(new))}
    assert set(changes) == {"bound-tightened", "threshold-tightened", "severity-raised"}
    assert (changes["bound-tightened"].before, changes["bound-tightened"].after) == (
        "values <= 1000",
        "values <= 500",
    )
    assert (changes["threshold-tightened"].before, changes["threshold-tightened"].after) == (
        "failing rows <= 10%",
        "failing rows <= 5%",
    )
    assert (changes["severity-raised"].before, changes["severity-raised"].after) == (
        "warning",
        "error",
    )


def test_a_required_column_added_names_the_producers():
    new = copy.deepcopy(BASE)
    CASES["column-added-required"][0](new)
    (change,) = classify(contract(BASE), contract(new))
    assert change.affects == "producers" and "producers must deliver it" in change.explanation


def test_a_removed_table_does_not_also_report_its_rules():
    new = copy.deepcopy(BASE)
    new["schema"].pop(0)
    new["slaProperties"] = []
    kinds = [c.kind for c in classify(contract(BASE), contract(new))]
    assert kinds == ["table-removed"]


def test_a_moved_server_shows_only_what_moved():
    new = copy.deepcopy(BASE)
    new["servers"][1].update(host="db2", description="the new primary")
    changes = classify(contract(BASE), contract(new))
    assert [c.to_dict()["before"] for c in changes] == [{"host": "db"}, None]
    assert [(c.kind, c.to_dict()["after"]) for c in changes] == [
        ("server-location-changed", {"host": "db2"}),
        ("description-changed", "the new primary"),
    ]


# --- stateful rules: a rule is changed only when its own definition changed -----------------------

DETECTORS = copy.deepcopy(BASE)
column(DETECTORS, "amount").setdefault("quality", []).extend(
    [
        {
            "type": "custom",
            "engine": "lockgate",
            "implementation": {"check": "changeRate", "minRate": 0.2},
        },
        {
            "type": "custom",
            "engine": "lockgate",
            "implementation": {"check": "anomaly", "metric": "mean"},
        },
    ]
)
column(DETECTORS, "status").setdefault("quality", []).append(
    {
        "type": "custom",
        "engine": "lockgate",
        "implementation": {"check": "changeRate", "minRate": 0.2},
    }
)
table(DETECTORS)["quality"] += [
    {
        "type": "custom",
        "engine": "lockgate",
        "implementation": {"check": "anomaly", "metric": "rowsAdded", "direction": "down"},
    },
    {
        "type": "custom",
        "engine": "lockgate",
        "implementation": {"check": "extraColumns", "policy": "forbid"},
    },
]


def _amount_rule(doc, check):
    return next(
        q
        for q in column(doc, "amount")["quality"]
        if q.get("implementation", {}).get("check") == check
    )


# edit of DETECTORS -> the exact (kind, where, subject) changes
DETECTOR_CASES = {
    "unrelated column removed": (
        lambda d: table(d)["properties"].remove(column(d, "code")),
        [("column-removed", "orders.code", "code")],
    ),
    "unrelated column added": (
        lambda d: table(d)["properties"].append({"name": "channel", "logicalType": "string"}),
        [("column-added-optional", "orders.channel", "channel")],
    ),
    "unrelated column renamed physically": (
        lambda d: column(d, "note").update(physicalName="note_text"),
        [("column-physical-name-changed", "orders.note", "physicalName")],
    ),
    "changeRate minimum raised": (
        lambda d: _amount_rule(d, "changeRate")["implementation"].update(minRate=0.5),
        [("threshold-tightened", "orders.amount", "orders.amount.changeRate")],
    ),
    "anomaly window changed": (
        lambda d: _amount_rule(d, "anomaly")["implementation"].update(window=10),
        [("rule-changed", "orders.amount", "orders.amount.anomaly.mean")],
    ),
    "the rule's own column renamed physically": (
        lambda d: column(d, "amount").update(physicalName="amount_eur"),
        [("column-physical-name-changed", "orders.amount", "physicalName")],
    ),
    "the rule's own column removed": (
        lambda d: table(d)["properties"].remove(column(d, "status")),
        [("column-removed", "orders.status", "status")],
    ),
}


def test_the_detector_contract_is_valid_and_has_its_rules():
    ids = {r.id for r in contract(DETECTORS).rules}
    assert {"orders.amount.changeRate", "orders.status.changeRate", "orders.extraColumns"} <= ids
    assert any(i.startswith("orders.amount.anomaly") for i in ids), ids


@pytest.mark.parametrize("case", list(DETECTOR_CASES))
def test_stateful_rules_change_only_with_their_own_definition(case):
    edit, expected = DETECTOR_CASES[case]
    new = copy.deepcopy(DETECTORS)
    edit(new)
    changes = classify(contract(DETECTORS), contract(new))
    assert [(c.kind, c.where, c.subject) for c in changes] == expected


def test_a_changed_detector_says_what_it_checks_before_and_after():
    new = copy.deepcopy(DETECTORS)
    _amount_rule(new, "anomaly")["implementation"].update(window=10)
    (change,) = classify(contract(DETECTORS), contract(new))
    assert change.before.startswith("mean(amount) within |z| <= 4 of the last 30 runs"), (
        change.before
    )
    assert change.after.startswith("mean(amount) within |z| <= 4 of the last 10 runs"), change.after
