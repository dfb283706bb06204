"""A small day-partitioned table (and the customers it references) whose newest partition breaks
each kind of rule once, including a key reused from an older partition."""

from __future__ import annotations

import datetime as dt

import pandas as pd

DAY1, DAY2, DAY3 = dt.date(2026, 6, 27), dt.date(2026, 6, 28), dt.date(2026, 6, 29)
AS_OF = dt.datetime(2026, 6, 30, 2, 0, tzinfo=dt.UTC)

CONTRACT = """
apiVersion: v3.1.0
kind: DataContract
id: events
version: 1.0.0
status: active
servers:
  - server: duck
    type: duckdb
    database: {duck_path}
  - server: pg
    type: postgres
    host: 127.0.0.1
    port: 5432
    database: test
    schema: {pg_schema}
schema:
  - name: events
    quality:
      - id: events_rows
        metric: rowCount
        mustBeGreaterThan: 4
    properties:
      - name: event_id
        logicalType: integer
        unique: true
      - name: source
        logicalType: string
        primaryKey: true
        primaryKeyPosition: 1
      - name: seq
        logicalType: integer
        primaryKey: true
        primaryKeyPosition: 2
      - name: day
        logicalType: date
        partitioned: true
        required: true
      - name: customer_id
        logicalType: integer
        relationships:
          - to: customers.customer_id
      - name: amount
        logicalType: number
        logicalTypeOptions:
          minimum: 0
      - name: status
        logicalType: string
        quality:
          - metric: invalidValues
            arguments:
              validValues: [new, paid]
            mustBe: 0
  - name: customers
    properties:
      - name: customer_id
        logicalType: integer
        primaryKey: true
"""


def events() -> pd.DataFrame:
    rows = [
        # day 1: clean
        (1, DAY1, 10, 5.0, "new"), (2, DAY1, 11, 6.0, "paid"), (3, DAY1, 10, 7.0, "new"),
        (4, DAY1, 12, 8.0, "paid"),
        # day 2: one negative amount
        (5, DAY2, 10, -1.0, "new"), (6, DAY2, 11, 2.0, "paid"), (7, DAY2, 12, 3.0, "new"),
        (8, DAY2, 10, 4.0, "paid"),
        # day 3: 11 twice within the day, 3 reused from day 1, a bad status, an unknown customer
        (9, DAY3, 10, 1.0, "new"), (10, DAY3, 99, 1.0, "paid"), (11, DAY3, 11, 1.0, "lost"),
        (11, DAY3, 12, 1.0, "new"), (3, DAY3, 10, 1.0, "paid"),
    ]  # fmt: skip
    df = pd.DataFrame(rows, columns=["event_id", "day", "customer_id", "amount", "status"])
    df.insert(1, "source", "app")
    df.insert(2, "seq", df["event_id"])
    df["day"] = pd.to_datetime(df["day"])
    return df


def customers() -> pd.DataFrame:
    return pd.DataFrame({"customer_id": [10, 11, 12]})
