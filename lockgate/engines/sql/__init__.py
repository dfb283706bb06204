"""The SQL engine: every aggregate rule of a table in one fused query, compiled by ibis."""
