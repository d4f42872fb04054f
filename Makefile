# The project's single entry point: `make run` serves the app, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Where `make run` serves: `make run HOST=0.0.0.0 PORT=8080`.
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-unit test-mariadb test-stack test-browser test-bench test-js lint audit bench bench-search system-deps clean gettext compilemessages messages

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

# The development settings that manage.py and the server both read: .env.example (debug
# on) with a freshly generated secret key. Written once, never overwritten: edit it freely
# (git-ignored). The tests ignore it (pyproject.toml); production sets the real environment.
.env:
	@umask 077 && key=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))') \
		&& sed "s|^# DJANGO_SECRET_KEY=.*|DJANGO_SECRET_KEY=$$key|" .env.example > $@.tmp && mv $@.tmp $@
	@echo "Wrote .env for development (DJANGO_DEBUG=true, a new DJANGO_SECRET_KEY)"

# Debian's gettext (msgfmt, xgettext, msgmerge): compilemessages and makemessages run it.
gettext:
	@command -v msgfmt >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext; }

# The compiled catalogues, locale/*/LC_MESSAGES/*.mo: build output (git-ignored), made from
# the .po files; up-to-date ones are skipped. No settings needed (django-admin, no project).
compilemessages: $(BIN)/.installed gettext
	env -u DJANGO_SETTINGS_MODULE $(BIN)/django-admin compilemessages --ignore '.venv' --ignore node_modules -v0

# Bring locale/zh_Hans/LC_MESSAGES/django.po and djangojs.po up to date with the code (both
# domains, the project's flags: chatroom/management/commands/messages.py). Then translate what is
# new or fuzzy (`grep -n -B1 'msgstr ""$$'`, `#, fuzzy`) and run the catalogue test (README, "Languages").
messages: $(BIN)/.installed gettext
	DJANGO_DEBUG=true $(BIN)/python manage.py messages

# daphne, as the production workers run it (chatroom/server.py: prebuilt frames, graceful shutdown).
run: $(BIN)/.installed .env compilemessages
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python -m chatroom.server -b $(HOST) -p $(PORT) chatroom.asgi:application

# Every test: lint, the suite on the embedded default, the suite again on MariaDB +
# Redis, the stack tests (nginx + two daphne workers), the browser tests, the
# benchmark tool's own smoke test and the page's JavaScript modules.
test: lint test-unit test-mariadb test-stack test-browser test-bench test-js

test-unit: $(BIN)/.installed compilemessages
	$(BIN)/pytest

# ruff, the layers of docs/architecture.md (import-linter contracts in pyproject.toml),
# bandit over the code that runs in production (its scope: [tool.bandit] in pyproject.toml),
# the Dockerfile (hadolint, from requirements-dev.txt) and the shell scripts (Debian's shellcheck).
lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/bandit -c pyproject.toml -r . -q
	$(BIN)/hadolint Dockerfile
	@command -v shellcheck >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck; }
	shellcheck scripts/*.sh deploy/nginx/render.sh

# Known vulnerabilities in the pinned dependencies (pip-audit, PyPI's advisory data; about a
# minute). --strict: a package that could not be looked up fails the audit instead of passing
# unaudited, which is what happens where PyPI's JSON API cannot be reached (docs/security.md).
audit: $(BIN)/.installed
	@$(BIN)/pip-audit -r requirements-dev.txt --strict --progress-spinner off || { \
		echo "make audit: not every dependency could be audited (is PyPI's vulnerability API reachable?); no clean bill given" >&2; \
		exit 1; }

# The whole suite again on throwaway MariaDB + Redis servers (scripts/with-test-backends.sh).
test-mariadb: $(BIN)/.installed compilemessages
	scripts/with-test-backends.sh $(BIN)/pytest

# The production topology on loopback: MariaDB, Redis, two daphne workers, nginx.
test-stack: $(BIN)/.installed compilemessages
	scripts/with-test-backends.sh $(BIN)/pytest -c stack_tests/pytest.ini --rootdir stack_tests stack_tests

# The pages in Chromium (Playwright, its own pytest process and live server); Debian's
# Chromium is installed when missing, never Playwright's own browser download.
test-browser: $(BIN)/.installed compilemessages
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }
	@# A Chinese font (Debian's Chromium brings none): the Chinese pages render, and their screenshot shows it.
	@fc-list :lang=zh | grep -q . || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei; }
	$(BIN)/pytest -c browser_tests/pytest.ini --rootdir browser_tests browser_tests

# The chat page's logic modules (static/js/chat) under Node's own test runner: no npm
# packages. Debian's nodejs is installed when node is missing.
test-js:
	@command -v node >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs; }
	node --test --test-reporter=spec js_tests/

# The fan-out benchmark (docs/benchmarks.md): several minutes. `make bench BENCH_QUICK=1`
# is a smoke run under a minute; BENCH_ARGS passes options (python -m bench --help).
$(BIN)/.bench-installed: requirements-bench.txt $(BIN)/.installed
	$(BIN)/pip install -q -r requirements-bench.txt
	touch $@

bench: $(BIN)/.bench-installed
	$(BIN)/python -m bench $(if $(BENCH_QUICK),--quick) $(BENCH_ARGS)

# The benchmark tool against the reference servers, small (seconds): it still counts every
# delivery. The socketio reference needs requirements-bench.txt (python-socketio, eventlet,
# PyMySQL) and starts a throwaway MariaDB of its own (testbed/).
test-bench: $(BIN)/.bench-installed
	$(BIN)/pytest bench/tests

# Search latency over a million messages on SQLite and MariaDB (Mroonga): about 5 minutes on a
# quiet machine, most of it building the data (docs/benchmarks.md, "Search").
bench-search: $(BIN)/.bench-installed
	$(BIN)/python -m bench --targets search

clean:
	rm -rf $(VENV) .pytest_cache
