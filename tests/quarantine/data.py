"""A small quotes table with one kind of bad row each, and the contract that quarantines them."""

from __future__ import annotations

import pandas as pd

CONTRACT = """
apiVersion: v3.1.0
kind: DataContract
id: quotes-q
version: 1.2.0
status: active
servers:
  - server: {server_name}
    type: {server_type}
{server_options}
schema:
  - name: pros
    properties:
      - name: pro_id
        logicalType: integer
        primaryKey: true
  - name: quotes
    quality:
      - type: custom
        engine: lockgate
        description: set bad quotes aside, up to a budget
        implementation:
          check: quarantine
          maxRate: {max_rate}
          orderBy: [created_at]
    properties:
      - name: quote_id
        logicalType: integer
        primaryKey: true
      - name: pro_id
        logicalType: integer
        required: true
        relationships:
          - to: pros.pro_id
      - name: amount
        logicalType: number
        logicalTypeOptions:
          minimum: 0
          maximum: 10000
      - name: status
        logicalType: string
        quality:
          - metric: invalidValues
            arguments:
              validValues: [sent, accepted, declined]
            mustBe: 0
      - name: created_at
        logicalType: integer
"""


def contract_text(server_type: str = "duckdb", max_rate: float = 0.5, **options: str) -> str:
    name = {"duckdb": "duck", "postgres": "pg"}.get(server_type, server_type)
    lines = "\n".join(
        f'    {k}: "{v}"' if isinstance(v, str) else f"    {k}: {v}" for k, v in options.items()
    )
    return CONTRACT.format(
        server_name=name, server_type=server_type, server_options=lines, max_rate=max_rate
    )


def pros() -> pd.DataFrame:
    return pd.DataFrame({"pro_id": pd.array([1, 2, 3], dtype="int64")})


def quotes() -> pd.DataFrame:
    """20 rows: 1 negative amount, 1 unknown status, 1 null pro, 1 orphan pro, 1 row breaking two
    rules (amount too high and unknown status), and quote 7 twice (the later copy is quarantined;
    quote 9 is both a duplicate's loser and clean otherwise)."""
    rows = []
    for i in range(1, 16):
        rows.append(
            {
                "quote_id": i,
                "pro_id": 1 + i % 3,
                "amount": 100.0 + i,
                "status": "sent",
                "created_at": 1000 + i,
            }
        )
    rows[1]["amount"] = -5.0  # quote 2
    rows[2]["status"] = "lost"  # quote 3
    rows[3]["pro_id"] = None  # quote 4
    rows[4]["pro_id"] = 99  # quote 5: orphan
    rows[5]["amount"] = 20000.0  # quote 6: two rules
    rows[5]["status"] = "??"
    rows.append(
        {"quote_id": 7, "pro_id": 2, "amount": 1.0, "status": "sent", "created_at": 5000}
    )  # later copy
    rows.append(
        {"quote_id": 9, "pro_id": 1, "amount": 3.0, "status": "sent", "created_at": 10}
    )  # earlier copy wins
    df = pd.DataFrame(rows)
    df["pro_id"] = df["pro_id"].astype("Int64")
    return df.reset_index(drop=True)


#: (quote_id, created_at) -> the rule ids that quarantine it (what every engine must agree on)
EXPECTED = {
    (2, 1002): ["quotes.amount.minimum"],
    (3, 1003): ["quotes.status.invalidValues"],
    (4, 1004): ["quotes.pro_id.required"],
    (5, 1005): ["quotes.pro_id.relationship"],
    (6, 1006): ["quotes.amount.maximum", "quotes.status.invalidValues"],
    (7, 5000): ["quotes.quote_id.primaryKey"],
    (9, 1009): ["quotes.quote_id.primaryKey"],
}
