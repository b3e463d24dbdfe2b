# The two commands of the README, and a few helpers.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: run test lint format bench sms-reply messages

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

## make bench: throughput and latency figures against a throwaway PostgreSQL and Redis (docs/performance.md).
## A part or smaller sizes: make bench ARGS="--only api,admin --leads 20000".
bench: $(VENV)/.installed
	PY=$(PY) scripts/with-services.sh $(PY) manage.py bench $(ARGS)

## make messages: collect the staff texts into locale/da/LC_MESSAGES/django.po, then compile django.mo (needs gettext).
## Translate the new entries (and those marked fuzzy) in the .po between the two steps, or run it again afterwards.
I18N_IGNORE = --ignore=.venv --ignore=var --ignore=tests --ignore=node_modules
messages: $(VENV)/.installed
	$(PY) manage.py makemessages -l da $(I18N_IGNORE) --add-location=file --no-wrap --no-obsolete
	$(PY) manage.py compilemessages -l da $(I18N_IGNORE)

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: $(VENV)/.installed
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .
