"""One contract that uses every rule kind, with clean and corrupted data, for engine parity tests.

`CORRUPTED_FAILED_ROWS` states by hand how many rows each rule must find in the corrupted data,
so the parity test checks the engines against the truth as well as against each other.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

NOW = dt.datetime(2026, 1, 15, 12, 0, 0, tzinfo=dt.timezone.utc)
_NAIVE_NOW = NOW.replace(tzinfo=None)

CONTRACT = """
apiVersion: v3.1.0
kind: DataContract
id: parity-orders
version: 1.2.0
status: active
servers:
  - server: duck
    type: duckdb
    database: "{duck_path}"
  - server: pg
    type: postgres
    host: 127.0.0.1
    port: 5432
    database: test
    schema: "{pg_schema}"
schema:
  - name: customers
    properties:
      - name: customer_id
        logicalType: string
        primaryKey: true
      - name: segment
        logicalType: string
        quality:
          - metric: nullValues
            mustBeLessThan: 1
    quality:
      - metric: rowCount
        mustBeGreaterThan: 10
      - metric: rowCount
        id: customers_not_empty
        mustNotBe: 0
  - name: orders
    properties:
      - name: order_id
        logicalType: integer
        primaryKey: true
      - name: customer_id
        logicalType: string
        required: true
        relationships:
          - to: customers.customer_id
      - name: status
        logicalType: string
        quality:
          - metric: invalidValues
            arguments:
              validValues: [new, paid, shipped]
            mustBe: 0
      - name: email
        logicalType: string
        unique: true
        logicalTypeOptions:
          format: email
      - name: amount
        logicalType: number
        logicalTypeOptions:
          minimum: 0
          maximum: 1000
          multipleOf: 0.01
      - name: qty
        logicalType: integer
        logicalTypeOptions:
          exclusiveMinimum: 0
          exclusiveMaximum: 100
      - name: code
        logicalType: string
        logicalTypeOptions:
          pattern: "^[A-Z]+[0-9]*$"
          minLength: 3
          maxLength: 5
        quality:
          - metric: duplicateValues
            mustBeLessOrEqualTo: 60
            unit: percent
            severity: warning
      - name: note
        logicalType: string
        quality:
          - metric: missingValues
            arguments:
              missingValues: ["", "N/A"]
            mustBeLessOrEqualTo: 10
            unit: percent
      - name: country
        logicalType: string
        quality:
          - metric: nullValues
            mustBeLessThan: 5
            unit: percent
            severity: warning
          - metric: invalidValues
            id: country_iso
            arguments:
              pattern: "^[A-Z]{{2}}$"
              validValues: [DE, FR, NL, ES]
            mustBeLessOrEqualTo: 2
      - name: priority
        logicalType: integer
      - name: created_at
        logicalType: timestamp
        required: true
        logicalTypeOptions:
          minimum: "2020-01-01T00:00:00"
      - name: shipped_at
        logicalType: timestamp
        quality:
          - metric: nullValues
            mustNotBeBetween: [50, 100]
            unit: percent
    quality:
      - metric: rowCount
        mustBeBetween: [100, 100000]
      - metric: duplicateValues
        arguments:
          properties: [customer_id, created_at]
        mustBe: 0
      - type: sql
        id: big_orders
        query: SELECT COUNT(*) FROM {{object}} WHERE amount > 900
        mustBeLessOrEqualTo: 3
      - type: custom
        engine: lockgate
        implementation:
          check: extraColumns
          policy: forbid
slaProperties:
  - property: freshness
    value: 2
    unit: d
    element: orders.created_at
  - property: latency
    value: 7
    unit: d
    element: orders.created_at, orders.shipped_at
"""

# rule id -> failed rows in the corrupted data (None: the rule has no row count)
CORRUPTED_FAILED_ROWS = {
    "orders.order_id.primaryKey": 1,
    "orders.order_id.required": 0,
    "orders.customer_id.required": 1,
    "orders.customer_id.relationship": 1,
    "orders.status.invalidValues": 2,
    "orders.email.unique": 1,
    "orders.email.format": 1,
    "orders.amount.minimum": 1,
    "orders.amount.maximum": 1,
    "orders.amount.multipleOf": 1,
    "orders.qty.exclusiveMinimum": 1,
    "orders.qty.exclusiveMaximum": 1,
    "orders.code.pattern": 1,
    "orders.code.minLength": 1,
    "orders.code.maxLength": 1,
    "orders.note.missingValues": 45,
    "orders.country.nullValues": 21,
    "country_iso": 3,
    "orders.created_at.minimum": 1,
    "orders.duplicateValues": 1,
    "orders.shipped_at.latency": 1,
    "customers.segment.nullValues": 3,
}

# rules that must fail in the corrupted data (every other rule must pass)
CORRUPTED_FAILING = set(CORRUPTED_FAILED_ROWS) - {"orders.order_id.required"} | {
    "orders.priority.logicalType",
    "orders.created_at.freshness",
    "orders.extraColumns",
    "big_orders",
}


def customers(corrupted: bool = False) -> pd.DataFrame:
    segment = ["smb" if i % 2 else "enterprise" for i in range(50)]
    if corrupted:
        for i in (3, 4, 5):
            segment[i] = None
    return pd.DataFrame({"customer_id": [f"c{i:03d}" for i in range(50)], "segment": segment})


def orders(corrupted: bool = False) -> pd.DataFrame:
    rows = []
    for i in range(1, 201):
        created = _NAIVE_NOW - dt.timedelta(hours=i)
        rows.append(
            {
                "order_id": i,
                "customer_id": f"c{i % 50:03d}",
                "status": ["new", "paid", "shipped"][i % 3],
                "email": f"user{i}@example.com",
                "amount": round((i * 7.31) % 800, 2),
                "qty": (i % 50) + 1,
                "code": f"AB{i % 100}",
                "note": "" if i % 20 == 0 else "ok",
                "country": None if i % 40 == 0 else ["DE", "FR", "NL", "ES"][i % 4],
                "priority": i % 3,
                "created_at": created,
                "shipped_at": None if i % 3 == 0 else created + dt.timedelta(days=i % 5),
            }
        )
    df = pd.DataFrame(rows)
    if not corrupted:
        return df

    def put(row: int, column: str, value):
        df.loc[df.order_id == row, column] = value

    put(199, "order_id", 1)  # duplicate primary key (row 199 now also has id 1)
    put(5, "customer_id", None)
    put(6, "customer_id", "zzz")  # no such customer
    put(7, "status", "lost")
    put(8, "status", "lost")
    put(9, "email", "user10@example.com")  # duplicate email
    put(11, "email", "not-an-email")
    put(12, "amount", -5.0)
    put(13, "amount", 1500.0)
    put(14, "amount", 10.005)
    for row in (15, 16, 17, 18):
        put(row, "amount", 950.0)  # with row 13, five orders above 900
    put(19, "qty", 0)
    put(20, "qty", 100)
    put(21, "code", "ab1")
    put(22, "code", "AB")
    put(23, "code", "ABCDEFG1")
    for row in range(24, 61):
        put(row, "note", "N/A")  # with the empty notes left outside 24-60: 45 of 200 missing
    for row in range(61, 77):
        put(row, "country", None)  # 16 more nulls: 21 of 200
    put(51, "country", "Germany")
    put(52, "country", "US")
    put(53, "country", "de")
    df["created_at"] = df["created_at"] - pd.Timedelta(days=5)  # the table stopped getting new rows
    df["shipped_at"] = df["shipped_at"] - pd.Timedelta(days=5)
    put(54, "created_at", pd.Timestamp("2019-06-01 10:00:00"))
    put(54, "shipped_at", pd.Timestamp("2019-06-02 10:00:00"))
    created_106 = df.loc[df.order_id == 106, "created_at"].iloc[0]
    put(56, "created_at", created_106)  # same customer (c006) and timestamp as order 106
    put(56, "shipped_at", None)
    created_57 = df.loc[df.order_id == 57, "created_at"].iloc[0]
    put(57, "shipped_at", created_57 + pd.Timedelta(days=10))
    df["priority"] = df["priority"].map(
        {0: "low", 1: "mid", 2: "high"}
    )  # type drift: integer -> text
    df["extra_col"] = 1
    return df
