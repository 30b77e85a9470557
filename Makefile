# Foresight: `make demo` runs the site on embedded defaults; `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DATA ?= generated
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: demo test install sysdeps messages lint bench

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

# Headless Chromium for the browser tests (Debian's package; never a downloaded build).
sysdeps:
	@if [ ! -x /usr/bin/chromium ]; then \
		if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "Install Debian's chromium package (/usr/bin/chromium) for the browser tests." >&2; exit 1; \
		fi; \
	fi

# Message catalogues are compiled here, never committed as binaries.
messages: install
	$(BIN)/python bin/compile_messages.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: install sysdeps messages
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

demo: install messages
	DATA=$(DATA) PORT=$(PORT) bash bin/demo

bench: install
	$(BIN)/python bench/analysis.py
