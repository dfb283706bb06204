"""The CI integration: the GitHub workflow's `lockgate` commands, run as the runner would (bash -eo
pipefail) in a clone with an `origin/main` and a pull-request branch; and the pre-commit hooks.
GitHub itself (checkout, uv, gh) is not exercised."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.cli import REPO
from tests.support.files import write_contract

WORKFLOW = REPO / ".github" / "workflows" / "contracts.yml"
HOOKS = REPO / ".pre-commit-hooks.yaml"

CONTRACT = """
apiVersion: v3.1.0
kind: DataContract
id: readings
version: {version}
status: active
schema:
  - name: readings
    properties:
      - name: reading_id
        logicalType: integer
        primaryKey: true
      - name: kwh
        logicalType: number
        logicalTypeOptions:
          minimum: 0
          maximum: {maximum}
"""


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def steps() -> list[dict]:
    return workflow()["jobs"]["review"]["steps"]


def lockgate_steps() -> dict[str, str]:
    """Step name -> its `run:` script, for the steps that call lockgate."""
    return {
        s["name"]: s["run"]
        for s in steps()
        if "run" in s and "lockgate " in s["run"] and "${{" not in s["run"]
    }


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "ci",
        "GIT_AUTHOR_EMAIL": "ci@example.com",
        "GIT_COMMITTER_NAME": "ci",
        "GIT_COMMITTER_EMAIL": "ci@example.com",
    }
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def runner(tmp_path):
    """A `lockgate` executable on PATH (as `uv sync` + GITHUB_PATH provide), and the step runner."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "lockgate"
    shim.write_text(
        f'#!/bin/sh\nPYTHONPATH="{REPO}" exec "{sys.executable}" -m lockgate.cli "$@"\n'
    )
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)

    def run(script: str, cwd: Path) -> tuple[subprocess.CompletedProcess, dict[str, str], str]:
        outputs, summary = tmp_path / "github_output", tmp_path / "step_summary"
        outputs.write_text("")
        summary.write_text("")
        env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "GITHUB_BASE_REF": "main",
               "GITHUB_OUTPUT": str(outputs), "GITHUB_STEP_SUMMARY": str(summary), "COLUMNS": "200"}  # fmt: skip
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        values = dict(
            line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line
        )
        return proc, values, summary.read_text()

    return run


@pytest.fixture
def pull_request(tmp_path):
    """A bare `origin` whose main holds the contract at 1.0.0, and a clone on a branch that edits it."""
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    seed = tmp_path / "seed"
    git(tmp_path, "clone", "-q", str(origin), str(seed))
    write_contract(
        seed, CONTRACT.format(version="1.0.0", maximum=50), "contracts/readings.odcs.yaml"
    )
    git(seed, "add", ".")
    git(seed, "commit", "-q", "-m", "contract 1.0.0")
    git(seed, "push", "-q", "origin", "HEAD:main")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    git(clone, "checkout", "-q", "-b", "tighten-kwh")

    def change(version: str, maximum: int) -> Path:
        (clone / "contracts/readings.odcs.yaml").write_text(
            CONTRACT.format(version=version, maximum=maximum).lstrip()
        )
        git(clone, "commit", "-qam", f"contract {version}")
        return clone

    return change


def test_the_workflow_runs_on_contract_pull_requests_and_may_comment():
    doc = workflow()
    trigger = doc.get("on", doc.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "contracts/**" in trigger["pull_request"]["paths"]
    assert doc["permissions"] == {"contents": "read", "pull-requests": "write"}
    checkout = next(s for s in steps() if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0  # diff --base needs the base branch
    post = next(s for s in steps() if "gh pr comment" in s.get("run", ""))
    assert "--body-file contract-review.md --edit-last || gh pr comment" in post["run"]
    assert list(lockgate_steps()) == [
        "Lint contracts",
        "Generated exports are up to date",
        "Every rule can fail, and fails only on data that breaks it",
        "Classify the contract change",
    ]


def test_workflow_commands_on_a_breaking_change_without_a_major_bump(pull_request, runner):
    repo = pull_request("1.1.0", 40)
    results = {name: runner(script, repo) for name, script in lockgate_steps().items()}
    for name in (
        "Lint contracts",
        "Generated exports are up to date",
        "Every rule can fail, and fails only on data that breaks it",
    ):
        proc = results[name][0]
        assert proc.returncode == 0, f"{name}: {proc.stdout}{proc.stderr}"
    assert (
        "PASSED: 6 ok"
        in results["Every rule can fail, and fails only on data that breaks it"][0].stdout
    )
    proc, outputs, summary = results["Classify the contract change"]
    assert proc.returncode == 0, (
        proc.stderr
    )  # the step records the exit code; a later step fails the job
    assert outputs == {"exit_code": "1"}
    review = (repo / "contract-review.md").read_text()
    assert review == summary
    assert review.splitlines()[:2] == [
        "<!-- lockgate-diff -->",
        "### ❌ lockgate contract review: 1 breaking change(s) need a major version bump (1.0.0 -> 1.1.0); e.g. version: 2.0.0",
    ]
    assert (
        "| 🔴 breaking | `bound-tightened` | `readings.kwh` (readings.kwh.maximum) | `values <= 50` | `values <= 40` |"
        in review
    )


def test_workflow_diff_passes_with_a_major_bump(pull_request, runner):
    repo = pull_request("2.0.0", 40)
    proc, outputs, _ = runner(lockgate_steps()["Classify the contract change"], repo)
    assert proc.returncode == 0 and outputs == {"exit_code": "0"}
    assert (
        (repo / "contract-review.md")
        .read_text()
        .splitlines()[1]
        .startswith(
            "### ✅ lockgate contract review: 1 breaking change(s) with a major version bump"
        )
    )


def test_workflow_lint_and_selftest_fail_the_job_on_bad_contracts(pull_request, runner):
    repo = pull_request("1.0.1", 50)
    contract = repo / "contracts/readings.odcs.yaml"
    contract.write_text(
        contract.read_text().replace("maximum: 50", "maximum: 50\n          minLength: 0")
    )
    proc, _, _ = runner(lockgate_steps()["Lint contracts"], repo)
    assert proc.returncode == 1 and "minLength" in proc.stdout
    never_fails = "\n        quality:\n          - metric: nullValues\n            mustBeLessOrEqualTo: 100\n            unit: percent\n"
    contract.write_text(
        CONTRACT.format(version="1.0.1", maximum=50).lstrip() + never_fails.lstrip("\n")
    )
    proc, _, _ = runner(
        lockgate_steps()["Every rule can fail, and fails only on data that breaks it"], repo
    )
    assert proc.returncode != 0 and "NEVER FAILS    readings.kwh.nullValues" in proc.stdout


def test_pre_commit_hooks():
    hooks = {h["id"]: h for h in yaml.safe_load(HOOKS.read_text())}
    assert set(hooks) == {"lockgate-lint", "lockgate-export-check"}
    assert (
        hooks["lockgate-lint"]["entry"] == "lockgate lint"
        and hooks["lockgate-lint"]["language"] == "python"
    )
    assert hooks["lockgate-export-check"]["entry"] == "lockgate export --check"
    assert hooks["lockgate-export-check"]["pass_filenames"] is False
    for hook in hooks.values():
        assert hook["files"] == r"\.odcs\.ya?ml$"


def test_the_lint_hook_runs_on_the_files_pre_commit_passes(tmp_path, runner):
    good = write_contract(tmp_path, CONTRACT.format(version="1.0.0", maximum=50), "a.odcs.yaml")
    bad = write_contract(
        tmp_path,
        CONTRACT.format(version="1.0.0", maximum=50).replace("primaryKey", "primaryKee"),
        "b.odcs.yaml",
    )
    entry = yaml.safe_load(HOOKS.read_text())[0]["entry"]
    proc, _, _ = runner(f"{entry} {good.name}", tmp_path)
    assert proc.returncode == 0
    proc, _, _ = runner(f"{entry} {good.name} {bad.name}", tmp_path)
    assert (
        proc.returncode == 1 and "b.odcs.yaml:11:9: error: unknown key 'primaryKee'" in proc.stdout
    )
