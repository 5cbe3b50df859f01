# The two commands a newcomer needs: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
DEV_ENV := DJANGO_DEBUG=1

.PHONY: install run test fuzz migrate import serve bench bench-1m bench-stories load clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(DEV_ENV) $(PY) manage.py migrate --noinput

import: migrate
	$(DEV_ENV) $(PY) manage.py import_articles fixtures/
	$(DEV_ENV) $(PY) manage.py cluster_stories

## Set up everything and serve the demo on http://127.0.0.1:8000 (SQLite, debug on).
# A background worker runs admin uploads (import jobs) beside the development server. The demo
# login is printed last, framed, once the server answers, below the migrate and server output.
run: import
	$(DEV_ENV) $(PY) manage.py import_worker --no-reload & worker=$$!; \
	( for try in $$(seq 120); do \
	    $(PY) -c "import socket; socket.create_connection(('$(HOST)', $(PORT)), 1)" 2>/dev/null && break; \
	    sleep 0.5; \
	  done; sleep 1; \
	  $(DEV_ENV) $(PY) manage.py create_demo_admin --url http://$(HOST):$(PORT)/admin/ ) & login=$$!; \
	trap 'kill $$worker $$login 2>/dev/null' EXIT INT TERM; \
	$(DEV_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

## Production: checks, migrates, collects static files, then gunicorn + an import worker.
## Needs the production environment (docs/production.md): DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL, REDIS_URL...
WORKERS ?= 3
serve: install
	$(PY) manage.py check --deploy --fail-level WARNING
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v 0
	$(PY) manage.py import_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/gunicorn newsroom.wsgi:application -b $(HOST):$(PORT) -w $(WORKERS) --access-logfile -

## Lighthouse for the browser tests' SEO and accessibility audits (npm; skipped without npm).
LIGHTHOUSE := .ci/node/node_modules/.bin/lighthouse
$(LIGHTHOUSE): .ci/node/package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix .ci/node --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the Lighthouse test is skipped (.ci/run installs it)"; fi

## Run the whole test suite (DATABASE_URL=postgres://... to run it on PostgreSQL).
test: install $(LIGHTHOUSE)
	$(VENV)/bin/pytest

## The render fuzz alone, printing its figures: 5,000 hostile articles imported, every page type
## rendered for each, as in `make test` (FUZZ_ARTICLES=20000 for more; DATABASE_URL=postgres://...
## for PostgreSQL; docs/reliability.md).
FUZZ_ARTICLES ?= 5000
fuzz: install
	NEWSROOM_FUZZ_ARTICLES=$(FUZZ_ARTICLES) $(VENV)/bin/pytest -s articles/tests/test_render_fuzz.py

## Run every benchmark and print the tables (BENCH_ARGS="--quick" or "--sizes 10000"): imports and
## pages of 10,000 and 100,000 files (bench/run.py), then the stories evaluation on the whole dev set
## (bench-stories). The full run inserts its tables into docs/benchmarks.md (--write-docs).
bench: install
	$(PY) bench/run.py $(if $(BENCH_ARGS),$(BENCH_ARGS),--write-docs)
	$(MAKE) bench-stories

## Issue 19 at a million files, both engines (hours, not minutes; ~50 GB free disk under bench/out/:
## see docs/benchmarks.md, "Reproduce"). The corpora are generated once and reused by later runs.
bench-1m: install
	$(PY) bench/run.py --sizes 1000000 --write-docs $(BENCH_ARGS)

## Stories: cluster ../shared/stories/dev.csv through the importer and score each method (docs/benchmarks.md).
bench-stories: install
	$(PY) bench/stories_eval.py $(STORIES_ARGS)

## Load test (minutes, not in `make test`): gunicorn + production settings on a scratch PostgreSQL
## database and Redis db 5, 50 clients for 60 s while 10,000 files import (LOAD_ARGS="--duration 120").
load: install
	$(PY) bench/load_test.py $(LOAD_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 var staticfiles test-artifacts bench/out
