"""One call for a pipeline: a validation result in, the alerts it calls for delivered."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lockgate.alerts.config import AlertsConfig
from lockgate.alerts.dispatch import Delivery, dispatch
from lockgate.alerts.message import Alert
from lockgate.alerts.state import AlertState, verdicts


@dataclass
class Notified:
    alerts: list[Alert] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def failed_deliveries(self) -> list[Delivery]:
        return [d for d in self.deliveries if not d.delivered]


def notify(
    config: AlertsConfig,
    result,
    *,
    load: str,
    source: str | None = None,
    state: str | Path | None = None,
    action: str | None = None,
) -> Notified:
    """Alert on `result` (a ValidationResult) for `load`; never raises for a sink's failure."""
    alerts = AlertState(state).decide(source or result.contract_id, load, verdicts(result), action)
    return Notified(alerts, dispatch(config, alerts) if alerts else [])
