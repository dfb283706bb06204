"""Bad combinations of ODCS partition fields are lint errors at file:line:col."""

from __future__ import annotations

from tests.unit.test_lint import findings_of, one

TABLE = """\
schema:
  - name: events
    properties:
      - name: event_id
        logicalType: integer
"""


def test_one_partition_column_needs_no_position(tmp_path):
    body = TABLE + "      - name: day\n        logicalType: date\n        partitioned: true\n"
    assert findings_of(tmp_path, body) == []


def test_a_position_on_a_column_that_is_not_partitioned(tmp_path):
    body = TABLE + "        partitionKeyPosition: 1\n"
    f = one(findings_of(tmp_path, body), "partition-key")
    assert (f.location.line, f.location.col) == (11, 9)
    assert "partitionKeyPosition on 'event_id', which is not partitioned: true" in f.message


def test_a_partition_column_of_a_type_that_cannot_be_parsed(tmp_path):
    body = TABLE + "      - name: payload\n        logicalType: object\n        partitioned: true\n"
    f = one(findings_of(tmp_path, body), "partition-type")
    assert (f.location.line, f.location.col) == (12, 22)
    assert "partition column 'payload' has logicalType 'object'" in f.message


def test_a_partition_column_without_a_type(tmp_path):
    body = TABLE + "      - name: day\n        partitioned: true\n"
    f = one(findings_of(tmp_path, body), "partition-type")
    assert f.location.line == 12 and "has no logicalType" in f.message


def test_several_partition_columns_need_positions(tmp_path):
    body = TABLE + (
        "      - name: region\n        logicalType: string\n        partitioned: true\n"
        "        partitionKeyPosition: 1\n"
        "      - name: day\n        logicalType: date\n        partitioned: true\n"
    )
    f = one(findings_of(tmp_path, body), "partition-key")
    assert (f.location.line, f.location.col) == (17, 9)
    assert "give 'day' a partitionKeyPosition" in f.message


def test_two_partition_columns_at_one_position(tmp_path):
    body = TABLE + (
        "      - name: region\n        logicalType: string\n        partitioned: true\n"
        "        partitionKeyPosition: 1\n"
        "      - name: day\n        logicalType: date\n        partitioned: true\n"
        "        partitionKeyPosition: 1\n"
    )
    f = one(findings_of(tmp_path, body), "partition-key")
    assert (f.location.line, f.location.col) == (18, 31)
    assert "partitionKeyPosition 1 of 'day' is also the position of 'region'" in f.message


def test_a_position_beyond_the_partition_columns(tmp_path):
    body = (
        TABLE + "      - name: day\n        logicalType: date\n        partitioned: true\n"
        "        partitionKeyPosition: 3\n"
    )
    f = one(findings_of(tmp_path, body), "partition-key")
    assert (f.location.line, f.location.col) == (14, 31)
    assert "must be between 1 and 1" in f.message
