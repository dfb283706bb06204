"""Verdicts belong to loads, not to runs. Checking the same data again (a retry, a re-execution,
a manual look) repeats its load's data verdicts, adds no baseline point, and is judged at its own
logical time by the time rules. Real stores: SQLite and PostgreSQL; engines: DuckDB (SQL) and
pandas (frame); two processes retrying at once."""

from __future__ import annotations

import datetime as dt
import multiprocessing

import pytest

import lockgate
from lockgate.state.store import open_store
from lockgate.state.store.postgres import PostgresHistoryStore
from tests.support.files import duckdb_with, write_contract
from tests.support.postgres import PG
from tests.unit.test_state_change_rate import Dimension

NIGHT = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)  # the nightly schedule's first tick
RATING, ADVANCE, VOLUME, NULLS = (
    "pros.rating.changeRate",
    "pros.updated_at.advancement",
    "pros.anomaly.rowCount",
    "pros.rating.anomaly.nullRate",
)

CONTRACT = """
apiVersion: v3.1.0
kind: DataContract
id: pros
version: 1.0.0
status: active
servers:
  - server: duck
    type: duckdb
    database: "{db}"
schema:
  - name: pros
    quality:
      - {{type: custom, engine: lockgate, implementation: {{check: anomaly, metric: rowCount, minHistory: 3}}}}
    properties:
      - name: pro_id
        logicalType: string
        primaryKey: true
      - name: rating
        logicalType: number
        quality:
          - {{type: custom, engine: lockgate, implementation: {{check: changeRate, buckets: 256}}}}
          - {{type: custom, engine: lockgate, implementation: {{check: anomaly, metric: nullRate, minHistory: 3}}}}
      - name: response_rate
        logicalType: number
      - name: is_active
        logicalType: boolean
      - name: updated_at
        logicalType: timestamp
        quality:
          - {{type: custom, engine: lockgate, implementation: {{check: advancement}}}}
"""


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    if request.param == "sqlite":
        with open_store(tmp_path / "history.sqlite") as s:
            yield s
    else:
        _con, schema = request.getfixturevalue("pg_schema")
        with PostgresHistoryStore(dict(PG), schema=schema) as s:
            yield s


class Warehouse:
    """One DuckDB file reloaded in place each night, checked with one contract (one content hash)."""

    def __init__(self, tmp_path, store, engine: str):
        self.db = tmp_path / "warehouse.duckdb"
        self.contract = lockgate.load_contract(
            write_contract(tmp_path, CONTRACT.format(db=self.db))
        )
        self.store, self.engine, self.df = store, engine, None

    def load(self, df) -> None:
        self.df = df
        duckdb_with(self.db, {"pros": df})

    def check(self, as_of: dt.datetime):
        if self.engine == "sql":
            result = lockgate.validate(self.contract, as_of=as_of, history=self.store)
        else:
            result = lockgate.validate_frames(
                self.contract, {"pros": self.df}, as_of=as_of, history=self.store
            )
        return result, {r.rule.id: r for r in result.results}


def nightly_history(wh: Warehouse, dim: Dimension, nights: int) -> None:
    wh.load(dim.df)
    assert wh.check(NIGHT)[0].passed
    for night in range(1, nights):
        wh.load(dim.next_day())
        result, _ = wh.check(NIGHT + dt.timedelta(days=night))
        assert result.passed, [(r.rule.id, r.observed) for r in result.failures]


@pytest.mark.parametrize("engine", ["sql", "frame"])
def test_a_retry_of_a_frozen_load_still_fails_change_rate_and_advancement_stays_clean(
    tmp_path, store, engine
):
    wh, dim = Warehouse(tmp_path, store, engine), Dimension()
    nightly_history(wh, dim, 4)
    wh.load(dim.next_day(frozen=("rating",)))
    tick = NIGHT + dt.timedelta(days=4)
    first, verdicts = wh.check(tick)
    assert not first.passed and not first.retry_of
    assert verdicts[RATING].observed.startswith("frozen? rating changed in 0 of ")
    assert verdicts[ADVANCE].passed
    for minutes in (10, 20, 6 * 60):  # two retries and a manual look at 08:00
        retry, again = wh.check(tick + dt.timedelta(minutes=minutes))
        assert retry.retry_of == {"pros": wh.store.recent_runs("pros", limit=20)[-5]["run_id"]}
        assert not again[RATING].passed
        assert (
            again[RATING].observed == verdicts[RATING].observed
            and again[RATING].samples == verdicts[RATING].samples
        )
        assert again[ADVANCE].passed, again[
            ADVANCE
        ].observed  # the data is fresh: a retry is not idle
        assert "within the idle allowance 21h 36m" in again[ADVANCE].observed
        assert [r.to_dict() for r in retry.results if r.rule.id != ADVANCE] == [
            r.to_dict() for r in first.results if r.rule.id != ADVANCE
        ]
    latest = store.latest_validation("pros", "duck" if engine == "sql" else None, "pros")
    assert [r["rule"] for r in latest["results"] if not r["passed"]] == [
        RATING
    ]  # what the guard reads
    runs = store.recent_runs("pros", limit=4)
    assert [r["retry_of"] for r in runs] == [runs[-1]["run_id"]] * 3 + [None]


def test_a_reload_that_changed_nothing_fails_advancement_on_its_first_check_and_every_retry(
    tmp_path, store
):
    wh, dim = Warehouse(tmp_path, store, "frame"), Dimension()
    nightly_history(wh, dim, 4)  # the table stays as night 3 left it
    for minutes in (0, 10, 30):
        result, verdicts = wh.check(NIGHT + dt.timedelta(days=4, minutes=minutes))
        assert not result.passed
        assert [r.rule.id for r in result.failures] == [ADVANCE]
        assert verdicts[ADVANCE].observed.startswith(
            f"did not advance: latest 2026-01-04 00:00:00 unchanged for 1d{' ' if minutes else ' ('}"
        )


def test_manual_checks_and_retries_are_not_anomaly_baselines(tmp_path, store):
    wh, dim = Warehouse(tmp_path, store, "frame"), Dimension()
    wh.load(dim.df)
    for night in range(6):
        if night:
            wh.load(dim.next_day(new_rows=2))
        for minutes in (0, 10, 8 * 60):  # the load, its retry, a manual look in the morning
            wh.check(NIGHT + dt.timedelta(days=night, minutes=minutes))
    history = store.table_history(
        "pros", None, "pros", "pandas", as_of=NIGHT + dt.timedelta(days=7)
    )
    assert [r.row_count for r in history.runs] == [
        400,
        402,
        404,
        406,
        408,
        410,
    ]  # six loads, not 18 checks
    assert store.run_count() == 18
    wh.load(dim.next_day(new_rows=200))
    _, verdicts = wh.check(NIGHT + dt.timedelta(days=6))
    assert not verdicts[VOLUME].passed
    assert "(median 405 over 6 runs," in verdicts[VOLUME].observed, verdicts[
        VOLUME
    ].observed  # not over 18 checks


def test_backfilling_in_time_order_gives_the_nightly_verdicts(tmp_path, store):
    """A history checked night by night, and the same loads backfilled later in time order with
    --as-of, in a second store: the same verdicts."""
    nightly, dim = Warehouse(tmp_path, store, "frame"), Dimension()
    backfill_store = open_store(tmp_path / "backfill.sqlite")
    frames, ticks = [dim.df.copy()], [NIGHT + dt.timedelta(days=n) for n in range(6)]
    for n in range(1, 6):
        frames.append((dim.next_day(frozen=("rating",)) if n == 4 else dim.next_day()).copy())
    frames.append(frames[-1])  # the last night: nothing reloaded
    ticks.append(NIGHT + dt.timedelta(days=6))
    expected = []
    for df, tick in zip(frames, ticks):
        nightly.load(df)
        expected.append({k: (v.passed, v.observed) for k, v in nightly.check(tick)[1].items()})
    backfill = Warehouse(tmp_path, backfill_store, "frame")
    got = []
    for df, tick in zip(frames, ticks):
        backfill.load(df)
        got.append({k: (v.passed, v.observed) for k, v in backfill.check(tick)[1].items()})
    backfill_store.close()
    assert got == expected
    assert [d[RATING][0] for d in got] == [True, True, True, True, False, True, True]
    assert [d[ADVANCE][0] for d in got] == [True] * 6 + [False]


def _open(kind: str, where: str):
    return open_store(where) if kind == "sqlite" else PostgresHistoryStore(dict(PG), schema=where)


def _retry_in_process(kind: str, where: str, contract_path: str, as_of: str, start, out) -> None:
    contract = lockgate.load_contract(contract_path)
    with _open(kind, where) as store:
        start.wait(30)
        result = lockgate.validate(contract, as_of=dt.datetime.fromisoformat(as_of), history=store)
    out.put((result.passed, [r.rule.id for r in result.failures], result.result(RATING).observed))


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_two_processes_retrying_the_same_load_at_once(tmp_path, kind, request):
    where = (
        str(tmp_path / "history.sqlite")
        if kind == "sqlite"
        else request.getfixturevalue("pg_schema")[1]
    )
    store = _open(kind, where)
    wh, dim = Warehouse(tmp_path, store, "sql"), Dimension()
    nightly_history(wh, dim, 3)
    wh.load(dim.next_day(frozen=("rating",)))
    first_tick = NIGHT + dt.timedelta(days=3)
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    contract_path = str(tmp_path / "contract.odcs.yaml")
    procs = [
        ctx.Process(
            target=_retry_in_process,
            args=(kind, where, contract_path, first_tick.isoformat(), start, out),
        )
        for _ in range(2)
    ]
    for p in procs:
        p.start()
    start.set()
    answers = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    for passed, failures, observed in answers:
        assert (
            not passed
            and failures == [RATING]
            and observed.startswith("frozen? rating changed in 0 of ")
        )
    # both wrote their run; the one that committed second is recorded as a retry of the first, and
    # the two count as one load
    runs = store.recent_runs("pros", limit=2)
    assert sorted(r["retry_of"] or 0 for r in runs) == [0, min(r["run_id"] for r in runs)]
    assert (
        len(store.table_history("pros", "duck", "pros", "duckdb", as_of=first_tick).runs) == 4
    )  # 3 nights + this one
    retry, verdicts = wh.check(first_tick + dt.timedelta(minutes=15))  # and a third, later retry
    assert (
        retry.retry_of == {"pros": min(r["run_id"] for r in runs)} and not verdicts[RATING].passed
    )
    store.close()


SQL_CONTRACT = """
apiVersion: v3.1.0
kind: DataContract
id: logged
version: 1.0.0
status: active
servers:
  - server: duck
    type: duckdb
    database: "{db}"
schema:
  - name: items
    quality:
      - {{type: custom, engine: lockgate, implementation: {{check: anomaly, metric: rowCount}}}}
      - type: sql
        id: items_in_newest_load
        query: SELECT count(*) FROM load_log WHERE day = (SELECT max(day) FROM load_log)
        mustBeGreaterThan: 0
    properties:
      - {{name: item_id, logicalType: integer, primaryKey: true}}
      - {{name: price, logicalType: number, logicalTypeOptions: {{minimum: 0}}}}
"""


def test_rules_that_read_other_tables_are_judged_again_on_a_retry(tmp_path, store):
    import pandas as pd

    db = tmp_path / "warehouse.duckdb"
    contract = lockgate.load_contract(write_contract(tmp_path, SQL_CONTRACT.format(db=db)))
    items = pd.DataFrame({"item_id": range(5), "price": [1.0, 2.0, 3.0, 4.0, -1.0]})
    duckdb_with(db, {"items": items, "load_log": pd.DataFrame({"day": [1, 1]})})
    first = lockgate.validate(contract, as_of=NIGHT, history=store)
    assert [r.rule.id for r in first.failures] == ["items.price.minimum"]
    duckdb_with(
        db, {"load_log": pd.DataFrame({"day": [1, 1, 2]}).iloc[:0]}
    )  # the log lost its rows
    retry = lockgate.validate(contract, as_of=NIGHT + dt.timedelta(minutes=10), history=store)
    assert retry.retry_of == {"items": first_run(store)}  # items did not change: a retry
    verdicts = {r.rule.id: r for r in retry.results}
    assert (
        not verdicts["items_in_newest_load"].passed
        and verdicts["items_in_newest_load"].observed == 0
    )  # judged now
    assert (
        verdicts["items.price.minimum"].samples == first.result("items.price.minimum").samples
    )  # repeated


def first_run(store) -> int:
    return store.recent_runs("items")[-1]["run_id"]
