"""The Dagster asset checks of a contract with a quarantine policy: within budget the quarantining
checks pass (the run is green) and every check of the table carries the quarantined rows per
rule."""

from __future__ import annotations

import dagster as dg

from lockgate.dagster import LockgateResource, build_contract_checks
from tests.quarantine.data import contract_text, pros, quotes
from tests.support.files import duckdb_with, write_contract

QUOTES = dg.AssetKey("quotes")


def _run(tmp_path, max_rate: float):
    db = duckdb_with(tmp_path / "w.duckdb", {"quotes": quotes(), "pros": pros()})
    path = write_contract(tmp_path, contract_text(database=str(db), max_rate=max_rate))

    @dg.asset(key=QUOTES)
    def quotes_asset() -> None:
        pass  # the table is already in the DuckDB file

    (checks,) = build_contract_checks(
        contracts=[path],
        asset_key_for=lambda contract, table: (
            QUOTES if table.name == "quotes" else dg.AssetKey(table.name)
        ),
    )
    lockgate = LockgateResource(history=str(tmp_path / "h.sqlite"), registry=str(tmp_path / "reg"))

    @dg.asset(key=dg.AssetKey("pros"))
    def pros_asset() -> None:
        pass

    result = dg.materialize(
        [quotes_asset, pros_asset, checks],
        instance=dg.DagsterInstance.ephemeral(),
        resources={"lockgate": lockgate},
        raise_on_error=False,
    )
    return result, {e.check_name: e for e in result.get_asset_check_evaluations()}


def test_within_budget_checks_pass_with_quarantined_counts(tmp_path):
    result, evaluations = _run(tmp_path, 0.5)
    assert result.success
    minimum = evaluations["quotes_amount_minimum"]
    assert minimum.passed
    meta = {k: v.value for k, v in minimum.metadata.items()}
    assert meta["quarantined_rows"] == 7
    assert meta["quarantined[quotes.status.invalidValues]"] == 2
    assert meta["quarantined[quotes.quote_id.primaryKey]"] == 2
    assert meta["quarantine_within_budget"] is True
    assert "quarantined_rows" not in evaluations["pros_pro_id_required"].metadata


def test_over_budget_the_blocking_checks_fail(tmp_path):
    result, evaluations = _run(tmp_path, 0.1)
    assert not result.success
    assert not evaluations["quotes_amount_minimum"].passed
    assert evaluations["quotes_amount_minimum"].metadata["quarantine_within_budget"].value is False
