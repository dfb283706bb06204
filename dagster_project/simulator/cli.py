"""Command line of the upstream simulator: `python -m dagster_project.simulator COMMAND`."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from .failures import KINDS, Failure, describe_kinds
from .land import LoadReport, SimulatorError, catch_up, land_days, land_next_day, reset, status
from .schema import TABLES
from .targets import TARGETS, target_from_name

EPILOG = f"""\
failure specs (--inject, repeatable): KIND:table.column or KIND:table, optionally
followed by ,name=value parameters, e.g.
  --inject frozen:professionals.rating --inject partial_load:quotes,fraction=0.05
kinds: {", ".join(KINDS)}
tables: {", ".join(TABLES)}
`failures` lists what each kind does and what the next clean load repairs.
clock: a day's load runs at 23:30 UTC; a day lands once that moment has passed on lockgate's
clock (LOCKGATE_TODAY=YYYY-MM-DD pins it to that date's 00:00 UTC; default: the real time).
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not the whole usage block
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _failure(text: str) -> Failure:
    try:
        return Failure.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--target",
        choices=list(TARGETS),
        default="duckdb",
        help="warehouse to land into (default duckdb)",
    )
    common.add_argument(
        "--warehouse",
        type=Path,
        help="DuckDB file (default $LOCKGATE_WAREHOUSE or warehouse/marketplace.duckdb)",
    )
    common.add_argument(
        "--raw-schema", help="schema of the raw tables (default $LOCKGATE_RAW_SCHEMA or raw)"
    )
    inject = argparse.ArgumentParser(add_help=False)
    inject.add_argument(
        "--inject",
        metavar="KIND:TABLE[.COLUMN]",
        type=_failure,
        action="append",
        default=[],
        help="inject a failure into every load of this command (repeatable)",
    )
    sizing = argparse.ArgumentParser(add_help=False)
    sizing.add_argument("--seed", type=int, help="random seed of a new warehouse (default 42)")
    sizing.add_argument("--scale", type=float, help="size factor of a new warehouse (default 1.0)")

    parser = _Parser(
        prog="python -m dagster_project.simulator",
        description=(
            "Plays another application's ETL: lands a home-services marketplace "
            "day by day into the warehouse's raw schema, with switchable failures."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    land = sub.add_parser(
        "land",
        parents=[common, sizing, inject],
        help="land N days: ending with the last complete day if empty, else continuing",
    )
    land.add_argument("--days", type=_positive_int, default=90)
    land.add_argument(
        "--start-date",
        type=_date,
        help="first day of a new warehouse (default: the N days up to the last complete one)",
    )
    sub.add_parser(
        "next-day", parents=[common, inject], help="land the day after the last landed one"
    )
    catch = sub.add_parser(
        "catch-up",
        parents=[common, sizing, inject],
        help="land every complete day (N days if empty) up to the clock (LOCKGATE_TODAY or now)",
    )
    catch.add_argument("--days-if-empty", type=_positive_int, default=90)
    rst = sub.add_parser(
        "reset",
        parents=[common, sizing],
        help="drop the simulator's tables; with --days, land a clean warehouse again",
    )
    rst.add_argument("--days", type=_positive_int)
    sub.add_parser("status", parents=[common], help="what has been landed")
    sub.add_parser("failures", help="describe the failure kinds")
    return parser


def _progress(report: LoadReport, i: int, n: int) -> None:
    if i % 10 == 0 or i == n:
        rows = {t: r.inserted for t, r in report.tables.items()}
        print(
            f"  landed {i}/{n}: {report.day}  requests +{rows['service_requests']}, quotes "
            f"+{rows['quotes']}, "
            f"hires +{rows['hires']}",
            flush=True,
        )


def _print_load(report: LoadReport) -> None:
    print(f"landed {report.summary()}")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "failures":
        print(describe_kinds())
        return 0
    try:
        target = target_from_name(
            args.target,
            **(
                {"raw_schema": args.raw_schema}
                | ({"path": args.warehouse} if args.target == "duckdb" else {})
            ),
        )
        failures = getattr(args, "inject", [])
        started = time.perf_counter()
        if args.command == "land":
            print(f"landing {args.days} days into {target.describe()}", flush=True)
            reports = land_days(
                target,
                args.days,
                seed=args.seed,
                scale=args.scale,
                start=args.start_date,
                failures=failures,
                progress=_progress,
            )
            print(
                f"landed {reports[0].day} .. {reports[-1].day} in "
                f"{time.perf_counter() - started:.1f}s"
            )
        elif args.command == "next-day":
            _print_load(land_next_day(target, failures))
        elif args.command == "catch-up":
            reports = catch_up(
                target,
                days_if_empty=args.days_if_empty,
                seed=args.seed,
                scale=args.scale,
                failures=failures,
                progress=_progress,
            )
            print(
                f"landed {len(reports)} day(s)"
                + (
                    f": {reports[0].day} .. {reports[-1].day}"
                    if reports
                    else " (already up to date)"
                )
            )
        elif args.command == "reset":
            dropped = reset(target)
            print(f"dropped {len(dropped)} table(s) from {target.describe()}")
            if args.days:
                reports = land_days(
                    target, args.days, seed=args.seed, scale=args.scale, progress=_progress
                )
                print(
                    f"landed {reports[0].day} .. {reports[-1].day} in "
                    f"{time.perf_counter() - started:.1f}s"
                )
        elif args.command == "status":
            print(status(target).render())
        return 0
    except SimulatorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # connection refused, file locked by another writer: one line, not a traceback
    except Exception as exc:  # noqa: BLE001
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"error: {type(exc).__name__}: {first_line}", file=sys.stderr)
        return 1
