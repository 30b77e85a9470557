# Foresight: `make demo` runs the site on embedded defaults; `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DATA ?= generated
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: demo test install lock lockcheck typecheck sysdeps messages lint bench

# Installs come from the lock files (every package pinned, with hashes), compiled
# from requirements*.txt by `make lock`; pip refuses anything whose hash differs.
PIP_VERSION := 26.3
LOCK_PYTHON := 3.11
UV_COMPILE = $(BIN)/uv pip compile --quiet --generate-hashes --universal \
	--python-version $(LOCK_PYTHON) --custom-compile-command "make lock"

$(BIN)/.installed: requirements.lock requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet pip==$(PIP_VERSION)
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

install: $(BIN)/.installed

# Refresh the locks after editing requirements*.txt. Versions already locked are
# kept where the requirements allow; `make lock UV_ARGS=--upgrade` moves the
# unpinned dependencies to their newest releases. The dev lock is constrained by
# the runtime lock, so both install the same versions of what they share.
lock: install
	$(UV_COMPILE) $(UV_ARGS) requirements.txt -o requirements.lock
	$(UV_COMPILE) $(UV_ARGS) requirements-dev.txt -c requirements.lock \
		-o requirements-dev.lock
	$(UV_COMPILE) $(UV_ARGS) requirements-mlbackend.txt -c requirements.lock \
		-o requirements-mlbackend.lock

# Cheap and offline, with the system Python: runs before the install.
lockcheck:
	@$(PYTHON) bin/check_lock.py

# Formatting everywhere; types where the domain logic lives (pyproject.toml).
typecheck: install
	$(BIN)/ruff format --check .
	$(BIN)/mypy

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

test: lockcheck install sysdeps messages
	$(BIN)/ruff check .
	$(MAKE) --no-print-directory typecheck
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

demo: install messages
	DATA=$(DATA) PORT=$(PORT) bash bin/demo

bench: install
	$(BIN)/python bench/analysis.py
