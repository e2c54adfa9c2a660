# Alongside — set-up, run and test. `make run` and `make test` are all a new machine needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
PORT ?= 5000
STAMP := $(VENV)/.installed
TEST_WORKERS ?= auto

.PHONY: run test lint unit-tests browser-tests postgres-tests bench install clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(FLASK) db upgrade
	$(FLASK) courses sync
	$(FLASK) demo
	@echo "Alongside is at http://127.0.0.1:$(PORT)/ (Ctrl+C to stop)"
	@# One process: rate limits and the cache are kept in its memory unless REDIS_URL is set.
	@# For several workers or machines see README.md, "More than one machine".
	@test -n "$$REDIS_URL" || echo "(One process: rate limits are kept in memory. For more, see README: More than one machine.)"
	@# Each request sends its own mail after it commits; the sender beside the server retries
	@# what could not go and sends what commands (demo, imports) left in the outbox.
	$(FLASK) mail send --watch --interval 30 & sender=$$!; \
	  trap 'kill $$sender 2>/dev/null' EXIT INT TERM; \
	  $(FLASK) run --host 127.0.0.1 --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check lms tests bench migrations app.py
	$(BIN)/ruff format --check lms tests bench app.py
	$(FLASK) courses check
	PY=$(BIN)/python bash scripts/check-test-ids.sh

# Everything CI checks: linters, the curriculum, the suite on SQLite (with real-browser
# journeys), and the suite again on PostgreSQL when a server is available.
test: lint
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS)
	@bash scripts/test-postgres.sh

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache
