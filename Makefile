# Convene: `make run` starts the demo, `make test` runs the whole suite.
# Both install what they need first (a virtualenv in .venv, npm packages, the
# compiled GOV.UK Frontend assets), so each is the only command a newcomer needs.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# `make test` runs the suite in this many processes (pytest-xdist; `auto`: one a core),
# each on a test database of its own (test_<name>_gw0, ...). PYTEST_WORKERS=0 runs it in one.
# Work is shared out by stealing (an idle worker takes half of another's queue), so the few
# long tests (the API fuzzing, the 100,000-row query counts) don't leave a core idle at the end.
PYTEST_WORKERS ?= auto
# Coverage of services and selectors (the rules) below this fails `make test` and CI.
COVERAGE_FLOOR ?= 90
RULES := */services.py,*/services/*,*/selectors.py,*/selectors/*

.PHONY: run install assets messages makemessages db demo test lint format check-deploy bench clean

# DEBUG is off by default (settings.py); the local demo turns it on.
run db demo: export DEBUG ?= true

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

# Translations: the catalogues (locale/<lang>/LC_MESSAGES/django.po) are kept in
# git; their compiled .mo files are built here, only when a .po changed, with
# GNU gettext's msgfmt (Debian package `gettext`). See docs/decisions/0016-languages.md.
PO_FILES := $(wildcard locale/*/LC_MESSAGES/django.po)
MO_FILES := $(PO_FILES:.po=.mo)

%.mo: %.po
	@command -v msgfmt >/dev/null || { echo "msgfmt not found: install GNU gettext (apt-get install gettext)"; exit 1; }
	msgfmt --check-format -o $@ $<

messages: $(MO_FILES)

# After changing strings: extract them into the catalogues, then translate the new ones.
makemessages: install
	$(MANAGE) makemessages --locale cy --no-obsolete --add-location file \
		--ignore '.venv/*' --ignore 'node_modules/*' --ignore 'static/*' --ignore 'staticfiles/*' --ignore 'var/*'

db: install messages
	$(MANAGE) migrate --noinput
	$(MANAGE) load_postcodes --areas KT

demo: db
	$(MANAGE) seed_demo

# Web server and a Celery worker with beat, on the embedded defaults (SQLite,
# filesystem broker). Ctrl-C stops both. A worker that dies is started again
# (a backstop: the worker is built not to exit on a broker outage, ADR 0010).
run: assets messages demo
	@echo ""
	@echo "Convene is starting at http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	@echo ""
	@trap 'kill 0' INT TERM EXIT; \
	while true; do \
		$(BIN)/celery -A platform_core worker --beat --loglevel=warning --concurrency=1 --without-gossip --without-mingle; \
		echo "The Celery worker exited (status $$?); starting it again in 2 s." >&2; sleep 2; \
	done & \
	$(MANAGE) runserver $(HOST):$(PORT)

# The whole suite under coverage, on every core; prints the figures and fails below the floor.
test: assets messages
	$(BIN)/python -m pytest --cov --cov-report= -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)
	@echo "Coverage of the apps' code: $$($(BIN)/coverage report --format=total)%"
	@echo "Coverage of services and selectors: $$($(BIN)/coverage report --include='$(RULES)' --format=total)% (floor $(COVERAGE_FLOOR)%)"
	@$(BIN)/coverage report --include='$(RULES)' --fail-under=$(COVERAGE_FLOOR) > /dev/null || \
		{ echo "FAIL: coverage of services and selectors is below $(COVERAGE_FLOOR)%"; \
		  $(BIN)/coverage report --include='$(RULES)' --skip-covered --sort=cover; exit 1; }

# Style, the import contracts (.importlinter), types of services, selectors and
# the engine (pyproject.toml [tool.mypy]), and no model change without its migration.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run

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
