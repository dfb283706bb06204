"""Run the serving app under uvicorn: in the foreground (`lockgate serve`) or in a thread (tests,
benchmarks, the demo), stopped cleanly so that the prediction log is flushed."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

from lockgate.serve.app import ServeSettings, create_app


def _config(settings: ServeSettings, host: str, port: int, **kwargs: Any):
    import uvicorn

    # one worker process: the champion cache and the log writer live in this process
    return uvicorn.Config(
        create_app(settings),
        host=host,
        port=port,
        log_level=kwargs.pop("log_level", "warning"),
        access_log=False,
        **kwargs,
    )


def serve(
    settings: ServeSettings, host: str = "127.0.0.1", port: int = 8000, log_level: str = "info"
) -> None:
    import uvicorn

    uvicorn.Server(_config(settings, host, port, log_level=log_level)).run()


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class BackgroundServer:
    """uvicorn in a thread on 127.0.0.1; `with BackgroundServer(settings) as url: ...`."""

    def __init__(self, settings: ServeSettings, host: str = "127.0.0.1", port: int | None = None):
        import uvicorn

        self.host = host
        self.port = port or free_port(host)
        self.config = _config(settings, self.host, self.port)
        self.server = uvicorn.Server(self.config)
        self.app = self.config.app
        self._thread = threading.Thread(target=self.server.run, name="lockgate-serve", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 30.0) -> str:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start on {self.url}")
            time.sleep(0.02)
        return self.url

    def stop(self, timeout: float = 30.0) -> None:
        self.server.should_exit = True
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise RuntimeError("the server did not stop")

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
