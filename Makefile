# The two commands of the README:
#   make run   set everything up, migrate and seed the embedded SQLite database, serve on :8000
#   make test  set everything up, lint, type-check, run the suite on SQLite, then on PostgreSQL
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.setup-stamp
ASSETS := server/graphiql/node_modules/.package-lock.json
JS_CLIENT := tests/js/node_modules/.package-lock.json

.PHONY: setup test-setup run test lint typecheck test-sqlite test-postgres test-books soak soak-hour schema bench bench-statements bench-payments bench-network clean

setup: $(STAMP) $(ASSETS)

# The reference JavaScript GraphQL client the suite drives under Node.
test-setup: setup $(JS_CLIENT)

$(JS_CLIENT): tests/js/package.json tests/js/package-lock.json
	cd tests/js && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

$(STAMP): pyproject.toml requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $@

$(ASSETS): server/graphiql/package.json server/graphiql/package-lock.json
	cd server/graphiql && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

run: setup
	$(PY) -m server.cli up

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: setup
	$(VENV)/bin/mypy

test-sqlite: test-setup
	$(PY) -m pytest -p no:cacheprovider

test-postgres: test-setup
	$(PY) -m tests.postgres_run -p no:cacheprovider

test: lint typecheck test-sqlite test-postgres

# Every party's books against the network's ledger over BOOKS_SEEDS (30) random seeds, on
# PostgreSQL with two dispatchers sharing the outbox (make test runs 3 on each database).
BOOKS_SEEDS ?= 30
test-books: test-setup
	BOOKS_SEEDS=$(BOOKS_SEEDS) $(PY) -m tests.postgres_run -p no:cacheprovider tests/test_books_property.py

# The seeded simulation soak (tests/soak): SOAK_SEED (new each run unless given), SOAK_SECONDS
# (60), SOAK_ORGS (24), SOAK_WORKERS (2), SOAK_CLIENTS (4); SOAK_SUMMARY=path writes the summary
# (make soak-hour writes bench/soak.json). Needs PostgreSQL at 127.0.0.1:5432.
soak: test-setup
	$(PY) -m tests.soak

soak-hour: test-setup
	SOAK_SECONDS=3600 SOAK_ORGS=$${SOAK_ORGS:-200} SOAK_SUMMARY=bench/soak.json $(PY) -m tests.soak

schema: setup
	$(PY) -m server.cli schema > schema/schema.graphql

# The benchmark against the raw-driver baseline B1 (PostgreSQL at 127.0.0.1:5432; it creates
# and drops its own database) and the in-process latency / statement-count benchmark.
bench: setup
	$(PY) -m bench.compare

bench-statements: setup
	$(PY) -m bench.run

# Only the payments part of the benchmark (merged into bench/results.json).
bench-payments: setup
	$(PY) -m bench.payments

# Only the network service's cost as its history grows (merged into bench/results.json).
bench-network: setup
	$(PY) -m bench.network_history

clean:
	rm -rf $(VENV) server/graphiql/node_modules tests/js/node_modules var .mypy_cache .ruff_cache .pytest_cache
