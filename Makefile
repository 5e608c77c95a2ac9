# Two commands on a fresh machine: `make serve` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8866

.PHONY: install test unit lint format serve bench bench-class clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

## test: lint, then every test (unit, widgets, nbval, served app, browser)
test: install lint
	$(PY) -m pytest

## unit: the fast domain tests only
unit: install
	$(PY) -m pytest tests -m "not browser and not served" -q

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

## serve: the lessons as apps on http://127.0.0.1:$(PORT)
serve: install
	$(VENV)/bin/alledu serve --port $(PORT)

bench: install
	$(PY) bench/run.py

## bench-class: a class of 30/60/100 arriving at one lesson, default serve vs class mode (~20 min)
bench-class: install
	$(PY) bench/classroom.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache
