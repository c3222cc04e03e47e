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
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -q "Noto Sans CJK"; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk gettext >/dev/null; \
	fi

demo: install
	$(BIN)/dangjian migrate --noinput -v0
	$(BIN)/dangjian compilemessages -v0 --ignore=.venv 2>/dev/null || true
	$(BIN)/dangjian demo --if-empty
	@echo ""
	@echo "演示系统地址: http://$(HOST):$(PORT)/"
	@echo "演示账号（密码均为 demo12345）:"
	@echo "  admin     系统管理员（县委）"
	@echo "  gongwei   工委管理员（县直机关工委）"
	@echo "  dangwei   党委管理员（第一个党委）"
	@echo "  zhibu     支部书记（该党委下的一个支部）"
	@echo "  zhibu2    支部书记（另一个党委下的支部）"
	@echo "  dangyuan  党员（zhibu 所在支部）"
	@echo "  shenji    审计员（县直机关工委）"
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
