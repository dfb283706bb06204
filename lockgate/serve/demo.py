"""`make demo-serving`: the production loop on a small generated project, in about a minute.

A feature contract and a model spec (`onMonitoringFailure: rollback`) are written to a folder,
two versions are trained and released, and then: the champion is served; clean traffic passes
its monitoring window; an upstream change makes the features drift; `lockgate monitor` fails
the window, the alert arrives at a local webhook receiver, and the champion is rolled back, which
the running server follows without a restart.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: quote-features
name: Quote acceptance features
version: 1.0.0
status: active
schema:
  - name: quotes
    physicalType: table
    properties:
      - name: quote_id
        logicalType: string
        primaryKey: true
      - name: price_eur
        logicalType: number
        required: true
        logicalTypeOptions: {minimum: 1, maximum: 5000}
      - name: response_hours
        logicalType: number
        logicalTypeOptions: {minimum: 0}
      - name: pro_rating
        logicalType: number
        required: true
        logicalTypeOptions: {minimum: 1, maximum: 5}
      - name: category
        logicalType: string
        required: true
        quality:
          - metric: invalidValues
            arguments: {validValues: [cleaning, moving, painting, plumbing]}
            mustBe: 0
      - name: quoted_at
        logicalType: timestamp
        required: true
      - name: accepted
        logicalType: boolean
        required: true
"""

SPEC = """\
name: quotes
description: Probability that a customer accepts a quote.
source:
  contract: ../contracts/quotes.odcs.yaml
  table: quotes
features:
  numeric: [price_eur, response_hours, pro_rating]
  categorical: [category]
target: accepted
time_column: quoted_at
split: {holdout_days: 10, min_train_rows: 200, min_holdout_rows: 50}
estimator:
  class: sklearn.linear_model.LogisticRegression
  params: {max_iter: 500}
onMonitoringFailure: rollback
"""

FEATURES = ("price_eur", "response_hours", "pro_rating", "category")


def quotes_frame(n: int = 3000, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    category = rng.choice(["cleaning", "moving", "painting", "plumbing"], size=n)
    price = np.clip(rng.lognormal(5, 0.5, size=n), 1, 5000)
    hours = rng.exponential(6, size=n)
    rating = np.clip(rng.normal(4.3, 0.4, size=n), 1, 5)
    logit = (
        1.2 * (rating - 4.3)
        - 0.004 * (price - 160)
        - 0.08 * (hours - 6)
        + (category == "cleaning") * 0.5
    )
    accepted = rng.random(n) < 1 / (1 + np.exp(-logit))
    quoted_at = pd.Timestamp("2026-01-01") + pd.to_timedelta(
        np.sort(rng.uniform(0, 60, size=n)), unit="D"
    )
    return pd.DataFrame(
        {
            "quote_id": [f"q{i}" for i in range(n)],
            "price_eur": price.round(2),
            "response_hours": hours.round(2),
            "pro_rating": rating.round(2),
            "category": category,
            "quoted_at": quoted_at,
            "accepted": accepted,
        }
    )


def as_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
        for row in frame[list(FEATURES)].to_dict("records")
    ]


def write_project(root: Path) -> tuple[Path, Path]:
    (root / "contracts").mkdir(parents=True, exist_ok=True)
    (root / "models").mkdir(parents=True, exist_ok=True)
    (root / "contracts" / "quotes.odcs.yaml").write_text(CONTRACT)
    (root / "models" / "quotes.yaml").write_text(SPEC)
    return root / "models", root / "registry"


def train_two_versions(specs: Path, registry_root: Path, frame: pd.DataFrame) -> None:
    """v1 on the older half, v2 on everything; both released, v2 the champion."""
    from lockgate.ml.spec import load_spec
    from lockgate.ml.training import evaluate, fit, out_of_time_split, prepare
    from lockgate.registry import ModelRegistry

    spec = load_spec(specs / "quotes.yaml")
    registry = ModelRegistry(registry_root)
    rows = prepare(spec, frame)
    for data in (rows.iloc[: len(rows) // 2].reset_index(drop=True), rows):
        split = out_of_time_split(spec, data)
        model = fit(spec, split.train)
        metrics = evaluate(spec, model, split.holdout)
        receipt = {
            "passed": True,
            "contracts": [{"id": "quote-features", "version": "1.0.0"}],
            "problems": [],
        }
        version = registry.register(spec.name, model, {"metrics": metrics, "receipt": receipt})
        registry.record_release(version, {"passed": True, "gates": [], "candidate": metrics})
        registry.promote(spec.name, version.version)


class _Receiver:
    """A local webhook receiver that prints what arrives."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
                outer.received.append(body)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/alerts"


def main() -> None:
    import httpx

    from lockgate.registry import ModelRegistry
    from lockgate.serve.app import ServeSettings
    from lockgate.serve.server import BackgroundServer

    root = Path(tempfile.mkdtemp(prefix="lockgate-serving-demo-"))

    def say(text: str) -> None:
        print(f"\n== {text}", flush=True)

    say(f"project in {root}: a feature contract, a spec with onMonitoringFailure: rollback")
    specs, registry_root = write_project(root)
    frame = quotes_frame()
    train_two_versions(specs, registry_root, frame)
    registry = ModelRegistry(registry_root)
    print(f"trained and released v1 and v2; champion {registry.aliases('quotes')['champion']}")

    receiver = _Receiver()
    (root / "alerts.yaml").write_text(
        f"sinks:\n  - {{name: demo-webhook, type: webhook, url: '{receiver.url}'}}\n"
        "retries: 2\nbackoff_seconds: 0.2\n"
    )
    log = root / "predictions.sqlite"
    base = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    clock_at = [base]
    lock = threading.Lock()

    def clock() -> dt.datetime:  # the demo's hours pass in seconds
        with lock:
            clock_at[0] += dt.timedelta(microseconds=1)
            return clock_at[0]

    env = {**os.environ, "LOCKGATE_MONITORING": str(root / "monitoring")}
    from lockgate.ml.spec import load_spec
    from lockgate.monitor.run import monitoring_contract

    spec = load_spec(specs / "quotes.yaml")
    for version in ("v1", "v2"):
        monitoring_contract(
            spec, registry, version, root=root / "monitoring", reference_frame=frame
        )
    print(f"monitoring contracts and reference profiles in {root / 'monitoring'}")

    def monitor(as_of: dt.datetime) -> int:
        cmd = [
            str(Path(sys.executable).parent / "lockgate"),
            "monitor",
            "quotes",
            "--window",
            "1h",
            "--as-of",
            as_of.isoformat(),
            "--specs",
            str(specs),
            "--registry",
            str(registry_root),
            "--log",
            str(log),
            "--history",
            str(root / "history.sqlite"),
            "--alerts",
            str(root / "alerts.yaml"),
            "--alert-state",
            str(root / "alerts.sqlite"),
        ]
        print("$ lockgate monitor quotes --window 1h --as-of", as_of.isoformat(), flush=True)
        return subprocess.run(cmd, env=env, check=False).returncode

    settings = ServeSettings(specs=specs, registry=registry_root, log_path=log, clock=clock)
    with BackgroundServer(settings) as url, httpx.Client(timeout=10) as client:
        say(f"serving on {url} (OpenAPI at {url}/docs)")
        sample = as_records(frame.iloc[:1])
        answer = client.post(f"{url}/models/quotes/predict", json={"records": sample}).json()
        print(
            f"POST /models/quotes/predict -> version {answer['version']}, "
            f"prediction {answer['predictions'][0]:.3f}"
        )
        bad = client.post(
            f"{url}/models/quotes/predict", json={"records": [{**sample[0], "category": "roofing"}]}
        )
        print(
            f"a record with category 'roofing' -> {bad.status_code}: {bad.json()['violations'][0]}"
        )

        say("09:00-10:00 clean traffic (500 requests)")
        for i in range(500):
            client.post(
                f"{url}/models/quotes/predict", json={"records": as_records(frame.iloc[[i]])}
            )
        code = monitor(base + dt.timedelta(hours=1))
        print(f"exit {code}: the window passes; alerts so far: {len(receiver.received)}")

        say(
            "10:00-11:00 an upstream unit change: every price arrives tripled "
            "(still inside the contract range)"
        )
        clock_at[0] = base + dt.timedelta(hours=1)
        for i in range(500):
            row = as_records(frame.iloc[[i]])[0]
            row["price_eur"] = min(5000.0, row["price_eur"] * 3)
            client.post(f"{url}/models/quotes/predict", json={"records": [row]})
        code = monitor(base + dt.timedelta(hours=2))
        print(f"exit {code}: the window fails")
        say(f"alerts at the webhook receiver ({len(receiver.received)})")
        for alert in receiver.received:
            print(
                f"  {alert['title']}\n    observed: {alert['observed']}\n"
                f"    action: {alert['action']}"
            )
        answer = client.post(f"{url}/models/quotes/predict", json={"records": sample}).json()
        say(
            f"the running server now answers with {answer['version']} "
            f"(champion {registry.aliases('quotes')['champion']}, no restart)"
        )
    print(f"\nprediction log: {log}; history: {root / 'history.sqlite'}")


if __name__ == "__main__":
    main()
