"""`lockgate selftest`: prove that every rule of a contract can catch what it is meant to catch.

For each rule: generate data that satisfies the whole contract (dataset.py), then data that breaks
only that rule (breakers.py), and check with both engines (engines.py) that the rule passes on the
first and fails on the second. Rules that can never fail are reported before any data is made
(vacuous.py); rules selftest cannot exercise are listed with the reason, never hidden.

Outcomes per rule: ok, never-fails, unbreakable (no failing data was found), misbehaved (passed
broken data, failed valid data, or the engines disagreed), not-exercised.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

from lockgate.contract import rules as ir
from lockgate.contract.model import Contract

OK, NEVER_FAILS, UNBREAKABLE, MISBEHAVED, NOT_EXERCISED = (
    "ok",
    "never-fails",
    "unbreakable",
    "misbehaved",
    "not-exercised",
)
STATUSES = (MISBEHAVED, NEVER_FAILS, UNBREAKABLE, NOT_EXERCISED, OK)  # worst first
FAILING = (MISBEHAVED, NEVER_FAILS, UNBREAKABLE)


@dataclass
class Outcome:
    rule: ir.Rule
    status: str
    reason: str = ""  # why, for every status but ok
    broken_by: str = ""  # what the breaking data changed
    also_failed: list[str] = field(default_factory=list)  # other rules the breaking data failed


@dataclass
class SelftestReport:
    contract_id: str
    version: str
    outcomes: list[Outcome]
    rows: dict[str, int]  # rows generated per table

    @property
    def passed(self) -> bool:
        return not any(o.status in FAILING for o in self.outcomes)

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)


def selftest(contract: Contract, now: dt.datetime | None = None) -> SelftestReport:
    from lockgate.selftest.breakers import Broken, Context, break_rule, not_exercised_reason
    from lockgate.selftest.dataset import build_dataset
    from lockgate.selftest.engines import VALID, run_datasets
    from lockgate.selftest.vacuous import never_fails
    from lockgate.selftest.values import ANCHOR

    now = now or ANCHOR.replace(tzinfo=dt.timezone.utc) + dt.timedelta(minutes=1)
    outcomes: dict[str, Outcome] = {}
    candidates = []
    for rule in contract.rules:
        reason, skip = never_fails(contract, rule), not_exercised_reason(rule, contract)
        if reason:
            outcomes[rule.id] = Outcome(rule, NEVER_FAILS, reason)
        elif skip:
            outcomes[rule.id] = Outcome(rule, NOT_EXERCISED, skip)
        else:
            candidates.append(rule)

    # Rules on a column no valid values were found for are set aside; the data is then generated
    # again without them, so that their column no longer constrains the others.
    _, problems = build_dataset(dataclasses.replace(contract, rules=tuple(candidates)), now)
    outcomes.update(
        {r.id: Outcome(r, NOT_EXERCISED, problems[r.id]) for r in candidates if r.id in problems}
    )
    judged = [r for r in candidates if r.id not in problems]
    subject = dataclasses.replace(contract, rules=tuple(judged))
    valid, _ = build_dataset(subject, now)

    ctx = Context(subject, valid, now)
    datasets, how = {VALID: valid}, {}
    for rule in judged:
        result = break_rule(rule, ctx)
        if isinstance(result, Broken):
            datasets[rule.id], how[rule.id] = result.dataset, result.how
        else:
            outcomes[rule.id] = Outcome(
                rule, UNBREAKABLE if result.exercisable else NOT_EXERCISED, result.reason
            )

    changed = {
        r.id: {r.table} for r in judged if r.id in how
    }  # a breaker changes its rule's table only
    verdicts = run_datasets(subject, datasets, changed, now)
    for rule in judged:
        if rule.id in how:
            outcomes[rule.id] = _judged(rule, verdicts[VALID], verdicts[rule.id], how[rule.id])
        elif outcomes[rule.id].status == UNBREAKABLE:
            outcomes[rule.id] = _cannot_pass(outcomes[rule.id], verdicts[VALID])
    rows = {name: data.rows for name, data in valid.tables.items()}
    return SelftestReport(
        contract.id, contract.version, [outcomes[r.id] for r in contract.rules], rows
    )


def _judged(rule: ir.Rule, valid: dict, broken: dict, how: str) -> Outcome:
    """Both engines must pass the rule on valid data and fail it on the breaking data."""
    from lockgate.selftest.engines import ENGINES

    problems = []
    for engine in ENGINES:
        good, bad = valid[engine].get(rule.id), broken[engine].get(rule.id)
        if good is None or not good.passed:
            problems.append(
                f"{engine} engine: failed on valid data ({good.describe() if good else 'not measured'})"
            )
        if bad is None or bad.error:
            problems.append(
                f"{engine} engine: could not measure the breaking data ({bad.describe() if bad else 'not measured'})"
            )
        elif bad.passed:
            problems.append(f"{engine} engine: passed the breaking data ({bad.describe()})")
    also = sorted({
        other for engine in ENGINES for other, verdict in broken[engine].items()
        if other != rule.id and not verdict.passed and valid[engine].get(other) is not None and valid[engine][other].passed
    })  # fmt: skip
    return Outcome(rule, MISBEHAVED if problems else OK, "; ".join(problems), how, also)


def _cannot_pass(outcome: Outcome, valid: dict) -> Outcome:
    """No data breaks the rule; if it also failed on valid data, no data passes it either."""
    from lockgate.selftest.engines import ENGINES

    failing = [
        f"{e} engine: {valid[e][outcome.rule.id].describe()}"
        for e in ENGINES
        if not valid[e][outcome.rule.id].passed
    ]
    if not failing:
        return outcome
    return Outcome(
        outcome.rule,
        MISBEHAVED,
        f"failed on valid data ({'; '.join(failing)}), and {outcome.reason}",
    )
