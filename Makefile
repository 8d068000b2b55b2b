# The two commands of the README: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test lint bench soak clean install browser-deps richmenu

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

## make run: start the bot on SQLite; without LINE credentials it is a local sandbox.
run: $(STAMP)
	$(BIN)/flask --app linebot_app db upgrade
	PORT=$(PORT) $(BIN)/gunicorn --config gunicorn.conf.py --workers 1 --bind 127.0.0.1:$(PORT) linebot_app.wsgi:app

## make test: every test, on SQLite and on PostgreSQL (skipped with a reason when none answers,
## never under CI=true).
test: $(STAMP) browser-deps
	$(BIN)/pytest -q

## Debian's Chromium for the browser tests (skipped when it cannot be installed, except in CI).
browser-deps:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk fonts-noto-color-emoji >/dev/null) \
		|| echo "could not install chromium: browser tests will skip (fail under CI=true)"; \
	fi

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python -m bench.run_all

## make soak: a steady webhook rate for SOAK_SECONDS (default 1200): worker RSS, inbox age.
soak: $(STAMP)
	$(BIN)/python -m bench.soak

clean:
	rm -rf $(VENV) .pytest_cache instance/*.sqlite3*

## Re-render the rich menu image (needs Debian's fonts-noto-cjk) and the README preview.
richmenu: $(STAMP)
	@fc-list 2>/dev/null | grep -q "Noto Sans CJK" || (apt-get update -qq && apt-get install -y -qq fonts-noto-cjk)
	$(BIN)/flask --app linebot_app richmenu render --preview docs/richmenu.png
