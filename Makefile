# Convene: `make run` starts the demo, `make test` runs the whole suite.
# Both install what they need first (a virtualenv in .venv, npm packages, the
# compiled GOV.UK Frontend assets), so each is the only command a newcomer needs.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run install assets db demo test lint format check-deploy bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

install: $(VENV)/.installed node_modules/.installed

assets: install
	npm run build

db: install
	$(MANAGE) migrate --noinput
	$(MANAGE) load_postcodes --areas KT

demo: db
	$(MANAGE) seed_demo

# Web server and a Celery worker with beat, on the embedded defaults (SQLite,
# filesystem broker). Ctrl-C stops both.
run: assets demo
	@echo ""
	@echo "Convene is starting at http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	@echo ""
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/celery -A platform_core worker --beat --loglevel=warning --concurrency=1 & \
	$(MANAGE) runserver $(HOST):$(PORT)

test: assets
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check-deploy: install
	DEBUG=false SECRET_KEY=check-deploy-only-$$(date +%s)-0123456789abcdefghijklmnopqrstuvwxyz \
	ALLOWED_HOSTS=convene.example.org $(MANAGE) check --deploy --fail-level WARNING

bench: install
	$(BIN)/python benchmarks/bench_matching.py

clean:
	rm -rf var staticfiles static/build
