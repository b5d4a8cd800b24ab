# Nhiệm vụ — the two commands of the README, and the rest of the toolbox.
#   make run    start the whole system on the embedded default (SQLite + in-process bus) with demo data
#   make test   run the whole test suite
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run run-distributed test test-unit lint bench clean vendor vendor-axe vendor-web

$(STAMP): pyproject.toml requirements.lock requirements-dev.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock -r requirements-dev.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/nhiemvu serve

run-distributed: $(STAMP)
	$(BIN)/python -m services.distributed

# Three processes share the tests, each taking whole modules (a module's running system is
# started once): on two cores, since the end-to-end and browser tests spend much of their time
# waiting on the systems they drive, a third keeps both cores busy (on a quiet 2-core machine the
# suite took 10.9–11.8 min with three, 18.5 with two and other work beside it); TEST_WORKERS=0
# runs them in this process.
TEST_WORKERS ?= 3

test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

test-unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared services

bench: $(STAMP)
	$(BIN)/python -m bench.run

# Front-end files vendored as their published distribution files (needs npm; `make run` and
# `make test` do not). Each library has its own target; `vendor` refreshes them all.
vendor: vendor-axe vendor-web

# The web application's libraries (htmx): versions listed in the script, recorded in
# services/web/static/vendor/VERSIONS with each licence beside its file.
vendor-web:
	services/web/vendor.sh

AXE_CORE_VERSION := 4.14.1
AXE_DIR := tests/browser/vendor/axe-core

# axe-core, injected by the browser tests (tests/browser/conftest.py): axe.min.js, its licence, and
# a VERSIONS line with its sha256.
vendor-axe:
	@set -euo pipefail; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	(cd "$$tmp" && npm pack --silent axe-core@$(AXE_CORE_VERSION) >/dev/null \
		&& tar xzf axe-core-$(AXE_CORE_VERSION).tgz); \
	mkdir -p $(AXE_DIR); \
	cp "$$tmp/package/axe.min.js" "$$tmp/package/LICENSE" $(AXE_DIR)/; \
	echo "axe-core $(AXE_CORE_VERSION) axe.min.js sha256:$$(sha256sum $(AXE_DIR)/axe.min.js | cut -d' ' -f1)" \
		> $(AXE_DIR)/VERSIONS; \
	cat $(AXE_DIR)/VERSIONS

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
