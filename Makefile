# Waybill — see README.md. Every target creates .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint format services stop-services bench venv migrate

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: venv
	$(PY) scripts/run.py

test: venv lint
	$(PY) scripts/with_services.py $(PY) manage.py makemigrations --check --dry-run
	$(PY) scripts/with_services.py $(PY) -m pytest $(PYTEST_ARGS)

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
	$(PY) -m routing.solver.bench ../shared/benchmarks/solomon/*.vrp --time-limit 2
