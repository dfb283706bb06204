"""`lockgate diff` end to end: exit codes, the three formats, and `--base` on a real git repository."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.support.cli import lockgate
from tests.support.files import write_contract

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
        description: {description}
        logicalTypeOptions:
          minimum: 0
          maximum: {maximum}
"""


def contract_text(version="1.0.0", maximum=50, description="energy"):
    return CONTRACT.format(version=version, maximum=maximum, description=description)


def git(repo, *args):
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def repo(tmp_path):
    """A git repository whose first commit holds contracts/readings.odcs.yaml at 1.0.0."""
    git(tmp_path, "init", "-q", "-b", "main")
    write_contract(tmp_path, contract_text(), "contracts/readings.odcs.yaml")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "first")
    return tmp_path


@pytest.mark.parametrize(
    "version, maximum, description, code, verdict",
    [
        (
            "1.1.0",
            40,
            "energy",
            1,
            "FAILED: 1 breaking change(s) need a major version bump (1.0.0 -> 1.1.0); e.g. version: 2.0.0",
        ),
        (
            "2.0.0",
            40,
            "energy",
            0,
            "PASSED: 1 breaking change(s) with a major version bump (1.0.0 -> 2.0.0)",
        ),
        (
            "1.0.0",
            60,
            "energy",
            0,
            "WARNING: 1 non-breaking change(s) without a version bump (1.0.0 -> 1.0.0); bump the minor version",
        ),
        (
            "1.0.1",
            50,
            "energy in kWh",
            0,
            "PASSED: 1 non-breaking change(s) with a version bump (1.0.0 -> 1.0.1)",
        ),
        ("1.0.0", 50, "energy", 0, "PASSED: no contract changes"),
    ],
)
def test_semver_verdicts_and_exit_codes(tmp_path, version, maximum, description, code, verdict):
    old = write_contract(tmp_path, contract_text(), "old.odcs.yaml")
    new = write_contract(tmp_path, contract_text(version, maximum, description), "new.odcs.yaml")
    proc = lockgate("diff", old, new, cwd=tmp_path)
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert proc.stdout.strip().splitlines()[-1].startswith(verdict)


def test_text_format(tmp_path):
    write_contract(tmp_path, contract_text(), "old.odcs.yaml")
    write_contract(tmp_path, contract_text("1.1.0", 40), "new.odcs.yaml")
    out = lockgate("diff", "old.odcs.yaml", "new.odcs.yaml", cwd=tmp_path).stdout.splitlines()
    assert out[0] == "new.odcs.yaml: contract readings 1.0.0 -> 1.1.0 (changed; old: old.odcs.yaml)"
    assert out[2].split() == [
        "BREAKING",
        "bound-tightened",
        "readings.kwh",
        "readings.kwh.maximum:",
        "values",
        "<=",
        "50",
        "->",
        "values",
        "<=",
        "40",
    ]
    assert "producers' values that passed may now fail [producers]" in out[3]


def test_markdown_format_is_a_pull_request_comment(tmp_path):
    old = write_contract(tmp_path, contract_text(), "old.odcs.yaml")
    new = write_contract(tmp_path, contract_text("1.1.0", 40, "energy in kWh"), "new.odcs.yaml")
    md = lockgate("diff", old, new, "--format", "markdown", cwd=tmp_path).stdout
    lines = md.splitlines()
    assert lines[0] == "<!-- lockgate-diff -->"
    assert (
        lines[1]
        == "### ❌ lockgate contract review: 1 breaking change(s) need a major version bump (1.0.0 -> 1.1.0); e.g. version: 2.0.0"
    )
    assert "| | change | where | before | after | why |" in lines
    breaking = next(line for line in lines if "`bound-tightened`" in line)
    assert breaking.startswith(
        "| 🔴 breaking | `bound-tightened` | `readings.kwh` (readings.kwh.maximum) | `values <= 50` | `values <= 40` |"
    )
    safe = next(line for line in lines if "`description-changed`" in line)
    assert safe.startswith("| 🟢 safe |") and "`energy in kWh`" in safe
    # breaking changes are listed first
    assert lines.index(breaking) < lines.index(safe)


def test_json_format(tmp_path):
    old = write_contract(tmp_path, contract_text(), "old.odcs.yaml")
    new = write_contract(tmp_path, contract_text("1.0.0", 60), "new.odcs.yaml")
    proc = lockgate("diff", old, new, "--format", "json", cwd=tmp_path)
    report = json.loads(proc.stdout)
    assert (report["status"], report["exit_code"], proc.returncode) == ("warn", 0, 0)
    (entry,) = report["contracts"]
    assert entry["verdict"] == {
        "status": "warn",
        "message": "1 non-breaking change(s) without a version bump (1.0.0 -> 1.0.0); bump the minor version",
        "required_bump": "minor",
    }
    assert entry["changes"] == [
        {
            "kind": "bound-loosened", "severity": "risky", "level": "warning", "affects": "consumers", "table": "readings",
            "column": "kwh", "subject": "readings.kwh.maximum", "before": "values <= 50", "after": "values <= 60",
            "explanation": "a bound loosened: consumers may receive values the contract used to reject",
        }
    ]  # fmt: skip


def test_base_reads_the_old_version_from_git(repo):
    (repo / "contracts/readings.odcs.yaml").write_text(contract_text("1.1.0", 40))
    git(repo, "commit", "-qam", "tighten")
    proc = lockgate(
        "diff", "contracts/readings.odcs.yaml", "--base", "HEAD~1", "--format", "json", cwd=repo
    )
    assert proc.returncode == 1, proc.stderr
    entry = json.loads(proc.stdout)["contracts"][0]
    assert (entry["old"], entry["new"]) == (
        {"source": "HEAD~1:contracts/readings.odcs.yaml", "version": "1.0.0"},
        {"source": "contracts/readings.odcs.yaml", "version": "1.1.0"},
    )
    assert [c["kind"] for c in entry["changes"]] == ["bound-tightened"]
    # uncommitted edits count too: the working tree is compared with the base
    (repo / "contracts/readings.odcs.yaml").write_text(contract_text("2.0.0", 40))
    assert (
        lockgate("diff", "contracts/readings.odcs.yaml", "--base", "HEAD~1", cwd=repo).returncode
        == 0
    )


def test_base_over_a_directory_finds_added_and_removed_contracts(repo):
    write_contract(
        repo,
        contract_text()
        .replace("id: readings", "id: meters")
        .replace("name: readings", "name: meters"),
        "contracts/meters.odcs.yaml",
    )
    git(repo, "rm", "-q", "contracts/readings.odcs.yaml")
    proc = lockgate("diff", "contracts", "--base", "HEAD", "--format", "json", cwd=repo)
    report = json.loads(proc.stdout)
    statuses = {
        c["path"]: (c["status"], c["verdict"]["status"], [ch["kind"] for ch in c["changes"]])
        for c in report["contracts"]
    }
    assert statuses == {
        "contracts/meters.odcs.yaml": ("added", "pass", ["table-added"]),
        "contracts/readings.odcs.yaml": ("removed", "warn", ["table-removed"]),
    }
    assert proc.returncode == 0


def test_unchanged_contracts_are_summarised_in_one_line(repo):
    out = lockgate("diff", "contracts", "--base", "HEAD", cwd=repo).stdout
    assert out.splitlines() == [
        "unchanged: contracts/readings.odcs.yaml",
        "PASSED: no contract changes — 1 contract(s), 0 breaking, 0 risky, 0 safe",
    ]


def test_usage_errors_exit_2_with_one_line(repo, tmp_path):
    cases = {
        (
            "contracts/readings.odcs.yaml",
            "--base",
            "no-such-branch",
        ): "lockgate: error: unknown git revision 'no-such-branch' (in CI, fetch it first, e.g. git fetch origin main)",
        (
            "contracts/missing.odcs.yaml",
            "--base",
            "HEAD",
        ): "lockgate: error: no such contract, here or at HEAD: contracts/missing.odcs.yaml",
        (
            "contracts/readings.odcs.yaml",
        ): "lockgate: error: expected OLD NEW (two contract files), or contracts with --base REF; got 1 path(s)",
        (
            "contracts/readings.odcs.yaml",
            "contracts/nope.odcs.yaml",
        ): "lockgate: error: cannot read contract contracts/nope.odcs.yaml: no such file",
    }
    for args, message in cases.items():
        proc = lockgate("diff", *args, cwd=repo)
        assert (proc.returncode, proc.stderr.strip()) == (2, message), args
    outside = write_contract(tmp_path.parent, contract_text(), "outside-repo.odcs.yaml")
    proc = lockgate("diff", outside, "--base", "HEAD", cwd=tmp_path.parent)
    assert (
        proc.returncode == 2
        and "a git repository" in proc.stderr
        and len(proc.stderr.strip().splitlines()) == 1
    )


def test_an_invalid_new_version_is_a_contract_error(tmp_path):
    write_contract(tmp_path, contract_text(), "old.odcs.yaml")
    write_contract(tmp_path, contract_text().replace("maximum:", "maxumum:"), "new.odcs.yaml")
    proc = lockgate("diff", "old.odcs.yaml", "new.odcs.yaml", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith("lockgate: error: new.odcs.yaml:17:11: unknown key 'maxumum'")


def test_output_file(tmp_path):
    old = write_contract(tmp_path, contract_text(), "old.odcs.yaml")
    new = write_contract(tmp_path, contract_text("2.0.0", 40), "new.odcs.yaml")
    proc = lockgate(
        "diff", old, new, "-f", "markdown", "-o", tmp_path / "out/diff.md", cwd=tmp_path
    )
    assert proc.returncode == 0 and proc.stdout == ""
    assert (
        (tmp_path / "out/diff.md")
        .read_text()
        .startswith("<!-- lockgate-diff -->\n### ✅ lockgate contract review")
    )
