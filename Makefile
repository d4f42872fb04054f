# The project's single entry point: `make run` serves the app, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Local development runs with DEBUG on unless the environment says otherwise.
export DJANGO_DEBUG ?= true

.PHONY: run test test-unit test-mariadb test-stack test-browser lint bench bench-search system-deps clean

# Debian packages that mysqlclient needs to compile; installed only when missing.
system-deps:
	@if ! pkg-config --exists mysqlclient 2>/dev/null && ! pkg-config --exists mariadb 2>/dev/null || ! command -v gcc >/dev/null; then \
		echo "Installing build dependencies for mysqlclient (apt)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-libmysqlclient-dev pkg-config build-essential; \
	fi

$(BIN)/.installed: requirements.txt requirements-dev.txt | system-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

# daphne, as the production workers run it (chatroom/server.py: prebuilt frames, graceful shutdown).
run: $(BIN)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python -m chatroom.server -b $(HOST) -p $(PORT) chatroom.asgi:application

# Every test: lint, the suite on the embedded default, the suite again on MariaDB +
# Redis, the stack tests (nginx + two daphne workers) and the browser tests.
test: lint test-unit test-mariadb test-stack test-browser

test-unit: $(BIN)/.installed
	$(BIN)/pytest

# ruff, and the layers of docs/architecture.md (import-linter contracts in pyproject.toml).
lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# The whole suite again on throwaway MariaDB + Redis servers (scripts/with-test-backends.sh).
test-mariadb: $(BIN)/.installed
	scripts/with-test-backends.sh $(BIN)/pytest

# The production topology on loopback: MariaDB, Redis, two daphne workers, nginx.
test-stack: $(BIN)/.installed
	scripts/with-test-backends.sh $(BIN)/pytest -c stack_tests/pytest.ini --rootdir stack_tests stack_tests

# The pages in Chromium (Playwright, its own pytest process and live server); Debian's
# Chromium is installed when missing, never Playwright's own browser download.
test-browser: $(BIN)/.installed
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }
	$(BIN)/pytest -c browser_tests/pytest.ini --rootdir browser_tests browser_tests

# The fan-out benchmark (docs/benchmarks.md): several minutes. `make bench BENCH_QUICK=1`
# is a smoke run under a minute; BENCH_ARGS passes options (python -m bench --help).
$(BIN)/.bench-installed: requirements-bench.txt $(BIN)/.installed
	$(BIN)/pip install -q -r requirements-bench.txt
	touch $@

bench: $(BIN)/.bench-installed
	$(BIN)/python -m bench $(if $(BENCH_QUICK),--quick) $(BENCH_ARGS)

# Search latency over a million messages on SQLite and MariaDB (Mroonga): about 5 minutes on a
# quiet machine, most of it building the data (docs/benchmarks.md, "Search").
bench-search: $(BIN)/.bench-installed
	$(BIN)/python -m bench --targets search

clean:
	rm -rf $(VENV) .pytest_cache
