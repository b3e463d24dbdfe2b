# The two commands of the README, and a few helpers.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: run test lint format bench sms-reply

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# make run's embedded default: debug on (static files from the apps, local adapters), unless set otherwise.
LOCAL_ENV = DJANGO_DEBUG=$${DJANGO_DEBUG:-true}

## make run: migrate, load demo data, and start web, worker and beat on embedded defaults.
run: $(VENV)/.installed
	$(LOCAL_ENV) $(PY) manage.py migrate --noinput
	$(LOCAL_ENV) $(PY) manage.py sync_schedules
	$(LOCAL_ENV) $(PY) manage.py demo_data
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(LOCAL_ENV) $(VENV)/bin/honcho start -f Procfile -p $(PORT)

## make sms-reply PHONE="31 22 44 55" TEXT=2: answer a booking SMS as the customer would, against `make run`.
sms-reply: $(VENV)/.installed
	$(LOCAL_ENV) $(PY) manage.py sms_reply "$(PHONE)" "$(TEXT)"

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
