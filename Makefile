# Two commands for a fresh machine: `make demo` runs the product, `make test` passes the tests.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export DANGJIAN_VAR_DIR ?= $(CURDIR)/var

.PHONY: demo test install install-dev runtime-deps system-deps lint serve clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"

# Debian packages the product needs for its PDFs (letters, forms): CJK fonts and Pango for WeasyPrint
# (root, no sudo on these machines).
runtime-deps:
	@if ! fc-list 2>/dev/null | grep -q "Noto Serif CJK" || ! ldconfig -p | grep -q libpangoft2; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 >/dev/null; \
	fi

# What the tests need besides: a browser, pdftoppm to look at PDFs, gettext for the catalogue.
system-deps: runtime-deps
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1 || ! command -v msgfmt >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils gettext >/dev/null; \
	fi

demo: install runtime-deps
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
