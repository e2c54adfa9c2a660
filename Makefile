# Alongside — set-up, run and test. `make run` and `make test` are all a new machine needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
PORT ?= 5000
STAMP := $(VENV)/.installed
TEST_WORKERS ?= auto

.PHONY: run serve test lint unit-tests browser-tests postgres-tests bench bench-postgres install clean translations

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# Compiled catalogues (.mo) are built from the .po files, never committed.
I18N := $(BIN)/python -m lms.core.translations
PO_FILES := $(wildcard translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

$(MO_FILES) &: $(PO_FILES) $(STAMP)
	$(I18N) compile

# A fresh messages.pot from the code and templates, merged into every language's catalogue.
translations: $(STAMP)
	$(I18N) extract
	$(I18N) update

run: $(STAMP) $(MO_FILES)
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

# Production: migrations, then gunicorn under deploy/gunicorn.conf.py on 127.0.0.1:8000 (or
# PORT when given), behind nginx or HAProxy (deploy/, README "Production"), with the mail
# sender beside it as in `make run`. WEB_CONCURRENCY and GUNICORN_* come from the environment.
SERVE_PORT := $(if $(filter file,$(origin PORT)),8000,$(PORT))
# glibc's allocator for the server (README, "Production"): two arenas rather than one per
# thread, and large blocks (a hashed password's 19 MiB, a decoded photo) handed back to the
# system when freed, instead of kept by a threshold that grows with them.
SERVER_MALLOC := MALLOC_ARENA_MAX=$${MALLOC_ARENA_MAX:-2} MALLOC_MMAP_THRESHOLD_=$${MALLOC_MMAP_THRESHOLD_:-131072}
serve: $(STAMP) $(MO_FILES)
	$(FLASK) db upgrade
	$(FLASK) mail send --watch --interval 30 & sender=$$!; \
	  trap 'kill $$sender 2>/dev/null' EXIT INT TERM; \
	  PORT=$(SERVE_PORT) $(SERVER_MALLOC) $(BIN)/gunicorn -c deploy/gunicorn.conf.py app:app

lint: $(STAMP)
	$(BIN)/ruff check lms tests bench deploy migrations app.py
	$(BIN)/ruff format --check lms tests bench deploy app.py
	$(FLASK) courses check
	PY=$(BIN)/python bash scripts/check-test-ids.sh
	@# Every message translated in every language, and no unmarked text in a template.
	$(I18N) check
	$(I18N) check-templates

# Everything CI checks: linters, the curriculum, the suite on SQLite (with real-browser
# journeys), and the suite again on PostgreSQL when a server is available.
test: lint $(MO_FILES)
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS)
	@bash scripts/test-postgres.sh

bench: $(STAMP) $(MO_FILES)
	$(BIN)/python -m bench

# The same on PostgreSQL, in a throw-away cluster (or BENCH_POSTGRES_URL's empty database).
bench-postgres: $(STAMP) $(MO_FILES)
	PY=$(BIN)/python bash scripts/bench-postgres.sh

clean:
	rm -rf $(VENV) .pytest_cache
