# The README's two commands are `make demo` and `make test`; both set up what they need.
SHELL := /bin/bash
# uv comes from PyPI (`pip install uv`) when the machine has none; `python3 -m uv` always finds it.
UV ?= $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
RUN := $(UV) run --frozen

.PHONY: setup demo test test-fast lint-contracts clean

setup: .venv/.lockgate-setup

.venv/.lockgate-setup: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen
	@touch $@

demo: setup
	$(RUN) python -m examples.quickstart

test: setup
	$(RUN) pytest -q -p no:cacheprovider

test-fast: setup
	$(RUN) pytest -q -x -m "not slow"

lint-contracts: setup
	$(RUN) lockgate lint examples contracts

clean:
	rm -rf warehouse .lockgate .pytest_cache
