# The two commands: `make run` and `make test`. Each sets up whatever is missing first.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMPS := .stamps

.PHONY: run test setup lint typecheck unit bench clean fmt screenshots package lock

setup: $(STAMPS)/python $(STAMPS)/node

$(STAMPS)/python: pyproject.toml constraints.txt
	@mkdir -p $(STAMPS)
	@echo "Installing Python packages into $(VENV) (the first time takes a minute)..."
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@( $(BIN)/python -m pip install --upgrade pip \
		&& $(BIN)/python -m pip install -c constraints.txt -e '.[dev]' ) \
		> $(STAMPS)/pip.log 2>&1 || { cat $(STAMPS)/pip.log; exit 1; }
	@touch $@

$(STAMPS)/node: package.json package-lock.json
	@mkdir -p $(STAMPS)
	@echo "Installing the local Teams client (npm)..."
	@npm ci --no-audit --no-fund --loglevel=error > $(STAMPS)/npm.log 2>&1 || { cat $(STAMPS)/npm.log; exit 1; }
	@touch $@

$(STAMPS)/postgres: scripts/ensure-postgres.sh
	@mkdir -p $(STAMPS)
	bash scripts/ensure-postgres.sh
	@touch $@

## Start the bot (local mode, SQLite, in-process scheduler) and the local Teams client.
run: setup
	@bash scripts/run-local.sh

## Lint, type-check and run every test (unit, HTTP, storage on SQLite and PostgreSQL, e2e).
test: setup $(STAMPS)/postgres lint typecheck unit

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck:
	$(BIN)/mypy workflow storage cards flows bot dialogs

unit:
	$(BIN)/pytest

fmt: $(STAMPS)/python
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Benchmarks (figures, not pass/fail): turns at 1k, 10k and 100k cases on SQLite and
## PostgreSQL, the reminder tick, several instances. Prints tables; JSON in .bench/results.json.
bench: setup $(STAMPS)/postgres
	$(BIN)/python -m bench.suite

## The Teams app package (build/case-review-bot.zip), the app id from the settings (.env).
package: setup
	$(BIN)/python -m scripts.package

## Screenshots of the local Teams client (needs Debian's chromium).
screenshots: setup
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[screenshots]'
	$(BIN)/python -m scripts.screenshot docs/screenshots

clean:
	rm -rf $(VENV) node_modules $(STAMPS) var devTools build

## Rewrite constraints.txt: the newest versions within pyproject.toml's ranges, installed into
## a fresh environment and pinned (then run make test, and commit both).
lock:
	@rm -rf .lock-venv && $(PY) -m venv .lock-venv
	@.lock-venv/bin/python -m pip install --quiet --upgrade pip
	@.lock-venv/bin/python -m pip install --quiet -e '.[dev,screenshots]'
	@{ echo "# The exact versions every install uses (make setup: pip install -c constraints.txt)."; \
	   echo "# pyproject.toml holds the compatible ranges. Rewrite with: make lock"; \
	   .lock-venv/bin/python -m pip freeze --exclude-editable | sort -f; } > constraints.txt
	@rm -rf .lock-venv
	@echo "constraints.txt rewritten: run make test, then commit it with pyproject.toml."
