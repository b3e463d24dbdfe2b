# The two commands of the README, and a few helpers.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: run test lint format bench

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

## make run: migrate, load demo data, and start web, worker and beat on embedded defaults.
run: $(VENV)/.installed
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(PY) manage.py sync_schedules
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(PY) manage.py demo_data
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(VENV)/bin/honcho start -f Procfile -p $(PORT)

## make test: the whole suite against a throwaway PostgreSQL and Redis.
test: $(VENV)/.installed
	PY=$(PY) scripts/with-services.sh $(PY) -m pytest $(ARGS)

## make bench: throughput and latency figures against a throwaway PostgreSQL and Redis.
bench: $(VENV)/.installed
	PY=$(PY) scripts/with-services.sh $(PY) manage.py bench $(ARGS)

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: $(VENV)/.installed
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .
