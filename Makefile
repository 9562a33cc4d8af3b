# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
RUFF := $(VENV)/bin/ruff
# apt-get needs root: use sudo when not root (CI runs as root).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run install install-dev test lint format migrations-check ci clean browser-deps browser-system test-browser nginx-system pdf-system

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

## run: set up, migrate, load the demo campaigns and serve on http://127.0.0.1:8000,
## with the background worker (emails) beside it; Ctrl-C stops both
run: install pdf-system
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py load_demo
	DEBUG=1 $(PY) manage.py db_worker --no-reload & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	  DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

## test: the whole suite, browser tests included (SQLite by default; DATABASE_URL=postgres://… for PostgreSQL)
test: install-dev browser-deps nginx-system pdf-system
	$(PY) -m pytest

## browser-deps: Debian's Chromium, Java and npm if missing, then axe-core and vnu.jar from npm
browser-deps: browser-system node_modules/.installed

browser-system:
	@if [ ! -x /usr/bin/chromium ] || ! command -v java >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then \
	  echo "Installing Debian's chromium, default-jre-headless and npm"; \
	  $(SUDO) apt-get update && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y chromium default-jre-headless \
	    $$(command -v npm >/dev/null 2>&1 || echo npm); \
	fi

## nginx-system: Debian's nginx (tests/test_nginx.py runs deploy/nginx/ in front of gunicorn)
## and envsubst (gettext-base) to render its template, if missing. The package's own
## service is not needed: the test starts its own nginx on a free port.
nginx-system:
	@if [ ! -x /usr/sbin/nginx ] || ! command -v envsubst >/dev/null 2>&1; then \
	  echo "Installing Debian's nginx and gettext-base (envsubst)"; \
	  $(SUDO) apt-get update && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y \
	    $$([ -x /usr/sbin/nginx ] || echo nginx) \
	    $$(command -v envsubst >/dev/null 2>&1 || echo gettext-base); \
	fi

## pdf-system: Debian's Pango, HarfBuzz subsetting and DejaVu fonts for WeasyPrint (the PDF
## editions), if missing; poppler-utils (pdftoppm) to turn PDF pages into the README's PNGs.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils
pdf-system:
	@if ! dpkg-query -W -f='$${Status}\n' $(PDF_PACKAGES) 2>/dev/null | grep -qv 'install ok installed' \
	    && [ "$$(dpkg-query -W -f='$${Status}\n' $(PDF_PACKAGES) 2>/dev/null | wc -l)" -eq 5 ]; then :; else \
	  echo "Installing Debian's $(PDF_PACKAGES)"; \
	  $(SUDO) apt-get update && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends $(PDF_PACKAGES); \
	fi

# --ignore-scripts: vnu-jar's postinstall would download a Java runtime; we use Debian's.
node_modules/.installed: package.json package-lock.json | browser-system
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

## test-browser: only the real-browser tests (axe-core, Nu HTML Checker); SCREENSHOTS=1 refreshes docs/screenshots/
test-browser: install-dev browser-deps
	$(PY) -m pytest -m browser

## lint: ruff, the one-way app layers (import-linter, docs/architecture.md) and hadolint
lint: install-dev
	$(RUFF) check .
	$(RUFF) format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/hadolint Dockerfile

format: install-dev
	$(RUFF) check --fix .
	$(RUFF) format .

migrations-check: install-dev
	$(PY) manage.py makemigrations --check --dry-run

ci: lint migrations-check test

clean:
	rm -rf $(VENV) staticfiles .pytest_cache node_modules

## bench: Debian's nginx (the deploy/nginx template) in front of gunicorn + PostgreSQL + Redis,
## under wrk and a deadline rush of submissions, at 100 and 100,000 innovations → docs/performance.md
## (about 15 minutes; `make bench BENCH_ARGS=--quick` is a 4-minute smoke run that writes to /tmp)
.PHONY: bench
bench: install-dev nginx-system
	$(PY) -m bench.run $(BENCH_ARGS)
