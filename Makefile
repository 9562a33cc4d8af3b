# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
RUFF := $(VENV)/bin/ruff

.PHONY: run install install-dev test lint format migrations-check ci clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

## run: set up, migrate, load the demo campaigns and serve on http://127.0.0.1:8000
run: install
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py load_demo
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

## test: the whole suite (SQLite by default; DATABASE_URL=postgres://… for PostgreSQL)
test: install-dev
	$(PY) -m pytest

lint: install-dev
	$(RUFF) check .
	$(RUFF) format --check .

format: install-dev
	$(RUFF) check --fix .
	$(RUFF) format .

migrations-check: install-dev
	$(PY) manage.py makemigrations --check --dry-run

ci: lint migrations-check test

clean:
	rm -rf $(VENV) staticfiles .pytest_cache

## bench: gunicorn + PostgreSQL + Redis under wrk at 100 and 100,000 innovations → docs/performance.md
## (about 6 minutes; `make bench BENCH_ARGS=--quick` is a 2-minute smoke run that writes to /tmp)
.PHONY: bench
bench: install-dev
	$(PY) -m bench.run $(BENCH_ARGS)
