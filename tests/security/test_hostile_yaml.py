"""Hostile YAML is refused fast, at a `file:line:col` naming the file, and `lint DIR` still
reports every other file (issue 12: a 636-byte alias bomb ran `lint` to 3.9 GB)."""

from __future__ import annotations

import resource
import time

import pytest

from lockgate.contract.loader import analyze, analyze_text, lint_paths
from lockgate.contract.source import MAX_BYTES, MAX_DEPTH
from tests.support.cli import REPO
from tests.support.cli import lockgate as lockgate_cli

BILLION_LAUGHS = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['lol'] * 9)}]\n"
    for prev, name in zip([None, "a", "b", "c", "d", "e", "f", "g", "h"], "abcdefghi")
)
MERGE_BOMB = "a: &a {x: 1, y: 2}\n" + "".join(
    f"{n}: &{n} {{<<: [*{p}, *{p}], k{n}: 1}}\n"
    for p, n in zip("abcdefghijklmnopqrstuvwx", "bcdefghijklmnopqrstuvwxy")
)
# a contract that uses anchors the ordinary way must still load
ANCHORED = """\
apiVersion: v3.1.0
kind: DataContract
id: anchored
version: 1.0.0
status: active
schema:
  - name: t
    properties:
      - name: a
        logicalType: integer
        quality: &checks
          - metric: nullValues
            mustBe: 0
      - name: b
        logicalType: integer
        quality: *checks
"""


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize("text, where", [
    (BILLION_LAUGHS, "expands to more than"),
    (MERGE_BOMB, "expands to more than"),
    ("a: &a [1, *a]\n", "refers to its own collection"),
    ("a:\n" + "".join("  " * i + " x:\n" for i in range(1, 990)),
     f"nested deeper than {MAX_DEPTH}"),
    ("[" * 900 + "]" * 900, f"nested deeper than {MAX_DEPTH}"),
    ("{a: " * 900 + "1" + "}" * 900, f"nested deeper than {MAX_DEPTH}"),
], ids=["billion-laughs", "merge-keys", "recursive-alias", "deep-block", "deep-flow-seq",
        "deep-flow-map"])  # fmt: skip
def test_bombs_are_refused_before_anything_is_built(text, where):
    before = _peak_rss_mb()
    started = time.perf_counter()
    contract, findings = analyze_text(text, "bomb.odcs.yaml")
    assert time.perf_counter() - started < 5
    assert _peak_rss_mb() - before < 200
    assert contract is None
    assert [f.code for f in findings] == ["yaml-limit"]
    assert where in findings[0].message
    assert findings[0].location.file == "bomb.odcs.yaml" and findings[0].location.line >= 1


def test_ordinary_anchors_still_work():
    contract, findings = analyze_text(ANCHORED, "anchored.odcs.yaml")
    assert [f for f in findings if f.severity == "error"] == []
    assert sorted(r.id for r in contract.rules if r.check == "nullValues") == [
        "t.a.nullValues",
        "t.b.nullValues",
    ]


def test_embedded_implementation_yaml_has_the_same_limits():
    text = ANCHORED.replace(
        "        quality: *checks\n",
        "        quality:\n          - type: custom\n            engine: "
        "lockgate\n            implementation: |\n"
        + "".join("              " + line + "\n" for line in BILLION_LAUGHS.splitlines()),
    )
    _, findings = analyze_text(text, "embedded.odcs.yaml")
    errors = [f for f in findings if f.severity == "error"]
    assert len(errors) == 1 and "implementation is not valid YAML" in errors[0].message
    assert "expands to more than" in errors[0].message


def test_non_utf8_too_large_and_too_deep_files_are_findings_and_lint_dir_reports_the_rest(tmp_path):
    (tmp_path / "good.odcs.yaml").write_text(ANCHORED)
    (tmp_path / "latin1.odcs.yaml").write_bytes(b"id: x\nname: caf\xe9\n")
    (tmp_path / "deep.odcs.yaml").write_text(
        "a:\n" + "".join("  " * i + " x:\n" for i in range(1, 990))
    )
    with (tmp_path / "huge.odcs.yaml").open("w") as f:
        f.write("# " + "x" * (MAX_BYTES + 10) + "\n")
    (tmp_path / "bomb.odcs.yaml").write_text(BILLION_LAUGHS)
    (tmp_path / "broken.odcs.yaml").write_text("a: [1, 2\nb: c\n")
    results = {p.name: fs for p, fs in lint_paths([tmp_path]).items()}
    assert results["good.odcs.yaml"] == []
    latin = results["latin1.odcs.yaml"]
    assert [(f.code, f.location.line, f.location.col) for f in latin] == [("encoding", 2, 10)]
    assert latin[0].location.file.endswith("latin1.odcs.yaml")
    assert [f.code for f in results["deep.odcs.yaml"]] == ["yaml-limit"]
    assert [f.code for f in results["huge.odcs.yaml"]] == ["yaml-limit"]
    assert [f.code for f in results["bomb.odcs.yaml"]] == ["yaml-limit"]
    assert [f.code for f in results["broken.odcs.yaml"]] == ["yaml"]
    proc = lockgate_cli("lint", tmp_path, timeout=60)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "latin1.odcs.yaml:2:10: error: the file is not UTF-8 text" in proc.stdout
    assert "6 contract(s) linted: 5 invalid" in proc.stderr


def test_the_reference_contracts_are_within_the_limits():
    for path, findings in lint_paths([REPO / "contracts"]).items():
        assert not [f for f in findings if f.code in ("yaml-limit", "encoding")], path
    contract, _ = analyze(REPO / "contracts" / "sources" / "customers.odcs.yaml")
    assert contract is not None


def test_a_tag_its_value_does_not_fit_is_a_finding_at_the_node(tmp_path):
    """`!!float quality:` made PyYAML raise a bare ValueError (found by the fuzz test)."""
    from lockgate.contract.source import parse_source

    text = (
        "apiVersion: v3.1.0\nkind: DataContract\nschema:\n- name: t\n  !!float quality: []\n  "
        "size: !!int many\n"
    )
    doc = parse_source(text, "tagged.odcs.yaml")
    assert doc.data is None or isinstance(doc.data, dict)
    [finding] = doc.findings
    assert (finding.location.line, finding.location.col) == (5, 3), finding
    assert "float" in finding.message and "quality" in finding.message
