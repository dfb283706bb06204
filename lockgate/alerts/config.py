"""`alerts.yaml`: where alerts go. One reviewed file; secrets come from the environment.

    sinks:
      - name: ops                # a generic JSON webhook: the alert as a JSON object
        type: webhook
        url: http://127.0.0.1:9000/alerts
      - name: team-channel       # a Slack-compatible incoming webhook (text and blocks)
        type: slack
        url: ${SLACK_WEBHOOK_URL}
      - name: on-call            # email over SMTP (STARTTLS and login when configured)
        type: email
        host: smtp.example.com
        port: 587
        starttls: true
        username: ${SMTP_USER}
        password: ${SMTP_PASSWORD}
        from: lockgate@example.com
        to: [oncall@example.com]
    retries: 3                   # attempts per sink after the first
    backoff_seconds: 1.0         # doubled after each failed attempt
    timeout_seconds: 5

`${NAME}` is replaced by the environment variable NAME (an error when unset); nothing else in
the file is interpreted. Mistakes are reported at file:line:col.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lockgate.contract.findings import Finding
from lockgate.contract.source import DocPath, load_source
from lockgate.errors import ContractError

SINK_KEYS = {
    "webhook": ("name", "type", "url", "headers"),
    "slack": ("name", "type", "url"),
    "email": ("name", "type", "host", "port", "from", "to", "starttls", "username", "password"),
}
REQUIRED = {"webhook": ("url",), "slack": ("url",), "email": ("host", "from", "to")}
TOP_KEYS = ("sinks", "retries", "backoff_seconds", "timeout_seconds")
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class SinkConfig:
    name: str
    type: str
    options: dict[str, Any]


@dataclass(frozen=True)
class AlertsConfig:
    sinks: tuple[SinkConfig, ...] = ()
    retries: int = 3
    backoff_seconds: float = 1.0
    timeout_seconds: float = 5.0
    path: Path | None = field(default=None, compare=False)


def load_alerts(path: str | Path) -> AlertsConfig:
    doc = load_source(path)
    findings = list(doc.findings)
    data = doc.data

    def err(at: DocPath, message: str, code: str, key: bool = False) -> None:
        findings.append(Finding(doc.locate(at, key=key), message, "error", code))

    sinks: list[SinkConfig] = []
    if data is not None and not isinstance(data, dict):
        err((), "expected a mapping with 'sinks'", "alerts")
    elif isinstance(data, dict):
        _unknown(data, TOP_KEYS, (), err)
        raw_sinks = data.get("sinks") or []
        if not isinstance(raw_sinks, list):
            err(("sinks",), "sinks must be a list", "invalid-value")
            raw_sinks = []
        for index, raw in enumerate(raw_sinks):
            sink = _sink(raw, ("sinks", index), err)
            if sink is not None:
                sinks.append(sink)
        names = [s.name for s in sinks]
        for index, name in enumerate(names):
            if names.index(name) != index:
                err(("sinks", index, "name"), f"sink name {name!r} is used twice", "duplicate")
        for key in ("retries", "backoff_seconds", "timeout_seconds"):
            value = data.get(key)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0
            ):
                err((key,), f"{key} must be a number >= 0, got {value!r}", "invalid-value")
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise ContractError(findings)
    data = data or {}
    return AlertsConfig(
        tuple(sinks),
        retries=int(data.get("retries", 3)),
        backoff_seconds=float(data.get("backoff_seconds", 1.0)),
        timeout_seconds=float(data.get("timeout_seconds", 5.0)),
        path=Path(path),
    )


def _unknown(node: dict, allowed: tuple[str, ...], at: DocPath, err) -> None:
    for key in node:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = (
                f"did you mean '{close[0]}'?" if close else f"expected one of {', '.join(allowed)}"
            )
            err(at + (key,), f"unknown key '{key}'; {hint}", "unknown-key", key=True)


def _sink(raw: Any, at: DocPath, err) -> SinkConfig | None:
    if not isinstance(raw, dict):
        err(at, "a sink is a mapping with name and type", "invalid-value")
        return None
    kind = raw.get("type")
    if kind not in SINK_KEYS:
        err(
            at + ("type",) if "type" in raw else at,
            f"sink type must be one of {', '.join(SINK_KEYS)}, got {kind!r}",
            "invalid-value",
        )
        return None
    _unknown(raw, SINK_KEYS[kind], at, err)
    if not isinstance(raw.get("name"), str) or not raw.get("name"):
        err(at, "a sink needs a name", "missing-field")
        return None
    ok = True
    for key in REQUIRED[kind]:
        if key not in raw:
            err(at, f"{kind} sink {raw['name']!r} needs '{key}'", "missing-field")
            ok = False
    options: dict[str, Any] = {}
    for key, value in raw.items():
        if key in ("name", "type"):
            continue
        try:
            options[key] = _expand(value)
        except KeyError as exc:
            err(at + (key,), f"environment variable {exc.args[0]} is not set", "missing-env")
            ok = False
    url = options.get("url")
    if (
        kind in ("webhook", "slack")
        and isinstance(url, str)
        and not url.startswith(("http://", "https://"))
    ):
        err(at + ("url",), "url must start with http:// or https://", "invalid-value")
        ok = False
    if kind == "email" and isinstance(options.get("to"), str):
        options["to"] = [options["to"]]
    return SinkConfig(raw["name"], kind, options) if ok else None


def _expand(value: Any) -> Any:
    if isinstance(value, str):
        return _ENV.sub(lambda m: _env(m.group(1)), value)
    if isinstance(value, list):
        return [_expand(v) for v in value]
    if isinstance(value, dict):
        return {k: _expand(v) for k, v in value.items()}
    return value


def _env(name: str) -> str:
    if name not in os.environ:
        raise KeyError(name)
    return os.environ[name]
