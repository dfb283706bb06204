# The README's two commands are `make demo` and `make test`; both set up what they need.
SHELL := /bin/bash
# uv comes from PyPI (`pip install uv`) when the machine has none; `python3 -m uv` always finds it.
UV ?= $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
RUN := $(UV) run --frozen

.PHONY: setup demo demo-serving ui quickstart test test-fast lint lint-contracts dbt-contracts clean

setup: .venv/.lockgate-setup

.venv/.lockgate-setup: pyproject.toml uv.lock dbt/packages.yml
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen
	cd dbt && ../.venv/bin/dbt deps --quiet && ../.venv/bin/dbt parse --quiet --profiles-dir .  # the manifest the code location reads
	@touch $@

# The main job: the reference pipeline on the embedded DuckDB warehouse (see dagster_project/demo.py).
demo: setup
	$(RUN) python -m dagster_project.demo

# Production: serve a champion, drift its traffic, watch monitoring fail, alert and roll back.
demo-serving: setup
	$(RUN) python -m lockgate.serve.demo

# Dagster's UI on the demo's runs.
ui: setup
	DAGSTER_HOME=$(CURDIR)/.lockgate/dagster_home $(RUN) dg dev --host 127.0.0.1 --port 3000

quickstart: setup
	$(RUN) python -m examples.quickstart

# The code-quality gate (CI runs it before the tests): lint rules incl. line length, formatting, types.
LINT_PATHS := lockgate dagster_project benchmarks tests

lint: setup
	$(RUN) ruff check $(LINT_PATHS)
	$(RUN) ruff format --check $(LINT_PATHS)
	$(RUN) mypy

test: setup
	$(RUN) pytest -q -p no:cacheprovider -n 2 --dist loadfile

test-fast: setup
	$(RUN) pytest -q -x -m "not slow"

lint-contracts: setup
	$(RUN) lockgate lint examples contracts

RAW_SCHEMA_JINJA := {{ var('raw_schema', env_var('LOCKGATE_RAW_SCHEMA', 'raw')) }}

# The contracts as dbt tests, and the <table>__valid/__quarantine models of the sources with a
# quarantine policy (generated files; `lockgate export --check dbt/models` verifies them).
dbt-contracts: setup
	@for c in contracts/sources/*.odcs.yaml; do \
	  $(RUN) lockgate export $$c --to dbt --dbt-source raw --dbt-schema "$(RAW_SCHEMA_JINJA)" \
	    --output dbt/models/staging/_raw_$$(basename $$c .odcs.yaml).contract.yml; \
	  if grep -q 'check: quarantine' $$c; then \
	    $(RUN) lockgate export $$c --to dbt --valid --offline --dbt-source raw \
	      --output dbt/models/staging/quarantine; fi; done
	@for c in contracts/marts/*.odcs.yaml; do \
	  $(RUN) lockgate export $$c --to dbt --output dbt/models/marts/_$$(basename $$c .odcs.yaml).contract.yml; done
	@for c in contracts/features/*.odcs.yaml; do \
	  $(RUN) lockgate export $$c --to dbt --output dbt/models/features/_$$(basename $$c .odcs.yaml).contract.yml; done

clean:
	rm -rf warehouse .lockgate .pytest_cache
