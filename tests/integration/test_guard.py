"""The pipeline guard: refuse unless every upstream contract's latest validation passed, used the
current contract, and still describes the data; say exactly what is wrong."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

import lockgate
from lockgate.guard import ContractViolation, require_validated
from lockgate.state.store import open_store
from tests.support.files import duckdb_with, write_contract

CONTRACT = """
apiVersion: v3.1.0
kind: DataContract
id: orders
version: {version}
status: active
servers:
  - server: duck
    type: duckdb
    database: {db}
schema:
  - name: orders
    properties:
      - name: order_id
        logicalType: integer
        primaryKey: true
      - name: amount
        logicalType: number
        logicalTypeOptions: {{minimum: 0}}
      - name: note
        logicalType: string
        quality:
          - metric: nullValues
            mustBe: 0
            severity: warning
"""


@pytest.fixture
def setup(tmp_path):
    db = duckdb_with(
        tmp_path / "w.duckdb",
        {
            "orders": pd.DataFrame(
                {"order_id": [1, 2, 3], "amount": [5.0, -1.0, 7.0], "note": ["a", None, "c"]}
            )
        },
    )
    path = write_contract(tmp_path, CONTRACT.format(version="1.0.0", db=db))
    store = open_store(tmp_path / "history.sqlite")
    yield tmp_path, db, path, store
    store.close()


def validated_clean(db, path, store):
    """Repair the one bad row and validate: the contract passes and the run is in `store`."""
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE orders SET amount = 1 WHERE amount < 0")
    contract = lockgate.load_contract(path)
    lockgate.validate(contract, history=store)
    return contract


def test_never_validated(setup):
    _, _, path, store = setup
    with pytest.raises(ContractViolation) as info:
        require_validated([lockgate.load_contract(path)], store=store, stage="training")
    assert "training refused" in str(info.value)
    assert "contract orders 1.0.0, table orders: never validated" in str(info.value)


def test_failed_blocking_rule_is_named_with_observed_expected_and_samples(setup):
    _, _, path, store = setup
    contract = lockgate.load_contract(path)
    lockgate.validate(contract, history=store)
    with pytest.raises(ContractViolation) as info:
        require_validated([contract], store=store, stage="release")
    [violation] = info.value.violations  # the failed warning (note nulls) does not block
    assert (violation.rule, violation.column, violation.observed, violation.expected) == (
        "orders.amount.minimum",
        "amount",
        1,
        "amount >= 0 (failing rows = 0)",
    )
    assert violation.sample_keys == [{"order_id": 2, "amount": -1.0}]
    assert (
        "rule orders.amount.minimum (column amount) failed: observed 1, expected amount >= 0 (failing rows = 0), 1 failing rows; sample rows: order_id=2, amount=-1.0"
        in str(info.value)
    )


def test_passing_validation_gives_a_receipt(setup):
    tmp_path, db, path, store = setup
    contract = validated_clean(db, path, store)
    receipt = require_validated([contract], store=store, stage="training")
    assert receipt["passed"] is True and receipt["problems"] == []
    [entry] = receipt["contracts"]
    assert (
        entry["id"] == "orders"
        and entry["content_hash"] == contract.content_hash
        and entry["row_count"] == 3
    )
    assert len(entry["results_digest"]) == 64


def test_data_changed_after_validation(setup):
    _, db, path, store = setup
    contract = validated_clean(db, path, store)
    with duckdb.connect(str(db)) as con:
        con.execute("INSERT INTO orders VALUES (4, -50.0, 'x')")  # nobody validated this row
    with pytest.raises(
        ContractViolation,
        match=r"the data changed after its last validation \(3 rows validated, 4 now\)",
    ):
        require_validated([contract], store=store, stage="training")
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=5)
    with pytest.raises(ContractViolation, match="after its last validation"):
        require_validated(
            [contract],
            store=store,
            stage="training",
            changed_since={"orders": later},
            check_row_counts=False,
        )


def test_a_changed_contract_needs_a_new_validation(setup):
    tmp_path, db, path, store = setup
    validated_clean(db, path, store)
    path.write_text(CONTRACT.format(version="1.1.0", db=db).replace("minimum: 0", "minimum: 1"))
    with pytest.raises(
        ContractViolation,
        match=r"validated with another revision of the contract \(version 1.0.0\)",
    ):
        require_validated([lockgate.load_contract(path)], store=store, stage="training")
