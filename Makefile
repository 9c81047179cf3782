# Two commands on a fresh machine: `make run` (the main job) and `make test` (the test suite).
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
EVAL_ARGS ?=

.PHONY: run test test-all bench leaderboard browser install clean

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

test: install browser
	$(BIN)/python -m pytest -n 2 -q

test-all: install browser
	$(BIN)/python -m pytest -n 2 -q -m ""

bench: install
	$(BIN)/python scripts/bench_env.py

leaderboard: install
	rm -rf results/leaderboard
	$(BIN)/python scripts/evaluate.py --agent random oracle answer-only --checkpoints checkpoints --out-dir results/leaderboard $(EVAL_ARGS)
	$(BIN)/python scripts/leaderboard.py --results results/leaderboard --runs runs --out-dir reports

# Debian's chromium renders the leaderboard page in its test; best effort: the test skips,
# saying why, where it cannot be installed (no root, no package index).
browser:
	@test -x /usr/bin/chromium || (command -v apt-get >/dev/null && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
		>/dev/null 2>&1) || echo "chromium not installed: the leaderboard page test will skip"

clean:
	rm -rf $(VENV) build *.egg-info
