# Waybill — see README.md. Every target creates .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint format services stop-services bench venv migrate browser screenshots

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: venv
	$(PY) scripts/run.py

# The browser tests drive Debian's chromium (Playwright cannot download its own browser here).
CHROMIUM := /usr/bin/chromium
browser:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else echo "The browser tests need Debian's chromium at $(CHROMIUM): run 'sudo apt-get install -y chromium' (or make test as root)." >&2; exit 1; fi; }

# Two pytest workers (pytest-xdist), one per core of the CI machine; each has its own test
# database and Redis database (tests/xdist_env.py). TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2
test: venv lint browser
	$(PY) scripts/with_services.py $(PY) manage.py makemigrations --check --dry-run
	$(PY) scripts/with_services.py $(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

services: venv
	$(PY) scripts/services.py start

stop-services: venv
	$(PY) scripts/services.py stop

migrate: venv
	$(PY) scripts/with_services.py $(PY) manage.py migrate

bench: venv
	$(PY) -m routing.solver.bench benchmarks/instances/solomon/*.vrp --time-limit 2

# Board, route and tracking page screenshots for the README (docs/screenshots/).
screenshots: venv browser
	WAYBILL_SCREENSHOTS=1 $(PY) scripts/with_services.py $(PY) -m pytest tests/browser/test_handover.py tests/browser/screenshots.py tests/browser/screenshots_pages.py tests/browser/screenshots_fixes.py tests/browser/screenshots_handover.py tests/browser/screenshots_pickups.py tests/browser/screenshots_fleet.py tests/browser/screenshots_today.py tests/browser/test_navigation.py -q
