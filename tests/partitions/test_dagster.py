"""Dagster: a partitioned asset gets per-partition blocking checks, and a step that trains on a
partition reads that partition's validation (across runs too)."""

import dagster as dg
import duckdb
import pytest

from lockgate.dagster import LockgateResource, build_contract_checks
from lockgate.dagster.partitions import run_partitions
from lockgate.guard import ContractViolation, require_validated
from lockgate.state.store import open_store
from tests.partitions.conftest import contract_for
from tests.partitions.data import CONTRACT, customers, events
from tests.support.files import duckdb_with

pytestmark = pytest.mark.slow  # Dagster runs take seconds each

DAYS = dg.DailyPartitionsDefinition(start_date="2026-06-27", end_date="2026-06-30")
EVENTS, CUSTOMERS = dg.AssetKey("events"), dg.AssetKey("customers")


@pytest.fixture
def project(tmp_path):
    """Day 2 is clean here; day 3 reuses key 3 of day 1 and breaks three more rules."""
    frame = events()
    frame.loc[frame["amount"] < 0, "amount"] = 1.0
    db = duckdb_with(tmp_path / "w.duckdb", {"events": frame, "customers": customers()})
    con = duckdb.connect(str(db))
    try:
        con.execute("ALTER TABLE events ALTER day TYPE DATE")
    finally:
        con.close()
    contract_for(
        tmp_path, db, text=CONTRACT.replace("mustBeGreaterThan: 4", "mustBeGreaterThan: 3")
    )
    paths = LockgateResource(history=str(tmp_path / "h.sqlite"), registry=str(tmp_path / "reg"))
    path = tmp_path / "contract.odcs.yaml"

    @dg.asset(key=EVENTS, partitions_def=DAYS)
    def events_asset() -> None:
        pass  # the rows are already in the DuckDB file

    @dg.asset(key=CUSTOMERS)
    def customers_asset() -> None:
        pass

    (checks,) = build_contract_checks(
        contracts=[path],
        asset_key_for=lambda contract, table: dg.AssetKey(table.name),
        partitions_def=DAYS,
    )

    @dg.asset(partitions_def=DAYS, deps=[EVENTS])
    def model(context: dg.AssetExecutionContext) -> None:
        import lockgate

        with open_store(paths.history) as store:
            require_validated(
                [lockgate.load_contract(path)],
                store=store,
                stage="training",
                partitions=run_partitions(context),
            )

    return path, paths, [events_asset, checks, model], customers_asset


def _run(assets, day: str, instance, lockgate: LockgateResource):
    result = dg.materialize(
        assets,
        partition_key=day,
        instance=instance,
        resources={"lockgate": lockgate},
        raise_on_error=False,
    )
    return result, {e.check_name: e for e in result.get_asset_check_evaluations()}


def test_partitioned_checks_block_per_partition_and_guards_read_their_partitions(project):
    """One Dagster instance for both halves: the runs cost seconds each."""
    import lockgate

    path, paths, assets, customers_asset = project
    with dg.instance_for_test() as instance:
        dg.materialize([customers_asset], instance=instance)
        clean, checks = _run(assets, "2026-06-28", instance, paths)
        assert clean.success and not clean.is_node_untouched("model")
        assert checks["events_event_id_unique"].passed
        assert {e.partition for e in checks.values()} == {"2026-06-28"}

        bad, checks = _run(assets, "2026-06-29", instance, paths)
        assert not bad.success
        assert bad.is_node_untouched("model")  # blocked within the run
        assert {e.partition for e in checks.values()} == {"2026-06-29"}
        assert checks["events_event_id_unique"].metadata["failed_rows"].value == 2  # 3 from day 1
        assert {k for k, e in checks.items() if not e.passed} == {
            "events_event_id_unique", "events_primaryKey", "events_status_invalidValues",
            "events_customer_id_relationship",
        }  # fmt: skip

    # across runs: a later training step reads the validation of the partitions it trains on
    contract = lockgate.load_contract(path)
    with open_store(paths.history) as store:
        receipt = require_validated(
            [contract], store=store, stage="training", partitions=["2026-06-28"]
        )
        assert receipt["passed"]
        assert "events[day=2026-06-28]" in {e["table"] for e in receipt["contracts"]}
        with pytest.raises(ContractViolation) as bad_day:
            require_validated([contract], store=store, stage="training", partitions=["2026-06-29"])
        assert "events[day=2026-06-29]" in str(bad_day.value)
        assert "events.event_id.unique" in str(bad_day.value)
        with pytest.raises(ContractViolation, match="never validated"):
            require_validated([contract], store=store, stage="training", partitions=["2026-06-27"])
        # the clean day does not vouch for a bad one trained on with it
        with pytest.raises(ContractViolation, match="2026-06-29"):
            require_validated(
                [contract], store=store, stage="training", partitions=["2026-06-28", "2026-06-29"]
            )
