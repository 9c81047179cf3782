# Two commands on a fresh machine: `make run` (the main job) and `make test` (the test suite).
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test test-all bench install clean

$(BIN)/engram: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first, pinned: pip takes the local CPU wheel for exactly this version.
	$(BIN)/pip install --quiet "torch==2.13.0"
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(BIN)/engram

install: $(BIN)/engram

run: install
	$(BIN)/python scripts/main.py

test: install
	$(BIN)/python -m pytest -n 2 -q

test-all: install
	$(BIN)/python -m pytest -n 2 -q -m ""

bench: install
	$(BIN)/python scripts/bench_env.py

clean:
	rm -rf $(VENV) build *.egg-info
