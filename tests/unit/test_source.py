"""YAML positions: every key and value knows its line and column."""

from lockgate.contract.source import parse_source


def test_positions_of_keys_and_values():
    doc = parse_source("a:\n  b:\n    - x: 1\n      y: two\n", "f.yaml")
    assert doc.data == {"a": {"b": [{"x": 1, "y": "two"}]}}
    assert str(doc.locate(("a", "b", 0, "y"))) == "f.yaml:4:10"
    assert str(doc.locate(("a", "b", 0, "y"), key=True)) == "f.yaml:4:7"
    assert str(doc.locate(("a", "b", 0, "missing"))) == "f.yaml:3:7"  # nearest ancestor


def test_dates_stay_strings_and_merge_keys_work():
    doc = parse_source("base: &b {x: 1}\nd: 2024-01-01\nm:\n  <<: *b\n  y: 2\n", "f.yaml")
    assert doc.data["d"] == "2024-01-01"
    assert doc.data["m"] == {"x": 1, "y": 2}


def test_empty_and_invalid_documents_are_findings():
    assert "empty" in parse_source("", "f.yaml").findings[0].message
    bad = parse_source("a: [1,\n", "f.yaml").findings[0]
    assert bad.code == "yaml" and bad.location.line == 2
