# Every everyday action has one target. Targets create .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install dev test lint typecheck unit bench schema clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
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

schema: $(STAMP)
	$(BIN)/handoff schema export

format: $(STAMP)
	$(BIN)/ruff format handoff tests
	$(BIN)/ruff check --fix handoff tests

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
