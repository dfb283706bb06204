"""`lockgate serve` as a real process: it serves, and on SIGINT it stops with a complete log."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

from lockgate.serve.server import free_port
from tests.serve.toy import records

# Restore default SIGINT/SIGTERM handling (a sandbox may start jobs with them ignored), then exec.
_EXEC_WITH_DEFAULT_SIGNALS = (
    "import os, signal, sys; "
    "signal.signal(signal.SIGINT, signal.SIG_DFL); signal.signal(signal.SIGTERM, signal.SIG_DFL); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)


def test_lockgate_serve_answers_and_flushes_the_log_on_sigint(toy, tmp_path):
    port = free_port()
    log = tmp_path / "predictions.sqlite"
    lockgate = str(Path(sys.executable).parent / "lockgate")
    cmd = [
        sys.executable,
        "-c",
        _EXEC_WITH_DEFAULT_SIGNALS,
        lockgate,
        "serve",
        "--port",
        str(port),
        "--specs",
        str(toy.specs),
        "--registry",
        str(toy.registry),
        "--log",
        str(log),
    ]
    with open(tmp_path / "serve.out", "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # up to ~30 s for the start-up
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                raise AssertionError((tmp_path / "serve.out").read_text())
            time.sleep(0.1)
        else:
            raise AssertionError("lockgate serve did not answer /health")
        batch = records(toy.frame, 2)
        with httpx.Client(timeout=10) as client:
            for _ in range(50):
                assert (
                    client.post(f"{url}/models/toy/predict", json={"records": batch}).status_code
                    == 200
                )
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
    with sqlite3.connect(log) as con:
        assert con.execute("SELECT count(*) FROM predictions").fetchone()[0] == 100
        assert con.execute("SELECT count(*) FROM requests WHERE rejected = 0").fetchone()[0] == 50
