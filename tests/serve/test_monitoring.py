"""Monitoring end to end: a real server logs traffic, `lockgate monitor` checks windows of the
log while it is served, a drift burst fails, alerts reach a real webhook and SMTP server once per
rule, `onMonitoringFailure: rollback` restores the previous champion and the server follows."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
from pathlib import Path

import httpx

from lockgate.ml.spec import load_spec
from lockgate.monitor.run import monitor, monitoring_contract
from lockgate.monitor.window import Window
from lockgate.registry import ModelRegistry
from lockgate.serve.app import ServeSettings
from lockgate.serve.server import BackgroundServer, free_port
from lockgate.state.store import open_store
from tests.serve.receivers import HttpReceiver, SmtpReceiver
from tests.serve.test_alerts import write_alerts
from tests.serve.toy import records

BASE = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
LOCKGATE = str(Path(sys.executable).parent / "lockgate")


class PinnedClock:
    """The server's clock: pinned to a phase, a microsecond further on each call."""

    def __init__(self, at: dt.datetime):
        self.at = at
        self._lock = threading.Lock()

    def __call__(self) -> dt.datetime:
        with self._lock:
            self.at += dt.timedelta(microseconds=1)
            return self.at


def send(client: httpx.Client, url: str, frame, *, drift: bool, requests: int = 30) -> None:
    for i in range(requests):
        batch = records(frame, 10, start=1000 + i * 10)
        if drift:  # an upstream change: x1 shifted (still inside the contract's range), one colour
            batch = [{**r, "x1": min(9.9, r["x1"] + 2.0), "color": "green"} for r in batch]
        r = client.post(f"{url}/models/toy/predict", json={"records": batch})
        assert r.status_code == 200, r.text


def test_a_clean_window_passes_and_a_drift_burst_fails_into_the_history_store(toy, tmp_path):
    clock = PinnedClock(BASE)
    log = tmp_path / "log.sqlite"
    with (
        BackgroundServer(
            ServeSettings(specs=toy.specs, registry=toy.registry, log_path=log, clock=clock)
        ) as url,
        httpx.Client(timeout=10) as client,
    ):
        send(client, url, toy.frame, drift=False)
        clock.at = BASE + dt.timedelta(hours=1)
        send(client, url, toy.frame, drift=True)
    spec = load_spec(toy.specs / "toy.yaml")
    registry = ModelRegistry(toy.registry)
    history = tmp_path / "history.sqlite"
    common = {
        "log": log,
        "registry": registry,
        "root": tmp_path / "monitoring",
        "reference_frame": toy.frame,
        "history": history,
    }
    clean = monitor(spec, window=Window(BASE, BASE + dt.timedelta(hours=1)), **common)
    drifted = monitor(
        spec, window=Window(BASE + dt.timedelta(hours=1), BASE + dt.timedelta(hours=2)), **common
    )
    assert clean.passed, [(r.rule.id, r.observed) for r in clean.failed]
    assert clean.result.table_rows["toy_predictions"] == 300
    assert not drifted.passed
    assert {r.rule.id for r in drifted.failed} == {
        "toy_predictions.x1.drift",
        "toy_predictions.prediction.drift",
    }
    assert (
        drifted.action is None and registry.aliases("toy")["champion"] == "v2"
    )  # policy: alert only
    with open_store(history) as store:
        runs = store.recent_runs("toy_predictions", contract_id="monitoring-toy", limit=10)
    assert len(runs) == 2


def test_drift_alerts_once_per_rule_rolls_back_and_resolves(toy, tmp_path):
    spec_file = toy.specs / "toy.yaml"
    spec_file.write_text(spec_file.read_text() + "onMonitoringFailure: rollback\n")
    spec = load_spec(spec_file)
    registry = ModelRegistry(toy.registry)
    monitoring = tmp_path / "monitoring"
    for version in ("v1", "v2"):  # the reference profiles, from the training rows
        monitoring_contract(spec, registry, version, root=monitoring, reference_frame=toy.frame)
    clock = PinnedClock(BASE)
    log = tmp_path / "log.sqlite"
    smtp_port = free_port()
    with HttpReceiver() as http, SmtpReceiver(smtp_port) as smtp:
        write_alerts(tmp_path / "alerts.yaml", http.url, smtp_port)

        def run_monitor(as_of: dt.datetime, *extra: str) -> subprocess.CompletedProcess:
            cmd = [
                LOCKGATE,
                "monitor",
                "toy",
                "--window",
                "1h",
                "--as-of",
                as_of.isoformat(),
                "--specs",
                str(toy.specs),
                "--registry",
                str(toy.registry),
                "--log",
                str(log),
                "--history",
                str(tmp_path / "history.sqlite"),
                "--monitoring-dir",
                str(monitoring),
                "--alerts",
                str(tmp_path / "alerts.yaml"),
                "--alert-state",
                str(tmp_path / "alerts.sqlite"),
                "--json",
                *extra,
            ]
            return subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=120)

        settings = ServeSettings(specs=toy.specs, registry=toy.registry, log_path=log, clock=clock)
        with BackgroundServer(settings) as url, httpx.Client(timeout=10) as client:
            send(client, url, toy.frame, drift=False)
            first = run_monitor(BASE + dt.timedelta(hours=1))  # read while the server writes
            assert first.returncode == 0, first.stdout + first.stderr
            assert http.received == [] and smtp.messages == []

            clock.at = BASE + dt.timedelta(hours=1)
            send(client, url, toy.frame, drift=True)
            burst = run_monitor(BASE + dt.timedelta(hours=2))
            assert burst.returncode == 1, burst.stderr
            report = json.loads(burst.stdout)["monitoring"]
            assert report["version"] == "v2" and report["champion_after"] == "v1"
            assert (
                report["action"] == "rolled back toy from v2 to v1 (onMonitoringFailure: rollback)"
            )
            # the server follows the alias: the next request is answered by v1
            answer = client.post(
                f"{url}/models/toy/predict", json={"records": records(toy.frame, 1)}
            )
            assert answer.json()["version"] == "v1"

            hooks = http.bodies("/hook")
            assert sorted(h["rule"] for h in hooks) == [
                "toy_predictions.prediction.drift",
                "toy_predictions.x1.drift",
            ]
            assert all(
                h["status"] == "failing" and "rolled back toy from v2 to v1" in h["action"]
                for h in hooks
            )
            assert len(http.bodies("/slack")) == 2 and len(smtp.messages) == 2
            assert all("action: rolled back toy from v2 to v1" in m["body"] for m in smtp.messages)

            retry = run_monitor(
                BASE + dt.timedelta(hours=2), "--version", "v2"
            )  # the same load again
            assert retry.returncode == 1
            assert len(http.bodies("/hook")) == 2 and len(smtp.messages) == 2  # no storm
            assert (
                registry.aliases("toy")["champion"] == "v1"
            )  # v2 is no longer champion: no second rollback

            registry.promote(
                "toy", "v2"
            )  # the upstream fix is in; v2 goes back and traffic is clean
            clock.at = BASE + dt.timedelta(hours=2)
            send(client, url, toy.frame, drift=False)
            healed = run_monitor(BASE + dt.timedelta(hours=3))
            assert healed.returncode == 0, healed.stdout
        resolved = [h for h in http.bodies("/hook") if h["status"] == "resolved"]
        assert sorted(h["rule"] for h in resolved) == [
            "toy_predictions.prediction.drift",
            "toy_predictions.x1.drift",
        ]
        assert len(smtp.messages) == 4
