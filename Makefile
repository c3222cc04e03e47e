# Two commands for a fresh machine: `make demo` runs the product, `make test` passes the tests.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export DANGJIAN_VAR_DIR ?= $(CURDIR)/var

.PHONY: demo test install install-dev system-deps lint serve clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"

# Debian packages the browser tests and PDFs need (root, no sudo on these machines).
system-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -q "Noto Serif CJK"; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk poppler-utils gettext >/dev/null; \
	fi

demo: install
	$(BIN)/dangjian migrate --noinput -v0
	$(BIN)/dangjian demo --if-empty
	@echo ""
	@echo "演示系统地址: http://$(HOST):$(PORT)/"
	@echo ""
	$(BIN)/dangjian serve --host $(HOST) --port $(PORT)

test: install-dev system-deps
	$(BIN)/ruff check .
	$(BIN)/dangjian makemigrations --check --dry-run -v0
	$(BIN)/python -m pytest -n 2 -p no:cacheprovider

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) var
