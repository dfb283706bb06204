"""Each failure kind does to a load what its documentation says, and the next clean load repairs
the table (compared with a twin warehouse that never saw the failure)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from dagster_project.simulator import KINDS, Failure, land_next_day, status
from dagster_project.simulator.schema import LOADED_AT, TABLES

try:
    from .simulator_fixtures import START, copy_of, landed_template, loaded_at, read_raw
except ImportError:
    from simulator_fixtures import (  # noqa: F401
        START,
        copy_of,
        landed_template,
        loaded_at,
        read_raw,
    )

DAY = START + dt.timedelta(days=4)  # the load that carries the failure
NEXT = DAY + dt.timedelta(days=1)


@pytest.fixture
def twin(landed_template, tmp_path):
    """Clean reference: the same days without failures."""
    target = copy_of(landed_template, tmp_path, "twin.duckdb")
    land_next_day(target)
    return target


@pytest.fixture
def broken(landed_template, tmp_path):
    return copy_of(landed_template, tmp_path, "broken.duckdb")


def _load(df: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    return df[df[LOADED_AT] == loaded_at(day)]


def _columns(target, table: str) -> list[str]:
    with target.connect() as writer:
        return writer.columns(table)


def test_every_kind_has_a_test_here():
    tested = {name.removeprefix("test_") for name in globals() if name.startswith("test_")}
    assert set(KINDS) <= tested, set(KINDS) - tested


def test_frozen(broken, twin):
    before = read_raw(broken, "professionals").set_index("professional_id")
    land_next_day(broken, [Failure("frozen", "professionals", "rating")])
    after = read_raw(broken, "professionals").set_index("professional_id")
    truth = read_raw(twin, "professionals").set_index("professional_id")
    updated = after[after[LOADED_AT] == loaded_at(DAY)].index.intersection(before.index)
    assert len(updated) > 1_000
    # the rows were updated (other columns moved on) but the rating stayed at its old value ...
    assert (after.loc[updated, "updated_at"] == truth.loc[updated, "updated_at"]).all()
    assert (after.loc[updated, "response_rate"] == truth.loc[updated, "response_rate"]).all()
    assert (after.loc[updated, "rating"] == before.loc[updated, "rating"]).all()
    assert (truth.loc[updated, "rating"] != before.loc[updated, "rating"]).mean() > 0.7
    # ... new professionals still arrive with a rating
    new = after.index.difference(before.index)
    assert after.loc[new, "rating"].notna().all()
    # the day's snapshot is copied from the landed professionals: frozen too
    stats = read_raw(broken, "professional_daily_stats")
    today = stats[stats["stat_date"].dt.date == DAY].set_index("professional_id")
    yesterday = stats[stats["stat_date"].dt.date == DAY - dt.timedelta(days=1)].set_index(
        "professional_id"
    )
    assert (today.loc[yesterday.index, "rating"] == yesterday["rating"]).all()


def test_frozen_snapshot_column(broken, twin):
    land_next_day(broken, [Failure("frozen", "professional_daily_stats", "response_rate")])
    stats = read_raw(broken, "professional_daily_stats")
    today = stats[stats["stat_date"].dt.date == DAY].set_index("professional_id")
    yesterday = stats[stats["stat_date"].dt.date == DAY - dt.timedelta(days=1)].set_index(
        "professional_id"
    )
    assert (today.loc[yesterday.index, "response_rate"] == yesterday["response_rate"]).all()
    assert (
        today.loc[yesterday.index, "rating"] != yesterday["rating"]
    ).mean() > 0.5  # others move on
    # the professionals table itself is untouched
    pd.testing.assert_frame_equal(
        read_raw(broken, "professionals"), read_raw(twin, "professionals")
    )


def test_nulls(broken, twin):
    land_next_day(broken, [Failure("nulls", "quotes", "price_eur")])
    quotes, truth = read_raw(broken, "quotes"), read_raw(twin, "quotes")
    assert len(quotes) == len(truth)
    assert _load(quotes, DAY)["price_eur"].isna().all() and len(_load(quotes, DAY)) > 500
    assert quotes.loc[quotes[LOADED_AT] < loaded_at(DAY), "price_eur"].notna().all()


def test_nulls_fraction_on_dimension_updates(broken):
    land_next_day(
        broken, [Failure("nulls", "professionals", "response_rate", (("fraction", "0.5"),))]
    )
    today = _load(read_raw(broken, "professionals"), DAY)
    assert 0.35 < today["response_rate"].isna().mean() < 0.65


def test_constant(broken):
    land_next_day(broken, [Failure("constant", "service_requests", "budget_eur")])
    requests = read_raw(broken, "service_requests")
    assert _load(requests, DAY)["budget_eur"].unique().tolist() == [0.0]
    assert requests.loc[requests[LOADED_AT] < loaded_at(DAY), "budget_eur"].nunique() > 20


def test_drop_column(broken, twin):
    land_next_day(broken, [Failure("drop_column", "professionals", "rating")])
    assert "rating" not in _columns(broken, "professionals")
    pros, truth = read_raw(broken, "professionals"), read_raw(twin, "professionals")
    assert len(pros) == len(truth)
    # the rest of the load went through
    pd.testing.assert_series_equal(pros["response_rate"], truth["response_rate"])
    stats = read_raw(broken, "professional_daily_stats")
    assert stats.loc[stats["stat_date"].dt.date == DAY, "rating"].isna().all()


def test_rename_column(broken, twin):
    land_next_day(broken, [Failure("rename_column", "customers", "region")])
    columns = _columns(broken, "customers")
    assert "region" not in columns and "region_v2" in columns
    customers, truth = read_raw(broken, "customers"), read_raw(twin, "customers")
    pd.testing.assert_series_equal(customers["region_v2"], truth["region"], check_names=False)


def test_rename_column_to_a_chosen_name(broken):
    land_next_day(broken, [Failure.parse("rename_column:quotes.price_eur,new_name=price_cents")])
    assert "price_cents" in _columns(broken, "quotes")
    assert "price_eur" not in _columns(broken, "quotes")


def test_duplicate_keys(broken, twin):
    land_next_day(broken, [Failure("duplicate_keys", "quotes")])
    quotes, truth = read_raw(broken, "quotes"), read_raw(twin, "quotes")
    dup = quotes["quote_id"].duplicated(keep=False)
    assert dup.any()
    assert (quotes.loc[dup, LOADED_AT] == loaded_at(DAY)).all()  # only the bent load fans out
    counts = quotes.groupby("quote_id").size()
    assert counts.max() in (2, 3)
    extra_share = (len(quotes) - len(truth)) / len(_load(truth, DAY))
    assert 0.15 < extra_share < 0.5  # ~20% of the load duplicated once or twice
    pd.testing.assert_frame_equal(quotes.drop_duplicates(ignore_index=True), truth)


def test_partial_load(broken, twin):
    land_next_day(broken, [Failure("partial_load", "service_requests")])
    got = len(_load(read_raw(broken, "service_requests"), DAY))
    expected = len(_load(read_raw(twin, "service_requests"), DAY))
    assert 0.02 * expected < got < 0.25 * expected
    # other tables are complete
    assert len(read_raw(broken, "quotes")) == len(read_raw(twin, "quotes"))


def test_unit_change(broken, twin):
    land_next_day(broken, [Failure("unit_change", "quotes", "price_eur")])
    quotes = read_raw(broken, "quotes").set_index("quote_id")["price_eur"]
    truth = read_raw(twin, "quotes").set_index("quote_id")
    today = truth[truth[LOADED_AT] == loaded_at(DAY)].index
    earlier = truth[truth[LOADED_AT] < loaded_at(DAY)].index
    pd.testing.assert_series_equal(quotes[today], truth.loc[today, "price_eur"] * 100)
    pd.testing.assert_series_equal(quotes[earlier], truth.loc[earlier, "price_eur"])


def test_stale(broken, twin):
    land_next_day(broken, [Failure("stale", "hires")])
    hires = read_raw(broken, "hires")
    assert hires[LOADED_AT].max() == loaded_at(DAY - dt.timedelta(days=1))
    assert len(_load(read_raw(twin, "hires"), DAY)) > 50
    assert read_raw(broken, "quotes")[LOADED_AT].max() == loaded_at(DAY)  # other tables advanced


def test_stale_dimension(broken):
    before = read_raw(broken, "professionals")
    land_next_day(broken, [Failure("stale", "professionals")])
    pd.testing.assert_frame_equal(read_raw(broken, "professionals"), before)


def test_broken_join_key(broken):
    land_next_day(broken, [Failure("broken_join_key", "service_requests", "customer_id")])
    requests = read_raw(broken, "service_requests")
    customers = set(read_raw(broken, "customers")["customer_id"])
    today = _load(requests, DAY)
    assert today["customer_id"].str.fullmatch(r"C-\d{6,}").all()
    assert today["customer_id"].isin(customers).mean() == 0
    assert requests.loc[requests[LOADED_AT] < loaded_at(DAY), "customer_id"].isin(customers).all()


def test_bad_rows(broken, twin, landed_template, tmp_path):
    failure = Failure("bad_rows", "quotes", params={"fraction": "0.02"})
    land_next_day(broken, [failure])
    quotes, truth = read_raw(broken, "quotes"), read_raw(twin, "quotes")
    assert len(quotes) == len(truth) and (quotes["quote_id"] == truth["quote_id"]).all()
    changed = quotes["price_eur"] != truth["price_eur"]
    today = (quotes[LOADED_AT] == loaded_at(DAY)).to_numpy()
    assert not changed[~today].any()  # only the load's rows
    assert 0.005 < changed[today].mean() < 0.05  # about the fraction
    ratio = quotes.loc[changed, "price_eur"] / truth.loc[changed, "price_eur"]
    assert set(ratio.round(6)) == {-1.0, 10_000.0}  # negated or 10,000 times too large
    # every changed row is out of the contract's range; the others are untouched
    bad = (quotes["price_eur"] < 1) | (quotes["price_eur"] > 5000)
    assert (bad == changed).all()
    # deterministic with the seed: the same load on another copy bends the same rows the same way
    again = copy_of(landed_template, tmp_path, "again.duckdb")
    land_next_day(again, [failure])
    pd.testing.assert_frame_equal(read_raw(again, "quotes"), quotes)


RECOVERY_CASES = [
    "frozen:professionals.rating",
    "frozen:professional_daily_stats.response_rate",
    "nulls:quotes.price_eur",
    "constant:customers.total_requests",
    "drop_column:professionals.rating",
    "rename_column:customers.region",
    "duplicate_keys:professionals",
    "duplicate_keys:quotes",
    "partial_load:service_requests",
    "unit_change:hires.agreed_price_eur",
    "stale:hires",
    "stale:professionals",
    "broken_join_key:service_requests.customer_id",
    "bad_rows:quotes,fraction=0.05",
]


@pytest.mark.parametrize("spec", RECOVERY_CASES)
def test_next_clean_load_repairs(spec, broken, twin, landed_template, tmp_path):
    failure = Failure.parse(spec)
    land_next_day(broken, [failure])
    assert failure.table in status(broken).state.dirty
    report = land_next_day(broken)
    assert report.tables[failure.table].repaired
    assert status(broken).state.dirty == set()
    land_next_day(twin)
    for table, spec_ in TABLES.items():
        assert _columns(broken, table) == _columns(twin, table) or sorted(
            _columns(broken, table)
        ) == sorted(spec_.columns), table
        got = read_raw(broken, table, list(spec_.columns)).drop(columns=LOADED_AT)
        expected = read_raw(twin, table, list(spec_.columns)).drop(columns=LOADED_AT)
        pd.testing.assert_frame_equal(got, expected, obj=f"{table} after {spec}")
    # repaired rows are re-sent by the clean load: they carry its _loaded_at
    repaired = read_raw(broken, failure.table)
    assert (repaired[LOADED_AT] == loaded_at(NEXT)).sum() >= len(
        _load(read_raw(twin, failure.table), NEXT)
    )
