# Thin aliases over what pyproject.toml defines. `make help` lists them.
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask
export FLASK_APP := wsgi.py
PYTEST_ARGS ?=
BENCH_SCALE ?= 1
BENCH_DURATION ?= 15

.DEFAULT_GOAL := help
.PHONY: help install run test test-sqlite test-postgresql test-e2e lint fmt typecheck security migrate check bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade 'pip>=25.1'
	$(PY) -m pip install -q -e . --group test --group lint
	touch $@

install: $(VENV)/.installed ## create .venv and install the app with test and lint tools

run: install ## migrate the SQLite database in instance/, load the demo, serve on http://127.0.0.1:5000
	$(FLASK) db upgrade
	$(FLASK) benefit seed-demo
	BENEFIT_SEARCH_INDEXER=thread $(FLASK) run --host 127.0.0.1 --port 5000

test: install lint typecheck security test-sqlite test-postgresql ## the whole suite on SQLite and PostgreSQL, plus ruff, mypy, bandit and pip-audit

test-sqlite: install ## the suite on SQLite
	BENEFIT_TEST_DB=sqlite $(PY) -m pytest $(PYTEST_ARGS)

test-postgresql: install ## the suite on PostgreSQL (a throw-away database on 127.0.0.1:5432)
	BENEFIT_TEST_DB=postgresql $(PY) -m pytest $(PYTEST_ARGS)

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
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
