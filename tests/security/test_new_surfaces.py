"""Attacks on the surfaces merged after issue 12 (quarantine, reconcile, scaffold, report, serve).

A contract in a pull request is untrusted: its names must not choose where lockgate writes files,
and its text must not become markup or code in what lockgate renders.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from tests.support.cli import lockgate
from tests.support.files import duckdb_with, write_contract

ESCAPING_NAME = "../../escaped/pwn"


def _quarantine_contract(tmp_path: Path, db: Path, physical: str) -> Path:
    body = {
        "apiVersion": "v3.1.0", "kind": "DataContract", "id": "shop", "version": "1.0.0",
        "status": "active",
        "servers": [{"server": "duck", "type": "duckdb", "database": str(db)}],
        "schema": [{
            "name": "orders", "physicalName": physical,
            "quality": [{"type": "custom", "engine": "lockgate",
                         "implementation": {"check": "quarantine", "maxRows": 5}}],
            "properties": [{"name": "id", "logicalType": "integer", "required": True}],
        }],
    }  # fmt: skip
    return write_contract(tmp_path, yaml.safe_dump(body, sort_keys=False))


def test_quarantine_dbt_models_cannot_be_written_outside_output(tmp_path):
    """`export --to dbt --valid --output DIR` names its files after the table's physicalName; a
    name with `..` (a real DuckDB table may be called that) must not write beside DIR."""
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    (tmp_path / "a" / "escaped").mkdir()  # where ../../escaped/pwn would land from a/b/models
    db = duckdb_with(tmp_path / "w.duckdb", {ESCAPING_NAME: pd.DataFrame({"id": [1, None]})})
    contract = _quarantine_contract(tmp_path, db, ESCAPING_NAME)
    output = work / "models"
    done = lockgate("export", contract, "--to", "dbt", "--valid", "--output", output)
    written = sorted(p for p in tmp_path.rglob("*.sql"))
    assert all(output in p.parents for p in written), written
    assert done.returncode == 2, done.stdout + done.stderr
    assert "physicalName" in done.stderr or "table name" in done.stderr, done.stderr
    with duckdb.connect(str(db), read_only=True) as con:  # the warehouse is untouched
        assert con.execute(f'select count(*) from "{ESCAPING_NAME}"').fetchone() == (2,)


def test_quarantine_dbt_models_refuse_an_absolute_physical_name_offline(tmp_path):
    target = tmp_path / "elsewhere"
    target.mkdir()
    contract = _quarantine_contract(tmp_path, tmp_path / "absent.duckdb", str(target / "pwn"))
    output = tmp_path / "models"
    done = lockgate("export", contract, "--to", "dbt", "--valid", "--offline", "--output", output)
    assert list(target.iterdir()) == [], done.stderr
    assert done.returncode == 2, done.stdout + done.stderr


HOSTILE_ESTIMATOR = """\
estimator:
  class: subprocess.Popen
  params: {args: [%s, -c, "open(%r, 'w').write('ran')"]}
"""


def _hostile_spec(tmp_path: Path, marker: Path) -> Path:
    from tests.serve.toy import SPEC, write_project

    specs, _registry = write_project(tmp_path)
    spec = specs / "toy.yaml"
    head = SPEC.split("estimator:")[0]
    tail = "metric: roc_auc\n"
    spec.write_text(head + HOSTILE_ESTIMATOR % (json.dumps(sys.executable), str(marker)) + tail)
    return spec


def test_a_model_spec_cannot_name_a_program_as_its_estimator(tmp_path):
    """`estimator.class` is imported and called with `params`: `subprocess.Popen` would run any
    program at training time. Lint refuses it at its line, and training never calls it."""
    from lockgate.errors import ContractError
    from lockgate.ml.spec import ModelSpec, load_spec
    from lockgate.ml.training import build_pipeline
    from tests.serve.toy import SPEC, write_project

    marker = tmp_path / "ran"
    spec_path = _hostile_spec(tmp_path, marker)
    with pytest.raises(ContractError) as refused:
        load_spec(spec_path)  # what the code location, `lockgate new` and training load specs with
    assert "estimator.class" in str(refused.value)
    line = next(i for i, t in enumerate(spec_path.read_text().splitlines(), 1) if "Popen" in t)
    assert f"toy.yaml:{line}:" in str(refused.value)
    # a spec that got past lint (built by hand): training refuses it before calling anything
    good_dir = tmp_path / "good"
    good = write_project(good_dir)[0] / "toy.yaml"
    assert good.read_text() == SPEC
    spec: ModelSpec = dataclasses.replace(
        load_spec(good),
        estimator_class="subprocess.Popen",
        estimator_params={"args": [sys.executable, "-c", f"open({str(marker)!r}, 'w')"]},
    )
    with pytest.raises(ValueError, match="estimator"):
        build_pipeline(spec)
    time.sleep(0.5)  # a started process would have written by now
    assert not marker.exists()


def test_alert_text_cannot_ping_a_channel_link_elsewhere_or_add_mail_headers(tmp_path):
    """Rule ids come from contracts and observed values from the data: in Slack's mrkdwn
    `<!channel>` pings everyone and `<url|text>` shows a disguised link; in an email subject a
    line break would add headers (or make the message fail to send, silencing the alert)."""
    from lockgate.alerts.config import load_alerts
    from lockgate.alerts.dispatch import dispatch
    from lockgate.alerts.message import Alert
    from lockgate.serve.server import free_port
    from tests.serve.receivers import HttpReceiver, SmtpReceiver
    from tests.serve.test_alerts import write_alerts

    rule = "orders.code.pattern\r\nBcc: thief@evil.example <!channel>"
    observed = "<!here> <https://evil.example/login|Reset your password> & more"
    smtp_port = free_port()
    with HttpReceiver() as http, SmtpReceiver(smtp_port) as smtp:
        write_alerts(tmp_path / "alerts.yaml", http.url, smtp_port)
        alert = Alert("failing", "shop", "load-1", rule, "code", observed, "<= 0")
        deliveries = dispatch(load_alerts(tmp_path / "alerts.yaml"), [alert], sleep=lambda s: None)
    assert all(d.delivered for d in deliveries), [(d.sink, d.error) for d in deliveries]
    [slack] = http.bodies("/slack")
    shown = json.dumps(slack)
    for control in ("<!channel>", "<!here>", "<https://"):
        assert control not in shown, shown
    assert "&lt;!here&gt;" in shown and "&amp; more" in shown  # still readable, as text
    [mail] = smtp.messages
    assert mail["to"] == ["oncall@example.com"]
    subject = re.sub(r"\r?\n[ \t]", " ", mail["subject"])  # long headers are folded, legally
    assert "\n" not in subject and "\r" not in subject
    assert subject.startswith("[lockgate] FAILING: orders.code.pattern\\x0d\\x0aBcc:"), subject
    [hook] = http.bodies("/hook")  # the JSON webhook carries the values as they are
    assert hook["rule"] == rule and hook["observed"] == observed


WORKFLOW_COMMAND = "\n::error file=README.md,line=1::pwned"


def test_pytest_plugin_failures_keep_contract_text_on_its_line(tmp_path):
    """CI logs act on lines that start with `::` (GitHub Actions workflow commands: fake
    annotations, `::stop-commands::`). A column name or contract id with a line break must not
    start such a line in the failure report of `pytest --lockgate`."""
    import subprocess

    db = duckdb_with(tmp_path / "w.duckdb", {"orders": pd.DataFrame({"id": [1, None]})})
    body = {
        "apiVersion": "v3.1.0", "kind": "DataContract", "id": "shop" + WORKFLOW_COMMAND,
        "version": "1.0.0", "status": "active",
        "servers": [{"server": "duck", "type": "duckdb", "database": str(db)}],
        "schema": [{"name": "orders", "properties": [{
            "name": "id" + WORKFLOW_COMMAND, "physicalName": "id", "logicalType": "integer",
            "quality": [{"metric": "nullValues", "mustBe": 0}],
        }]}],
    }  # fmt: skip
    write_contract(tmp_path, yaml.safe_dump(body), name="orders.odcs.yaml")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--lockgate=orders.odcs.yaml"],
        check=False, cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr  # the rule fails: one null id
    assert "FAIL orders.id" in done.stdout, done.stdout
    assert "\\x0a::error" in done.stdout, done.stdout  # the break is shown, escaped
    assert not [line for line in done.stdout.splitlines() if line.startswith("::")], done.stdout


RECONCILE_TABLES = [
    'requests"; DROP TABLE victim; --',
    "requests; COMMIT; DROP TABLE victim",
    "pg_read_file('/etc/passwd')",
    "../../../../etc/passwd",
]


@pytest.mark.parametrize("source_table", RECONCILE_TABLES)
def test_reconcile_source_table_is_only_a_name_on_postgres(tmp_path, pg_schema, source_table):
    """The `table` argument of a reconcile rule reaches SQL on the source server: it must stay a
    quoted identifier (a missing table: a contract error result), never SQL; the victim stays."""
    from tests.reconcile.helpers import (
        by_id,
        check,
        duck_server,
        load_duckdb,
        load_postgres,
        pg_server,
        rows,
    )

    con, schema = pg_schema
    load_postgres(con, schema, rows(20))
    con.execute(f'CREATE TABLE "{schema}".victim AS SELECT 1 AS x')
    db = load_duckdb(tmp_path / "w.duckdb", rows(20))
    servers = pg_server(schema) + duck_server(db)
    result = check(tmp_path, servers, f"source: app\ntable: {json.dumps(source_table)}")
    [found] = by_id(result).values()
    assert found.error and "does not exist" in found.error, found.error
    assert "root:" not in found.error
    assert con.execute(f'SELECT count(*) FROM "{schema}".victim').fetchone() == (1,)


def test_reconcile_source_table_cannot_leave_a_local_servers_folder(tmp_path):
    """On a `local` source the table name fills `{object}` of the path; `../` must not read a
    file beside the server's folder (DuckDB's allowed directories hold, whatever glob says)."""
    from tests.reconcile.helpers import by_id, check, duck_server, load_duckdb, rows

    data = tmp_path / "app"
    data.mkdir()
    secret = tmp_path / "secret.csv"
    secret.write_text("id,status\n1,root-password\n")
    pd.DataFrame({"id": [1], "status": ["open"]}).to_csv(data / "requests.csv", index=False)
    servers = (
        f"  - server: app\n    type: local\n    path: {data}/{{object}}.csv\n    format: csv\n"
        + duck_server(load_duckdb(tmp_path / "w.duckdb", rows(5)))
    )
    result = check(tmp_path, servers, "source: app\ntable: ../secret")
    [found] = by_id(result).values()
    assert found.error and "does not exist" in found.error, found.error
    assert not found.samples and "root-password" not in found.error


XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'><svg onload=alert(3)>"


def test_html_report_and_notebook_show_hostile_names_and_values_as_text(tmp_path):
    """Table, column and contract names and the observed values and samples (the data) reach
    `lockgate report`'s page and the notebook's `_repr_html_`: all of it must be text."""
    import lockgate as api

    db = tmp_path / "w.duckdb"
    quoted = '"' + XSS.replace('"', '""') + '"'
    with duckdb.connect(str(db)) as con:
        con.execute(f"CREATE TABLE {quoted} (id INTEGER, {quoted} VARCHAR)")
        con.executemany(f"INSERT INTO {quoted} VALUES (?, ?)", [(1, XSS), (2, "b"), (3, XSS)])
    body = {
        "apiVersion": "v3.1.0", "kind": "DataContract", "id": "shop" + XSS, "version": "1.0.0",
        "status": "active",
        "servers": [{"server": "duck", "type": "duckdb", "database": str(db)}],
        "schema": [{"name": XSS, "properties": [
            {"name": "id", "logicalType": "integer"},
            {"name": XSS, "logicalType": "string", "description": XSS,
             "quality": [{"metric": "invalidValues", "mustBe": 0,
                          "arguments": {"validValues": ["b", XSS + "x"]}}]},
        ]}],
    }  # fmt: skip
    contract_path = write_contract(tmp_path, yaml.safe_dump(body), name="c.odcs.yaml")
    history = tmp_path / "history.sqlite"
    checked = lockgate("check", contract_path, "--history", history)
    assert checked.returncode == 1, checked.stdout + checked.stderr  # the rule fails: 2 rows
    result = api.validate(api.load_contract(contract_path))
    assert not result.passed
    shown = {"notebook": result._repr_html_()}
    reported = lockgate(
        "report", "--history", history, "--contracts", contract_path, "-o", tmp_path / "r"
    )
    assert reported.returncode == 0, reported.stdout + reported.stderr
    shown["report"] = (tmp_path / "r" / "index.html").read_text()
    for where, page in shown.items():
        assert "&lt;script&gt;alert(1)" in page, where  # the text is there, escaped
        lowered = page.lower()
        # a tag of the payload, or its quote closing an attribute, would be live markup
        for live in ("<script", "<img", "<svg onload", "\"'>"):
            assert live not in lowered, (where, live)


QUOTE_BREAK = "x'); DROP TABLE victim; --"
PATTERN = "^[a-z]$|" + QUOTE_BREAK.replace(")", "") + "|endraw %}{{ 7\\*7 }}"  # a valid regex


def _valid_export_contract(tmp_path: Path, db: Path) -> Path:
    body = {
        "apiVersion": "v3.1.0", "kind": "DataContract", "id": "shop", "version": "1.0.0",
        "status": "active",
        "servers": [{"server": "duck", "type": "duckdb", "database": str(db)}],
        "schema": [{
            "name": "orders",
            "quality": [{"type": "custom", "engine": "lockgate",
                         "implementation": {"check": "quarantine", "maxRows": 5}}],
            "properties": [
                {"name": "id", "logicalType": "integer", "required": True},
                {"name": "code", "logicalType": "string",
                 "logicalTypeOptions": {"pattern": PATTERN},
                 "quality": [{"metric": "invalidValues", "mustBe": 0, "arguments": {
                     "validValues": ["a", QUOTE_BREAK, "{% endraw %}{{ run_query('x') }}"]}}]},
            ],
        }],
    }  # fmt: skip
    return write_contract(tmp_path, yaml.safe_dump(body, sort_keys=False))


def test_valid_views_keep_contract_values_as_literals(tmp_path):
    """`export --to sql --valid` prints CREATE VIEW statements built from the rules' values: a
    quote in a value stays inside its literal (running the file creates views, nothing else),
    and the dbt models render, through Jinja, to the same SQL text (nothing in them runs)."""
    import jinja2

    frame = pd.DataFrame({"id": [1, 2], "code": ["a", "zz"]})
    db = duckdb_with(tmp_path / "w.duckdb", {"orders": frame})
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE TABLE victim AS SELECT 1 AS x")
    contract = _valid_export_contract(tmp_path, db)
    done = lockgate("export", contract, "--to", "sql", "--valid")
    assert done.returncode == 0, done.stderr
    statements = duckdb.extract_statements(done.stdout)
    assert len(statements) == 2 and {s.type for s in statements} == {duckdb.StatementType.CREATE}
    with duckdb.connect(str(db)) as con:
        for statement in statements:
            con.execute(statement.query)
        assert con.execute("SELECT count(*) FROM victim").fetchone() == (1,)
        assert con.execute('SELECT id FROM "orders__valid"').fetchall() == [(1,)]
    out = tmp_path / "models"
    done = lockgate("export", contract, "--to", "dbt", "--valid", "--output", out)
    assert done.returncode == 0, done.stderr
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    calls: list[str] = []
    for model in sorted(out.glob("*.sql")):
        text = model.read_text()
        rendered = env.from_string(text).render(ref=lambda name: calls.append(name) or name)
        assert "49" not in rendered and "run_query" in rendered  # `{{ 7*7 }}` stayed text
        assert QUOTE_BREAK.replace("'", "''") in rendered
    assert calls == ["orders", "orders"]  # lockgate's own ref() calls, and no other code ran
