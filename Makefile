# Adoption Journey Tracker: the two-command set-up is `make run` / `make test`.
# Everything installs into $(VENV) from exact pins (setup.cfg + requirements.lock).

VENV     ?= .venv
PYTHON   ?= python3
DATA_DIR ?= var
# Extra arguments for pytest, e.g.  make test PYTEST_ARGS='-k postgres -x'
PYTEST_ARGS ?=

STAMP := $(VENV)/.installed
PIP   := $(VENV)/bin/python -m pip

# The DfE's 903 validation rules (Data to Insight's csc-validator-be-903) need
# pandas below 2, so they get a virtualenv of their own, never the tracker's.
VALIDATOR903_VENV ?= .venv-903
VALIDATOR903 := csc-validator-be-903==0.1.17

.PHONY: all install run test bench clean validator903

all: test

install: $(STAMP)

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

# Loads the sample agency on an empty data dir, then runs the tracker.
# (--data-dir is an option of the `journey` group, so it goes before `run`.)
run: $(STAMP)
	$(VENV)/bin/journey --data-dir "$(DATA_DIR)" run

# pytest's own exit status is kept: failures (1), errors (2..4) and
# "no tests ran" (5) all make `make test` fail.
test: $(STAMP)
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

$(VALIDATOR903_VENV)/.installed:
	$(PYTHON) -m venv "$(VALIDATOR903_VENV)"
	PIP_DISABLE_PIP_VERSION_CHECK=1 "$(VALIDATOR903_VENV)/bin/python" -m pip install "$(VALIDATOR903)"
	@touch "$@"

# Removes the venv and build artefacts. Never touches the data dir (var/).
clean:
	rm -rf "$(VENV)" "$(VALIDATOR903_VENV)" build dist .eggs *.egg-info .pytest_cache
	find . \( -path ./.git -o -path ./var -o -path "./$(DATA_DIR)" \) -prune -o \
		-type d -name __pycache__ -prune -exec rm -rf {} +
