"""Real local receivers for alert tests: an HTTP server on 127.0.0.1 (http.server in a thread)
and an SMTP server (aiosmtpd)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class HttpReceiver:
    """Records every POST (path, JSON body). Paths listed in `fail_first` answer 500 that many
    times before accepting, to exercise retries."""

    def __init__(self, fail_first: dict[str, int] | None = None):
        self.received: list[tuple[str, Any]] = []
        self.attempts: dict[str, int] = {}
        self.fail_first = dict(fail_first or {})
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = self.rfile.read(length)
                receiver.attempts[self.path] = receiver.attempts.get(self.path, 0) + 1
                if receiver.fail_first.get(self.path, 0) > 0:
                    receiver.fail_first[self.path] -= 1
                    self.send_response(500)
                    self.end_headers()
                    return
                receiver.received.append((self.path, json.loads(body)))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def bodies(self, path: str) -> list[Any]:
        return [body for p, body in self.received if p == path]

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


class SmtpReceiver:
    def __init__(self, port: int):
        from aiosmtpd.controller import Controller

        self.messages: list[dict[str, Any]] = []
        receiver = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                from email import message_from_bytes

                message = message_from_bytes(envelope.content)
                receiver.messages.append(
                    {
                        "from": envelope.mail_from,
                        "to": list(envelope.rcpt_tos),
                        "subject": message["Subject"],
                        "body": message.get_payload(decode=True).decode(),
                    }
                )
                return "250 OK"

        self.port = port
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=port)

    def __enter__(self) -> Self:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
