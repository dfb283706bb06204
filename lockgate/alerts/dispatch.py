"""Deliver alerts to every sink with retries and exponential backoff. Never raises: a sink that
stays down is reported in the returned deliveries (and on stderr by the caller), while the
pipeline that raised the alert carries on."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from lockgate.alerts.config import AlertsConfig
from lockgate.alerts.message import Alert
from lockgate.alerts.sinks import SENDERS


@dataclass(frozen=True)
class Delivery:
    sink: str
    rule: str
    status: str
    delivered: bool
    attempts: int
    error: str | None = None


def dispatch(
    config: AlertsConfig, alerts: list[Alert], *, sleep: Callable[[float], None] = time.sleep
) -> list[Delivery]:
    out: list[Delivery] = []
    for alert in alerts:
        for sink in config.sinks:
            error: str | None = None
            attempts = 0
            for attempt in range(config.retries + 1):
                attempts = attempt + 1
                try:
                    SENDERS[sink.type](sink, alert, config.timeout_seconds)
                    error = None
                    break
                # a sink's failure is the sink's, not the pipeline's
                except Exception as exc:  # noqa: BLE001
                    error = f"{type(exc).__name__}: {exc}"
                    if attempt < config.retries:
                        sleep(config.backoff_seconds * (2**attempt))
            out.append(
                Delivery(sink.name, alert.rule, alert.status, error is None, attempts, error)
            )
    return out
