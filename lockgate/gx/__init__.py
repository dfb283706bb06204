"""Great Expectations glue: contract rules as GX 1.x expectation suites, validated and rendered as
Data Docs.

- `budgets`      which GX form expresses a lockgate threshold exactly (counts, `mostly`)
- `expectations` one rule -> the GX expectations whose AND is the rule's verdict, or why none can
- `suite`        a contract -> one suite per table (plain, deterministic JSON; no GX import)
- `frames`       the datetime normalisation GX's pandas engine needs to compare like lockgate
- `run`          GX itself: an ephemeral context, one checkpoint per table, Data Docs

Only `run` imports great_expectations (5-10 s), and only when called: exporting a suite must stay
as fast as the rest of the CLI, and `import lockgate` must never pull GX in.
"""
