"""Serving benchmark: validation overhead per single-record request, and a bounded load test.

    .venv/bin/python -m benchmarks.serve_latency [--requests 5000] [--concurrency 16]

1. Validation overhead: the record validator alone (in process, 20,000 calls), then whole
   single-record requests to two real servers on 127.0.0.1, one validating and one not,
   interleaved request by request so that both see the same machine load.
2. Load test: N requests at concurrency C (threads with one keep-alive connection each),
   stopping by itself: throughput, p50/p99, errors, and the predictions found in the log after
   a clean shutdown. Then the same during promotions (the champion alias moved back and forth
   every 0.2 s).

Results go to benchmarks/serve_results.json and are printed as Markdown (benchmarks/SERVING.md).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx

from lockgate.contract.loader import load_contract
from lockgate.registry import ModelRegistry
from lockgate.serve.app import ServeSettings
from lockgate.serve.demo import (
    FEATURES,
    as_records,
    quotes_frame,
    train_two_versions,
    write_project,
)
from lockgate.serve.row_validator import RowValidator
from lockgate.serve.server import BackgroundServer

OUT = Path(__file__).with_name("serve_results.json")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def summary_ms(values_s: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values_s]
    return {
        "p50_ms": round(pct(ms, 50), 3),
        "p99_ms": round(pct(ms, 99), 3),
        "mean_ms": round(statistics.fmean(ms), 3),
        "n": len(ms),
    }


def validator_alone(root: Path, records: list[dict]) -> dict[str, float]:
    contract = load_contract(root / "contracts" / "quotes.odcs.yaml")
    validator = RowValidator(contract, "quotes", FEATURES)
    times = []
    for i in range(20_000):
        record = [records[i % len(records)]]
        t = time.perf_counter()
        validator.validate(record)
        times.append(time.perf_counter() - t)
    out = summary_ms(times)
    out["rules"] = len(validator.rules) + len(validator.types)
    return out


def overhead(
    specs: Path, registry: Path, tmp: Path, records: list[dict], n: int = 2000
) -> dict[str, dict]:
    on = BackgroundServer(ServeSettings(specs=specs, registry=registry, log_path=tmp / "on.sqlite"))
    off = BackgroundServer(
        ServeSettings(specs=specs, registry=registry, log_path=tmp / "off.sqlite", validate=False)
    )
    times: dict[str, list[float]] = {"with_validation": [], "without_validation": []}
    with on as url_on, off as url_off, httpx.Client(timeout=10) as a, httpx.Client(timeout=10) as b:
        for i in range(200):  # warm-up: connections, model caches
            a.post(f"{url_on}/models/quotes/predict", json={"records": [records[i]]})
            b.post(f"{url_off}/models/quotes/predict", json={"records": [records[i]]})
        for i in range(n):
            body = {"records": [records[i % len(records)]]}
            for name, client, url in (
                ("with_validation", a, url_on),
                ("without_validation", b, url_off),
            )[:: 1 if i % 2 else -1]:
                t = time.perf_counter()
                r = client.post(f"{url}/models/quotes/predict", json=body)
                times[name].append(time.perf_counter() - t)
                assert r.status_code == 200, r.text
    out = {k: summary_ms(v) for k, v in times.items()}
    diffs = [x - y for x, y in zip(times["with_validation"], times["without_validation"])]
    out["difference"] = {"p50_ms": round(pct([d * 1000 for d in diffs], 50), 3)}
    return out


def load_test(
    specs: Path,
    registry_root: Path,
    log: Path,
    records: list[dict],
    total: int,
    concurrency: int,
    promote: bool,
) -> dict:
    registry = ModelRegistry(registry_root)
    latencies: list[float] = []
    errors: list[str] = []
    versions: dict[str, int] = {}
    lock = threading.Lock()
    per_worker = [
        total // concurrency + (1 if i < total % concurrency else 0) for i in range(concurrency)
    ]
    stop = threading.Event()
    switches = 0

    def promoter() -> None:
        nonlocal switches
        while not stop.wait(0.2):
            if registry.aliases("quotes")["champion"] == "v2":
                registry.rollback("quotes")
            else:
                registry.promote("quotes", "v2")
            switches += 1

    server = BackgroundServer(ServeSettings(specs=specs, registry=registry_root, log_path=log))
    url = server.start()

    def worker(index: int, count: int) -> None:
        mine, seen, failed = [], {}, []
        with httpx.Client(timeout=30) as client:
            for i in range(count):
                body = {"records": [records[(index * 7919 + i) % len(records)]]}
                t = time.perf_counter()
                try:
                    r = client.post(f"{url}/models/quotes/predict", json=body)
                    ok = r.status_code == 200
                    if ok:
                        v = r.json()["version"]
                        seen[v] = seen.get(v, 0) + 1
                    else:
                        failed.append(f"{r.status_code} {r.text[:200]}")
                except httpx.HTTPError as exc:
                    failed.append(repr(exc))
                mine.append(time.perf_counter() - t)
        with lock:
            latencies.extend(mine)
            errors.extend(failed)
            for k, v in seen.items():
                versions[k] = versions.get(k, 0) + v

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(per_worker)]
    side = threading.Thread(target=promoter) if promote else None
    started = time.perf_counter()
    if side:
        side.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    stop.set()
    if side:
        side.join()
    server.stop()  # a clean shutdown flushes the log
    with sqlite3.connect(log) as con:
        logged = con.execute("SELECT count(*) FROM predictions").fetchone()[0]
    return {
        "requests": total,
        "concurrency": concurrency,
        "seconds": round(elapsed, 2),
        "throughput_rps": round(total / elapsed, 1),
        **summary_ms(latencies),
        "errors": len(errors),
        "first_errors": errors[:3],
        "predictions_logged": logged,
        "versions_answered": versions,
        "alias_switches": switches,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="lockgate-serve-bench-"))
    specs, registry = write_project(tmp)
    frame = quotes_frame()
    train_two_versions(specs, registry, frame)
    records = as_records(frame)
    results = {
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        },
        "validator_alone": validator_alone(tmp, records),
        "single_record_requests": overhead(specs, registry, tmp, records),
        "load": load_test(
            specs,
            registry,
            tmp / "load.sqlite",
            records,
            args.requests,
            args.concurrency,
            promote=False,
        ),
        "load_during_promotions": load_test(
            specs,
            registry,
            tmp / "load2.sqlite",
            records,
            args.requests,
            args.concurrency,
            promote=True,
        ),
    }
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    OUT.write_text(json.dumps(results, indent=2) + "\n")
    print(render(results))


def render(r: dict) -> str:
    v, s = r["validator_alone"], r["single_record_requests"]
    lines = [
        "| measure | p50 | p99 |",
        "|---|---|---|",
        (
            f"| record validator alone ({v['rules']} rules, in process) "
            f"| {v['p50_ms']} ms | {v['p99_ms']} ms |"
        ),
        (
            f"| single-record request, with validation | {s['with_validation']['p50_ms']} ms "
            f"| {s['with_validation']['p99_ms']} ms |"
        ),
        (
            f"| single-record request, without validation | {s['without_validation']['p50_ms']} ms "
            f"| {s['without_validation']['p99_ms']} ms |"
        ),
        f"| paired difference (with - without) | {s['difference']['p50_ms']} ms | |",
        "",
        (
            "| load test | requests | concurrency | throughput | p50 | p99 | errors | logged "
            "| versions |"
        ),
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in ("load", "load_during_promotions"):
        x = r[name]
        lines.append(
            f"| {name.replace('_', ' ')} | {x['requests']} | {x['concurrency']} "
            f"| {x['throughput_rps']} req/s | {x['p50_ms']} ms | {x['p99_ms']} ms | {x['errors']} "
            f"| {x['predictions_logged']} | {x['versions_answered']} |"
        )
    lines.append(f"\nmachine: {r['machine']}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
