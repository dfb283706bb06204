"""The Dagster webserver as a real subprocess for browser tests: started in its own session (so
its whole process group can be stopped cleanly), ready when GraphQL says every code location is
LOADED, stopped with SIGINT to the group (SIGKILL only as a last resort), never left running."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Self

from tests.support.cli import REPO

VENV_BIN = Path(sys.executable).parent

WORKSPACE_QUERY = "{ workspaceOrError { __typename ... on Workspace { locationEntries { name loadStatus locationOrLoadError { __typename ... on PythonError { message } } } } } }"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dagster_home(path: Path) -> Path:
    """A DAGSTER_HOME with telemetry off (and nothing else: local SQLite storage in the folder)."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    return path


# Some sandboxes start background jobs with SIGINT/SIGTERM ignored, and an ignored signal stays
# ignored across exec: the server would then not stop on SIGINT. This launcher restores the
# default handlers and execs the server (the same process, so its pid is the group's id); unlike
# Popen's preexec_fn it is safe while the test process runs threads.
_EXEC_WITH_DEFAULT_SIGNALS = (
    "import os, signal, sys; "
    "signal.signal(signal.SIGINT, signal.SIG_DFL); signal.signal(signal.SIGTERM, signal.SIG_DFL); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)


class Webserver:
    """`dagster-webserver -m MODULE` on 127.0.0.1; use as a context manager."""

    def __init__(
        self,
        module: str,
        *,
        env: dict[str, str],
        log: Path,
        cwd: Path = REPO,
        port: int | None = None,
    ):
        self.module = module
        self.env = {
            **os.environ,
            **env,
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        self.log = log
        self.cwd = cwd
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self._pid: int | None = None
        self.stopped_by: signal.Signals | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        """The server's process id, which is also its process group id."""
        return self._pid

    def start(self, timeout: float = 240, *, wait: bool = True) -> Webserver:
        """Start the server; with `wait=False` the caller calls `wait_ready` later (the code
        location loads meanwhile)."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "wb") as handle:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    _EXEC_WITH_DEFAULT_SIGNALS,
                    str(VENV_BIN / "dagster-webserver"),
                    "-m",
                    self.module,
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.port),
                ],
                cwd=self.cwd,
                env=self.env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: stopped as a whole
            )
        self._pid = self.proc.pid
        if wait:
            self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float = 240) -> None:
        """Until GraphQL answers and every code location is LOADED; stops the server and fails
        with its log otherwise."""
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer yet"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"dagster-webserver exited with {self.proc.returncode} before it was ready:\n{self.log_text()}"
                )
            try:
                entries = self.graphql(WORKSPACE_QUERY)["workspaceOrError"]["locationEntries"]
                last = json.dumps(entries)
                errors = [
                    e
                    for e in entries
                    if e["locationOrLoadError"]
                    and e["locationOrLoadError"]["__typename"] == "PythonError"
                ]
                if errors:
                    raise AssertionError(
                        f"code location failed to load: {errors[0]['locationOrLoadError']['message']}\n{self.log_text()}"
                    )
                if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                    return
            except (
                urllib.error.URLError,
                ConnectionError,
                TimeoutError,
                KeyError,
                TypeError,
                json.JSONDecodeError,
            ) as exc:
                last = repr(exc)
            time.sleep(1)
        raise AssertionError(
            f"dagster-webserver on {self.url} not ready after {timeout:.0f}s (last: {last}):\n{self.log_text()}"
        )

    def graphql(self, query: str, variables: dict | None = None, timeout: float = 60) -> dict:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            f"{self.url}/graphql", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = json.loads(response.read())
        if payload.get("errors"):
            raise AssertionError(f"GraphQL errors: {payload['errors']}")
        return payload["data"]

    def log_text(self, tail: int = 8000) -> str:
        try:
            return self.log.read_text(errors="replace")[-tail:]
        except FileNotFoundError:
            return "(no log)"

    def stop(self) -> None:
        """SIGINT to the whole group (the webserver and its code server), escalating to SIGTERM
        and SIGKILL; `stopped_by` records the signal that ended it."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None and not _group_alive(proc.pid):
            return
        for sig, wait in ((signal.SIGINT, 30), (signal.SIGTERM, 10), (signal.SIGKILL, 10)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(wait)
            except subprocess.TimeoutExpired:
                continue
            if _wait_group_gone(proc.pid, wait):
                self.stopped_by = sig
                break

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _group_alive(pgid: int) -> bool:
    return bool(group_members(pgid))


def _wait_group_gone(pgid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _group_alive(pgid):
            return True
        time.sleep(0.2)
    return not _group_alive(pgid)


def group_members(pgid: int) -> list[str]:
    """Processes still in the process group (from /proc), for teardown assertions."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            out.append(f"{entry.name} {cmdline[:200]}")
    return out
