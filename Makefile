# Two commands set everything up from a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo serve migrate test lint typecheck bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(STAMP)

## Seed a demo tenant in SQLite (nurture-demo.db) and serve it on http://127.0.0.1:3978
demo: $(STAMP)
	$(BIN)/nurture demo

serve: $(STAMP)
	$(BIN)/nurture db upgrade
	$(BIN)/nurture serve

migrate: $(STAMP)
	$(BIN)/nurture db upgrade

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

## Lint, type-check, then the whole suite (PostgreSQL too when NURTURE_TEST_PG_URL is set)
test: lint typecheck
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python tests/bench/bench_due_follow_ups.py
	$(BIN)/python tests/bench/bench_ingest_events.py

clean:
	rm -rf $(VENV) nurture-demo.db* .mypy_cache .ruff_cache .hypothesis
