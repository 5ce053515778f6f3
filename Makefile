# `make demo` and `make test` are all a new user needs; both set up .venv themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
TOOLS  := .venv-tools
DEV    := $(VENV)/.dev-installed
DEMO_DB := $(CURDIR)/demo.db

.PHONY: demo test test-fast test-postgres lint bench clean

# What running timeline needs, and nothing more: `make demo` installs only this.
$(BIN)/timeline: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	@touch $@

# The test and lint tools on top (`make test`, `make lint`, `make test-fast`).
$(DEV): $(BIN)/timeline
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

demo: $(BIN)/timeline
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BIN)/timeline --db $(DEMO_DB) import events/
	$(BIN)/timeline --db $(DEMO_DB) asof 2022-02-02

# ruff (lint and format), mypy, import-linter (the layers), then the suite.
test: lint $(TOOLS)/bin/openapi-python-client
	$(BIN)/pytest -q

# The OpenAPI client generator the tests run (tests/web/test_generated_client.py), in an
# environment of its own: it pins a Typer older than timeline's.
$(TOOLS)/bin/openapi-python-client:
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet 'openapi-python-client==0.29.1'

# While working (about a minute on 2 cores): the layers below the CLI and the web
# (tests/core, formats, storage, usecases) without the tests marked slow (subprocesses,
# locks, a wheel), and a tenth of each property's examples (the hypothesis profile
# `dev`, tests/conftest.py). `make test` runs everything.
test-fast: $(DEV)
	$(BIN)/pytest -q -m "not slow" --hypothesis-profile=dev \
		tests/core tests/formats tests/storage tests/usecases

# The whole suite on SQLite and on a throwaway PostgreSQL server (installed if missing).
test-postgres: $(DEV)
	scripts/with-postgres $(MAKE) test

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# A million events on SQLite and on a throwaway PostgreSQL server, beside the peers;
# make bench BENCH_ARGS="--events 100000" for a quick run (see bench/bench.py). Then the
# page at 100,000 events in Chromium (bench/pageload.py) and the service under 50
# readers on both backends (bench/load.py).
bench: $(BIN)/timeline
	$(BIN)/pip install --quiet -e '.[bench]'
	scripts/with-postgres $(BIN)/python bench/bench.py $(BENCH_ARGS)
	$(BIN)/python bench/pageload.py
	scripts/with-postgres $(BIN)/python bench/load.py

clean:
	rm -rf $(VENV) $(TOOLS) build dist *.egg-info demo.db demo.db-wal demo.db-shm
