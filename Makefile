# Adoption Journey Tracker: the two-command set-up is `make run` / `make test`.
# Everything installs into $(VENV) from exact pins (setup.cfg + requirements.lock),
# and the web view's front-end packages into node_modules from exact pins
# (package.json + package-lock.json, by `npm ci`), built into web/static.

VENV     ?= .venv
PYTHON   ?= python3
DATA_DIR ?= var
# Extra arguments for pytest, e.g.  make test PYTEST_ARGS='-k postgres -x'
PYTEST_ARGS ?=

NPM   ?= npm

STAMP := $(VENV)/.installed
PIP   := $(VENV)/bin/python -m pip
# npm ci empties node_modules first, so a stamp inside it goes with it.
NPM_STAMP := node_modules/.installed
# The web view's static files (web/static, served at /assets/): see web/assets/build.py.
ASSETS_BUILT := web/static/application.css
ASSETS_SOURCES := web/assets/build.py web/assets/application.js $(wildcard web/assets/*.scss)

# The DfE's 903 validation rules (Data to Insight's csc-validator-be-903) need
# pandas below 2, so they get a virtualenv of their own, never the tracker's,
# installed from exact pins too (requirements-903.lock, a constraints file).
VALIDATOR903_VENV ?= .venv-903
VALIDATOR903 := csc-validator-be-903==0.1.17
VALIDATOR903_LOCK := requirements-903.lock

.PHONY: all install assets run test bench clean validator903

all: test

install: $(STAMP) $(NPM_STAMP) $(ASSETS_BUILT)

# Create the venv when missing and install the project (editable) with its
# test extra, constrained to the exact versions in requirements.lock.
# Nothing unpinned is upgraded (pip/setuptools in the venv stay as created).
# Re-runs whenever the packaging files change.
$(STAMP): setup.cfg pyproject.toml requirements.lock
	@if [ ! -x "$(VENV)/bin/python" ]; then \
		echo ">>> creating virtualenv $(VENV) with $(PYTHON)"; \
		$(PYTHON) -m venv "$(VENV)"; \
	fi
	@echo ">>> installing adoption-journey-tracker[test] into $(VENV) (constraints: requirements.lock)"
	PIP_DISABLE_PIP_VERSION_CHECK=1 $(PIP) install -c requirements.lock -e '.[test]'
	@touch "$@"

# The front-end packages, exactly as package-lock.json has them. No package's
# install scripts run (.npmrc), optional packages (a file watcher with native
# code, which sass only uses for --watch) are left out, and the dev ones (sass,
# axe-core) are installed whatever NODE_ENV says. Re-runs when either file changes.
$(NPM_STAMP): package.json package-lock.json
	@NPM="$(NPM)" $(PYTHON) web/assets/build.py --check-node
	@echo ">>> installing the front-end packages into node_modules (npm ci: package-lock.json)"
	NPM_CONFIG_UPDATE_NOTIFIER=false $(NPM) ci --include=dev --omit=optional --ignore-scripts --no-audit --no-fund
	@touch "$@"

# Builds web/static afresh from node_modules (no network): when missing, or
# when its sources or the packages changed. `make assets` always builds.
$(ASSETS_BUILT): $(NPM_STAMP) $(ASSETS_SOURCES)
	$(PYTHON) web/assets/build.py

assets: $(NPM_STAMP)
	$(PYTHON) web/assets/build.py

# Loads the sample agency on an empty data dir, then runs the tracker.
# (`install`: the venv, node_modules and web/static, each only when out of date.)
# (--data-dir is an option of the `journey` group, so it goes before `run`.)
run: install
	$(VENV)/bin/journey --data-dir "$(DATA_DIR)" run

# pytest's own exit status is kept: failures (1), errors (2..4) and
# "no tests ran" (5) all make `make test` fail.
test: install
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Runs every bench/*.py script (files starting with "_" are helpers) in turn.
bench: $(STAMP)
	@set -e; found=0; \
	for f in bench/*.py; do \
		[ -e "$$f" ] || continue; \
		case "$$(basename "$$f")" in _*) continue ;; esac; \
		found=1; echo ">>> $$f"; \
		"$(VENV)/bin/python" "$$f"; \
	done; \
	if [ "$$found" = 0 ]; then echo "no bench/*.py scripts yet"; fi

# The 903 validator's own virtualenv (the tests make it too when it is missing).
validator903: $(VALIDATOR903_VENV)/.installed

$(VALIDATOR903_VENV)/.installed: $(VALIDATOR903_LOCK)
	@if [ ! -x "$(VALIDATOR903_VENV)/bin/python" ]; then $(PYTHON) -m venv "$(VALIDATOR903_VENV)"; fi
	PIP_DISABLE_PIP_VERSION_CHECK=1 "$(VALIDATOR903_VENV)/bin/python" -m pip install -c "$(VALIDATOR903_LOCK)" "$(VALIDATOR903)"
	@touch "$@"

# Removes the venvs, node_modules and build artefacts (web/static included).
# Never touches the data dir (var/).
clean:
	rm -rf "$(VENV)" "$(VALIDATOR903_VENV)" node_modules web/static build dist .eggs *.egg-info .pytest_cache
	find . \( -path ./.git -o -path ./var -o -path "./$(DATA_DIR)" \) -prune -o \
		-type d -name __pycache__ -prune -exec rm -rf {} +
