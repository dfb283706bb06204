"""Alert sinks: a generic JSON webhook, a Slack-compatible incoming webhook, email over SMTP.
Each `send` raises on failure; `dispatch` does the retrying."""

from __future__ import annotations

import json
import smtplib
import urllib.request
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

from lockgate.alerts.config import SinkConfig
from lockgate.alerts.message import Alert
from lockgate.export.escape import one_line, slack_text

Sender = Callable[[SinkConfig, Alert, float], None]


def _post_json(
    url: str, payload: dict[str, Any], timeout: float, headers: dict[str, str] | None = None
) -> None:
    body = json.dumps(payload).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        if response.status >= 300:
            raise OSError(f"{url} answered {response.status}")


def send_webhook(sink: SinkConfig, alert: Alert, timeout: float) -> None:
    headers = {str(k): str(v) for k, v in (sink.options.get("headers") or {}).items()}
    _post_json(sink.options["url"], alert.to_dict(), timeout, headers)


def slack_payload(alert: Alert) -> dict[str, Any]:
    """The incoming-webhook format: `text` (the fallback and notification line) and blocks."""
    icon = ":red_circle:" if alert.status == "failing" else ":large_green_circle:"
    # rule ids come from contracts and observed values from the data: text, never mrkdwn controls
    s = slack_text
    fields = [f"*load* {s(alert.load)}"]
    if alert.status == "failing":
        fields += [f"*observed* {s(alert.observed)}", f"*expected* {s(alert.expected)}"]
    if alert.action:
        fields.append(f"*action* {s(alert.action)}")
    return {
        "text": s(alert.title),
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"{icon} *{s(alert.title)}*"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(fields)}},
        ],
    }


def send_slack(sink: SinkConfig, alert: Alert, timeout: float) -> None:
    _post_json(sink.options["url"], slack_payload(alert), timeout)


def send_email(sink: SinkConfig, alert: Alert, timeout: float) -> None:
    o = sink.options
    message = EmailMessage()
    message["Subject"] = one_line(alert.title)  # a line break in a rule id: no extra headers
    message["From"] = o["from"]
    message["To"] = ", ".join(o["to"])
    message.set_content(alert.text())
    with smtplib.SMTP(o["host"], int(o.get("port", 25)), timeout=timeout) as smtp:
        if o.get("starttls"):
            smtp.starttls()
        if o.get("username"):
            smtp.login(o["username"], o.get("password", ""))
        smtp.send_message(message)


SENDERS: dict[str, Sender] = {"webhook": send_webhook, "slack": send_slack, "email": send_email}
