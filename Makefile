# Lantou: `make run` serves the product with its jobs; `make test` runs every check.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# make run listens on this machine only; HOST=0.0.0.0 shows it to the network (a phone on the same Wi-Fi).
HOST ?= 127.0.0.1

# Django 6 needs Python 3.12+: take the newest interpreter found on PATH (or through pyenv); PYTHON=... overrides.
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12; do \
	  if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys' >/dev/null 2>&1; then echo $$p; exit; fi; done; \
	  if command -v pyenv >/dev/null 2>&1; then for v in $$(pyenv versions --bare 2>/dev/null | grep -E '^3\.1[2-9]' | sort -rV); do \
	    p=$$(pyenv prefix $$v 2>/dev/null)/bin/python3; if [ -x $$p ]; then echo $$p; exit; fi; done; fi; \
	  echo python3)

.PHONY: run test install lint format messages bench clean api-fuzz

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# The product defaults to production behaviour; make run asks for the development profile and signs its sessions
# with a key of its own, kept in .run/ so that logins survive a restart.
.run/secret_key:
	mkdir -p .run
	umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@

run: export DEBUG = 1
run: export SECRET_KEY ?= $(shell cat .run/secret_key 2>/dev/null)
# Links in e-mails (survey invitations) point at this server unless SITE_URL says otherwise.
run: export SITE_URL ?= http://localhost:$(PORT)
run: install .run/secret_key
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --scale small
	@echo "Lantou is starting on http://$(HOST):$(PORT)/ (Ctrl-C stops the web server, the worker and beat)"
	@$(PY) bin/serve --host $(HOST) --port $(PORT) --schedule .run/celerybeat-schedule

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	DJANGO_SETTINGS_MODULE=tests.settings $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=tests.settings $(PY) manage.py check
	$(VENV)/bin/pytest -n $${TEST_WORKERS:-auto} --dist loadgroup

# The schemathesis test of make test with many more examples per operation: the long, thorough run.
api-fuzz: install
	API_FUZZ_EXAMPLES=$${API_FUZZ_EXAMPLES:-25} $(VENV)/bin/pytest tests/test_contract_schemathesis.py -n $${TEST_WORKERS:-auto}

lint: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Extract UI strings into the Chinese catalogues and compile them (needs GNU gettext; compiled files are
# committed so a fresh clone needs no gettext). Each app keeps its own catalogue in <app>/locale/; the
# top-level locale/ holds the shell (templates/, config/, accounts/).
APPS_WITH_CATALOGUES := pipeline visits quota satisfaction agenda targets dashboard outbox health audit volumes integrations
messages: install
	DJANGO_SETTINGS_MODULE=tests.settings $(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=staticfiles --ignore=bench --ignore=tests \
	  $(foreach app,$(APPS_WITH_CATALOGUES),--ignore=$(app))
	for app in $(APPS_WITH_CATALOGUES); do [ -d $$app/locale ] && (cd $$app && ../$(VENV)/bin/django-admin makemessages -l zh_Hans); done; true
	DJANGO_SETTINGS_MODULE=tests.settings $(PY) manage.py compilemessages --ignore=.venv

bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) .run staticfiles
