# The two commands of the README's quick start: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check

.PHONY: run test bench lint

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

## run: install into .venv, load the synthetic demo into the store, print the latest ranking
run: $(BIN)/python
	$(PIP) install -e .
	$(BIN)/cchc demo
	$(BIN)/cchc ranking

## test: install the test tools, lint, run every test
test: $(BIN)/python
	$(PIP) install -e ".[test]"
	$(BIN)/ruff check .
	$(BIN)/pytest

## bench: print the engine's speed beside a per-unit loop
bench: $(BIN)/python
	$(PIP) install -e .
	$(BIN)/python bench/engine_bench.py

lint: $(BIN)/python
	$(BIN)/ruff check .
