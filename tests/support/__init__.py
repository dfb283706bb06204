"""Helpers shared by the test suite: real DuckDB files, the real PostgreSQL server, contracts."""
