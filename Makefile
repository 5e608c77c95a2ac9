# Two commands on a fresh machine: `make serve` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8866

.PHONY: install test unit lint format serve bench bench-class clean browser-deps node-deps

SERVE_STAMP := $(VENV)/.installed-serve

# what serving needs (requirements-serve.txt): `make serve` stops here (no test, browser or hub tools)
$(SERVE_STAMP): requirements-serve.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-serve.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(SERVE_STAMP)

# everything for development and CI (requirements.txt includes the serve set)
$(STAMP): $(SERVE_STAMP) requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

## test: lint, then every test (unit, widgets, lessons run by nbval, served app, browser)
test: install lint browser-deps node-deps
	$(PY) -m pytest

## browser-deps: Debian's Chromium for the browser tests, when this user may install it
browser-deps:
	@if [ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] || sudo -n true 2>/dev/null; then \
	  bash .ci/browser-deps.sh && exit 0; \
	  echo "*** alledu: installing Chromium with .ci/browser-deps.sh FAILED (see above)." >&2; \
	else \
	  echo "*** alledu: Chromium is missing and this user cannot install it (needs root or passwordless sudo)." >&2; \
	fi; \
	echo "*** alledu: the browser tests will be SKIPPED here (under CI=true they fail instead)." >&2; \
	echo "*** alledu: to run them: sudo bash .ci/browser-deps.sh, then make test again." >&2

## node-deps: axe-core for the accessibility tests (npm ci, pinned by package-lock.json), again
## whenever package.json or the lock file changes. npm comes from .ci/hub-deps.sh (Debian's nodejs).
NODE_STAMP := node_modules/.installed

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

node-deps:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(NODE_STAMP); else \
	  echo "*** alledu: npm is missing: the accessibility tests will be SKIPPED here (under CI=true they fail)." >&2; \
	  echo "*** alledu: to run them: sudo bash .ci/hub-deps.sh (installs Debian's nodejs and npm), then make test." >&2; \
	fi

## unit: the fast domain tests only
unit: install
	$(PY) -m pytest tests -m "not browser and not served" -q

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

## serve: the lessons as apps on http://127.0.0.1:$(PORT) (installs only what serving needs)
serve: $(SERVE_STAMP)
	$(VENV)/bin/alledu serve --port $(PORT)

bench: install
	$(PY) bench/run.py
	$(PY) bench/weight.py

## bench-class: a class of 30/60/100 arriving at one lesson, default serve vs class mode (~20 min)
bench-class: install
	$(PY) bench/classroom.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache

## hub: JupyterHub for a class on http://127.0.0.1:$(HUB_PORT): a temporary learner server per
## browser (deploy/jupyterhub, docs/deploy.md). State (database, cookie secret) in $(HUB_STATE).
HUB_PORT ?= 8000
HUB_STATE ?= .hub
HUB_PROXY_STAMP := deploy/jupyterhub/node_modules/.installed

.PHONY: hub hub-deps

$(HUB_PROXY_STAMP): deploy/jupyterhub/package.json deploy/jupyterhub/package-lock.json
	npm ci --prefix deploy/jupyterhub --no-audit --no-fund --loglevel=error
	touch $(HUB_PROXY_STAMP)

## hub-deps: the Python packages and configurable-http-proxy (npm ci, pinned by the lock file)
hub-deps: install $(HUB_PROXY_STAMP)

hub: hub-deps
	HUB_PORT=$(HUB_PORT) ALLEDU_HUB_STATE=$(HUB_STATE) $(VENV)/bin/jupyterhub -f deploy/jupyterhub/jupyterhub_config.py
