"""The corpus of SQL a hostile contract tried (issue 12, and variants): (id, query) pairs.

`{object}` is the contract's table; `{out}` a file the attack tries to write, `{marker}` a path it
tries to create; both are filled in by the tests with paths in their tmp_path.
"""

from __future__ import annotations

SMUGGLE = (
    'SELECT count(*) AS "\u2028$1a$", 2 ||\u2028$1a${payload}; SELECT count(*) FROM {object} '
    "-- $1a$"
)

DUCKDB = [
    ("u2028-dollar-copy", SMUGGLE.replace("{payload}", "; COPY (SELECT 'x') TO '{out}'")),
    ("second-statement", "SELECT count(*) FROM {object}; DROP TABLE {object}"),
    ("copy-to", "COPY (SELECT 1) TO '{out}'"),
    ("delete", "DELETE FROM {object}"),
    ("writable-cte", "WITH d AS (DELETE FROM {object} RETURNING 1) SELECT count(*) FROM d"),
    ("attach", "ATTACH '{out}' AS stolen"),
    ("install", "INSTALL httpfs"),
    ("set-access", "SET enable_external_access = true"),
    ("pragma", "PRAGMA database_list"),
    ("read_csv", "SELECT count(*) FROM read_csv('/etc/passwd')"),
    ("read_csv_auto", "SELECT count(*) FROM read_csv_auto('/etc/passwd')"),
    ("read_text", "SELECT (SELECT content FROM read_text('/etc/passwd'))"),
    ("read_blob", "SELECT (SELECT size FROM read_blob('/etc/hostname'))"),
    ("glob", "SELECT count(*) FROM glob('/root/**')"),
    ("read_parquet", "SELECT count(*) FROM read_parquet('/tmp/*.parquet')"),
    ("read_json", "SELECT count(*) FROM read_json('/etc/os-release')"),
    ("replacement-scan", "SELECT count(*) FROM '/etc/passwd'"),
    ("query-function", "SELECT * FROM query('SELECT 1')"),
    ("serialized-sql", "SELECT * FROM json_execute_serialized_sql('{{}}')"),
    ("settings", "SELECT current_setting('temp_directory')"),
    ("duckdb_settings", "SELECT count(*) FROM duckdb_settings()"),
    ("secrets", "SELECT count(*) FROM duckdb_secrets()"),
    ("catalog", "SELECT count(*) FROM information_schema.tables"),
    ("not-sql", "this is not SQL"),
    ("empty-statement", ";"),
]

POSTGRES = [
    ("u2028-dollar-commit-delete", SMUGGLE.replace("{payload}", "; COMMIT; DELETE FROM {object}")),
    ("copy-to-program", "COPY (SELECT 1) TO PROGRAM 'touch {marker}'"),
    ("copy-to-file", "COPY (SELECT 1) TO '{out}'"),
    ("commit", "COMMIT"),
    ("second-statement", "SELECT 1; DELETE FROM {object}"),
    ("pg_read_file", "SELECT length(pg_read_file('/etc/passwd'))"),
    ("pg_read_file-qualified", "SELECT length(pg_catalog.pg_read_file('/etc/passwd'))"),
    ("pg_read_binary_file", "SELECT length(pg_read_binary_file('/etc/passwd'))"),
    ("pg_ls_dir", "SELECT count(*) FROM pg_ls_dir('/')"),
    ("pg_stat_file", "SELECT (pg_stat_file('/etc/passwd')).size"),
    ("lo_import", "SELECT lo_import('/etc/passwd')"),
    ("lo_export", "SELECT lo_export(1, '{out}')"),
    ("dblink", "SELECT count(*) FROM dblink('dbname=test', 'DELETE FROM x') AS t(a int)"),
    ("set_config-read-write", "SELECT set_config('transaction_read_only', 'off', true)"),
    ("pg_sleep", "SELECT pg_sleep(30)"),
    ("query_to_xml", "SELECT query_to_xml('DELETE FROM x', true, true, '')"),
    ("terminate", "SELECT pg_terminate_backend(1)"),
    ("pg_authid", "SELECT count(*) FROM pg_authid WHERE rolpassword LIKE 'SCRAM%'"),
    ("pg_catalog-table", "SELECT count(*) FROM pg_catalog.pg_shadow"),
    ("select-into", "SELECT * INTO stolen FROM {object}"),
    ("for-update", "SELECT * FROM {object} FOR UPDATE"),
    ("writable-cte", "WITH d AS (DELETE FROM {object} RETURNING 1) SELECT count(*) FROM d"),
    ("user-function", "SELECT public.evil()"),
    ("xml", "SELECT xmlparse(document '<a/>')"),
    ("set-role", "SET ROLE postgres"),
    ("do-block", "DO $$ BEGIN PERFORM 1; END $$"),
]
