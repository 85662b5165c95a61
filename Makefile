# Thin aliases over what pyproject.toml defines. `make help` lists them.
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask
export FLASK_APP := wsgi.py
PYTEST_ARGS ?=
BENCH_SCALE ?= 1
BENCH_DURATION ?= 15
E2E := tests/e2e
AXE_JS := $(E2E)/node_modules/axe-core/axe.min.js
CHROMIUM ?= /usr/bin/chromium
MO_FILES := $(patsubst %.po,%.mo,$(wildcard benefit/translations/*/LC_MESSAGES/messages.po))

.DEFAULT_GOAL := help
.PHONY: help install i18n run test test-sqlite test-postgresql test-e2e e2e-tools lint fmt typecheck security migrate check bench clean

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade 'pip>=25.1'
	$(PY) -m pip install -q -e . --group test --group lint
	touch $@

install: $(VENV)/.installed $(MO_FILES) ## create .venv and install the app with test and lint tools

# The compiled catalogues are built here, not committed: a fresh clone's `make run` shows Polish.
benefit/translations/%/LC_MESSAGES/messages.mo: benefit/translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(VENV)/bin/pybabel -q compile -d benefit/translations

i18n: install ## extract every message, update the catalogues, compile them (then translate what is new)
	$(VENV)/bin/pybabel -q extract -F babel.cfg -k lazy_gettext -k _l -k lazy_ngettext:1,2 \
		--no-location --sort-output --project BENEFIT -o benefit/translations/messages.pot .
	$(VENV)/bin/pybabel -q update -i benefit/translations/messages.pot -d benefit/translations \
		--no-fuzzy-matching --ignore-obsolete
	$(VENV)/bin/pybabel -q compile -d benefit/translations

run: install ## migrate the SQLite database in instance/, load the demo, serve on http://127.0.0.1:5000
	$(FLASK) db upgrade
	$(FLASK) benefit seed-demo
	BENEFIT_SEARCH_INDEXER=thread $(FLASK) run --host 127.0.0.1 --port 5000

test: install lint typecheck security test-sqlite test-postgresql test-e2e ## everything: ruff, mypy, bandit, pip-audit, the suite on SQLite and PostgreSQL, the browser suite

test-sqlite: install ## the suite on SQLite (without the browser suite)
	BENEFIT_TEST_DB=sqlite $(PY) -m pytest -m "not e2e" $(PYTEST_ARGS)

test-postgresql: install ## the suite on PostgreSQL (a throw-away database on 127.0.0.1:5432)
	BENEFIT_TEST_DB=postgresql $(PY) -m pytest -m "not e2e" $(PYTEST_ARGS)

test-e2e: install e2e-tools ## the browser suite: journeys and axe checks in Chromium against gunicorn + PostgreSQL
	$(PY) -m pytest -m e2e $(E2E) $(PYTEST_ARGS)

# Debian's Chromium from apt (never a browser a tool downloads itself) and axe-core from npm.
# When they cannot be had, say so and go on: the browser suite then skips, or fails with CI=true.
e2e-tools: $(AXE_JS) ## install what the browser suite needs: chromium (apt, as root) and axe-core (npm)
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium) \
	      || echo "make: installing chromium failed: the browser suite will skip (or fail with CI=true)"; \
	  else echo "make: $(CHROMIUM) is missing and needs root with apt-get: the browser suite will skip (or fail with CI=true)"; fi; \
	fi

$(AXE_JS): $(E2E)/package.json $(E2E)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix $(E2E) --no-audit --no-fund && touch $@; \
	else echo "make: npm is missing: the accessibility checks will skip (or fail with CI=true)"; fi

lint: install ## ruff
	$(VENV)/bin/ruff check benefit tests bench tools
	$(VENV)/bin/ruff format --check benefit tests bench tools

fmt: install ## format and fix with ruff
	$(VENV)/bin/ruff check --fix benefit tests bench tools
	$(VENV)/bin/ruff format benefit tests bench tools

typecheck: install ## mypy (strict) over benefit/
	$(VENV)/bin/mypy

security: install ## bandit over benefit/, pip-audit over the installed packages (skips, saying so, when offline)
	$(VENV)/bin/bandit -c pyproject.toml -r benefit -q
	$(PY) tools/audit_dependencies.py

migrate: install ## generate a migration from model changes: make migrate m="what changed"
	$(FLASK) db migrate -m "$(m)"

check: lint typecheck test ## everything CI runs

bench: install ## load 100k posts into PostgreSQL, drive gunicorn with wrk, print the table (BENCH_SCALE=0.1: quick)
	@command -v wrk >/dev/null || { test "$$(id -u)" = 0 && apt-get update -qq && apt-get install -y -qq wrk; } \
		|| { echo "wrk is needed: apt-get install wrk"; exit 2; }
	$(PY) -m pip install -q --group bench
	$(PY) -m bench.run --scale $(BENCH_SCALE) --duration $(BENCH_DURATION)

clean: ## remove the virtualenv and caches (keeps instance/)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(E2E)/node_modules
