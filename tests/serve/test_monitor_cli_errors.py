"""`lockgate monitor` usage errors and the spec's onMonitoringFailure are reported clearly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lockgate.errors import ContractError
from lockgate.ml.spec import load_spec

LOCKGATE = str(Path(sys.executable).parent / "lockgate")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [LOCKGATE, *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_unknown_model_and_bad_window_are_usage_errors(toy, tmp_path):
    common = [
        "--specs",
        str(toy.specs),
        "--registry",
        str(toy.registry),
        "--log",
        str(tmp_path / "l.sqlite"),
    ]
    unknown = run("monitor", "nope", *common)
    assert unknown.returncode == 2 and "no spec named 'nope'" in unknown.stderr
    bad = run("monitor", "toy", "--window", "1 hour", *common)
    assert bad.returncode == 2 and "expected a duration such as 30m, 1h or 2d" in bad.stderr


def test_on_monitoring_failure_is_checked_at_file_line_col(toy):
    spec = toy.specs / "toy.yaml"
    assert load_spec(spec).on_monitoring_failure == "alert"  # the default
    spec.write_text(spec.read_text() + "onMonitoringFailure: rollbak\n")
    with pytest.raises(ContractError) as info:
        load_spec(spec)
    line = len(spec.read_text().splitlines())
    assert (
        f"{spec}:{line}:22: error: onMonitoringFailure must be one of alert, rollback, got "
        "'rollbak'" in str(info.value)
    )
    spec.write_text(spec.read_text().replace("rollbak", "rollback"))
    assert load_spec(spec).on_monitoring_failure == "rollback"


def test_missing_log_and_missing_specs_are_one_line_errors(toy, tmp_path):
    common = ["--specs", str(toy.specs), "--registry", str(toy.registry)]
    no_log = run(
        "monitor",
        "toy",
        *common,
        "--log",
        str(tmp_path / "absent.sqlite"),
        "--monitoring-dir",
        str(tmp_path / "m"),
    )
    assert no_log.returncode == 2 and "no prediction log at" in no_log.stderr
    no_specs = run("serve", "--specs", str(tmp_path / "nowhere"), "--port", "1")
    assert no_specs.returncode == 2 and "no folder of model specs" in no_specs.stderr
