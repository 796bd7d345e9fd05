# The two commands of the README's quick start: `make run` and `make test`; `make check` before every commit.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check
PORT ?= 8866

LAB_PORT ?= 8888

.PHONY: run lab test check e2e bench load lint browser hub-proxy

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

## run: install into .venv and serve the scoring app on http://127.0.0.1:$(PORT) (demo data when the store is empty)
run: $(BIN)/python
	$(PIP) install -e ".[app,report]"
	$(BIN)/cchc serve --auth none --port $(PORT)

## lab: install the widget kit with JupyterLab and open it on http://127.0.0.1:$(LAB_PORT) (the address
## with its access token is printed); start with notebooks/kit.ipynb
lab: $(BIN)/python
	$(PIP) install -e ".[app,report,lab]"
	$(BIN)/jupyter lab --no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port=$(LAB_PORT) --ServerApp.port_retries=0 \
	  --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks/kit.ipynb $(if $(filter 0,$(shell id -u)),--allow-root)

## test: install the app and test tools (and Debian's chromium, LibreOffice Calc, PostgreSQL), lint, run every test;
## test files run in parallel on both cores (each file's servers on free ports, in its own data directory)
## and the 25 slowest steps are listed at the end (where CI time goes)
test: $(BIN)/python browser hub-proxy
	$(PIP) install -e ".[app,report,hub,lab,test]"
	$(BIN)/ruff check .
	$(BIN)/pytest -n 2 --dist loadfile --durations=25

## check: the quick answer before a commit (about a minute on 2 cores): ruff, then every test that needs no
## browser, office suite, server or subprocess (markers e2e, slow, external), on both cores. Installs only
## when pyproject.toml changed since the last check.
CHECKED := $(VENV)/.installed-check
$(CHECKED): pyproject.toml | $(BIN)/python
	$(PIP) install -e ".[app,report,test]"
	touch $@
check: $(CHECKED)
	$(BIN)/ruff check .
	$(BIN)/pytest -n 2 -m "not e2e and not slow and not external" tests

## e2e: only the browser tests
e2e: $(BIN)/python browser hub-proxy
	$(PIP) install -e ".[app,report,hub,lab,test]"
	$(BIN)/pytest -m e2e

## bench: print speed figures beside their baselines
bench: $(BIN)/python browser
	$(PIP) install -e ".[app,report,test]"
	$(BIN)/python bench/engine_bench.py
	$(BIN)/python bench/uncertainty_bench.py
	$(BIN)/python bench/excel_bench.py
	$(BIN)/python bench/import_bench.py
	$(BIN)/python bench/voila_bench.py
	$(BIN)/python bench/kit_bench.py
	$(BIN)/python bench/save_bench.py
	$(BIN)/python bench/kernel_bench.py
	$(BIN)/python bench/hostile_bench.py --baseline

## load: many people at once (bench/load_bench.py; about 12 minutes, so not part of bench):
## N = 10, 20, 30 people one after the other on `cchc serve`'s defaults (kernels forked from the warm
## parent, none kept ready), beside kernels started as new interpreters: one fresh server each way
load: $(BIN)/python
	$(PIP) install -e ".[app,report,test]"
	$(BIN)/python bench/load_bench.py --sizes 10,20,30 --kernels fork,popen

lint: $(BIN)/python
	$(BIN)/ruff check .

## browser: Debian's chromium for the end-to-end tests (Playwright drives it; it downloads no browser),
## LibreOffice Calc (headless) to check that the results workbook opens, and PostgreSQL's server
## binaries (the tests start a throwaway server on a free loopback port; nothing runs as a service),
## poppler's pdftotext (the printed scoring sheet's text is read back page by page), and Liberation
## Serif, Times New Roman's metrics, the font Nghị định 30 asks of the report and the printed sheet;
## and nginx, the reverse proxy in front of several `cchc serve` (deploy/nginx.conf; tests/e2e/test_proxy.py
## runs two servers behind it, as the user running the tests, with no service started)
DEBIAN_PACKAGES := chromium libreoffice-calc-nogui postgresql poppler-utils fonts-liberation nginx
browser:
	@command -v chromium >/dev/null 2>&1 && command -v libreoffice >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1 \
	  && fc-list | grep -q "Liberation Serif" && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
	  && test -x /usr/sbin/nginx || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBIAN_PACKAGES) >/dev/null; \
	  else echo "The tests need Debian's $(DEBIAN_PACKAGES): sudo apt-get install $(DEBIAN_PACKAGES)"; exit 1; fi; }

## hub-proxy: JupyterHub's configurable-http-proxy from npm, in the checkout (.cache/hub-proxy);
## deploy/jupyterhub_config.py and the JupyterHub test use it (Node comes from Debian if missing)
HUB_PROXY := .cache/hub-proxy/node_modules/.bin/configurable-http-proxy
hub-proxy: $(HUB_PROXY)
$(HUB_PROXY):
	@command -v npm >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; \
	  else echo "JupyterHub's proxy needs Node's npm: sudo apt-get install nodejs npm"; exit 1; fi; }
	npm install --prefix .cache/hub-proxy --no-audit --no-fund --loglevel=error configurable-http-proxy@4
