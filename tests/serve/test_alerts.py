"""Alert sinks against real local servers; one alert per failing rule per load; resolved."""

from __future__ import annotations

import pytest

from lockgate.alerts.config import load_alerts
from lockgate.alerts.dispatch import dispatch
from lockgate.alerts.message import Alert
from lockgate.alerts.state import AlertState, Verdict
from lockgate.errors import ContractError
from lockgate.serve.server import free_port
from tests.serve.receivers import HttpReceiver, SmtpReceiver


def write_alerts(path, http_url: str, smtp_port: int, *, extra: str = "", retries: int = 2) -> None:
    path.write_text(
        "sinks:\n"
        f"  - {{name: ops, type: webhook, url: '{http_url}/hook', headers: {{X-Team: ml}}}}\n"
        f"  - {{name: channel, type: slack, url: '{http_url}/slack'}}\n"
        f"  - {{name: on-call, type: email, host: 127.0.0.1, port: {smtp_port}, "
        "from: lockgate@example.com, to: [oncall@example.com]}\n"
        f"{extra}"
        f"retries: {retries}\nbackoff_seconds: 0.01\ntimeout_seconds: 5\n"
    )


def test_one_alert_per_failing_rule_per_load_and_a_resolved_message(tmp_path):
    state = AlertState(tmp_path / "alerts.sqlite")
    failing = [Verdict("t.x.drift", False, "x", 0.3, "< 0.1"), Verdict("t.volume", True)]
    first = state.decide("m", "load-1", failing)
    assert [(a.status, a.rule) for a in first] == [("failing", "t.x.drift")]
    assert state.decide("m", "load-1", failing) == []  # a retry of the same load: no storm
    assert [(a.status, a.rule) for a in state.decide("m", "load-2", failing)] == [
        ("failing", "t.x.drift")
    ]
    passing = [Verdict("t.x.drift", True), Verdict("t.volume", True)]
    assert [(a.status, a.rule) for a in state.decide("m", "load-3", passing)] == [
        ("resolved", "t.x.drift")
    ]
    assert state.decide("m", "load-3", passing) == []
    assert state.decide("m", "load-4", passing) == []  # resolved once, not every passing load


def test_every_sink_delivers_to_a_real_receiver_and_a_failing_sink_is_retried_then_reported(
    tmp_path,
):
    smtp_port = free_port()
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with HttpReceiver(fail_first={"/hook": 2}) as http, SmtpReceiver(smtp_port) as smtp:
        write_alerts(
            tmp_path / "alerts.yaml",
            http.url,
            smtp_port,
            extra=f"  - {{name: down, type: webhook, url: '{dead}/x'}}\n",
        )
        config = load_alerts(tmp_path / "alerts.yaml")
        alert = Alert(
            "failing",
            "monitoring-toy",
            "w1",
            "toy_predictions.x1.drift",
            "x1",
            "drifted 2.1",
            "< 0.1",
            action="rolled back toy from v2 to v1",
        )
        sleeps: list[float] = []
        deliveries = dispatch(config, [alert], sleep=sleeps.append)
    by_sink = {d.sink: d for d in deliveries}
    assert by_sink["ops"].delivered and by_sink["ops"].attempts == 3  # two 500s, then accepted
    assert by_sink["channel"].delivered and by_sink["on-call"].delivered
    assert (
        not by_sink["down"].delivered
        and by_sink["down"].attempts == 3
        and "Connection refused" in by_sink["down"].error
    )
    assert sleeps == [0.01, 0.02, 0.01, 0.02]  # exponential backoff, for ops and for down
    [hook] = http.bodies("/hook")
    assert (
        hook["rule"] == "toy_predictions.x1.drift"
        and hook["action"] == "rolled back toy from v2 to v1"
    )
    [slack] = http.bodies("/slack")
    assert slack["text"] == "[lockgate] FAILING: toy_predictions.x1.drift (monitoring-toy)"
    assert "rolled back toy from v2 to v1" in slack["blocks"][1]["text"]["text"]
    [mail] = smtp.messages
    assert mail["to"] == ["oncall@example.com"] and mail["subject"] == slack["text"]
    assert "action: rolled back toy from v2 to v1" in mail["body"]


def test_the_alerts_file_reports_mistakes_at_file_line_col(tmp_path, monkeypatch):
    monkeypatch.delenv("NO_SUCH_HOOK", raising=False)
    path = tmp_path / "alerts.yaml"
    path.write_text(
        "sinks:\n  - name: a\n    type: webhok\n  - name: b\n    type: slack\n"
        "    url: ${NO_SUCH_HOOK}\n  - name: c\n    type: email\n    host: h\n    from: f\n"
        "    to: t\n    tls: true\nretrys: 2\n"
    )
    with pytest.raises(ContractError) as info:
        load_alerts(path)
    text = "\n".join(map(str, info.value.findings))
    assert (
        f"{path}:3:11: error: sink type must be one of webhook, slack, email, got 'webhok'" in text
    )
    assert f"{path}:6:10: error: environment variable NO_SUCH_HOOK is not set" in text
    assert f"{path}:12:5: error: unknown key 'tls'" in text
    assert f"{path}:13:1: error: unknown key 'retrys'; did you mean 'retries'?" in text
    monkeypatch.setenv("NO_SUCH_HOOK", "https://hooks.example.com/T1")
    path.write_text("sinks:\n  - name: b\n    type: slack\n    url: ${NO_SUCH_HOOK}\n")
    assert load_alerts(path).sinks[0].options["url"] == "https://hooks.example.com/T1"
