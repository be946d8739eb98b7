# The one entry point for people: `make demo`, `make test`, `make check`, `make bench`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# A second environment with the lowest version of every dependency pyproject.toml allows.
LOWEST ?= .venv-lowest
LOWEST_STAMP := $(LOWEST)/.installed
# The quick loop: everything but the real kernel and the browser.
FAST := not notebook and not browser

.PHONY: demo test test-fast test-lowest coverage check lint bench bench-1m sysdeps clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

$(LOWEST_STAMP): pyproject.toml constraints/lowest.txt
	test -x $(LOWEST)/bin/python || $(PYTHON) -m venv $(LOWEST)
	$(LOWEST)/bin/python -m pip install -q --upgrade pip
	$(LOWEST)/bin/python -m pip install -q -c constraints/lowest.txt -e '.[dev]'
	touch $(LOWEST_STAMP)

demo: $(STAMP)
	$(VENV)/bin/knock-data demo

# Browser and spreadsheet tests need Debian's chromium and LibreOffice: installed when missing.
sysdeps:
	@sh scripts/ensure-system-deps.sh

test: $(STAMP) sysdeps
	$(PY) -m pytest

test-fast: $(STAMP) sysdeps
	$(PY) -m pytest -m "$(FAST)"

# The quick loop on the lowest versions (constraints/lowest.txt), as pyproject.toml claims.
test-lowest: $(LOWEST_STAMP) sysdeps
	$(LOWEST)/bin/python -m pytest -m "$(FAST)"

# Line and branch coverage of knock_data over the whole suite (figure in CONTRIBUTING.md).
coverage: $(STAMP) sysdeps
	$(PY) -m pytest --cov --cov-report=term-missing:skip-covered

# Lint, format and types in seconds: CI runs it before the suite; so does pre-commit.
check: $(STAMP)
	$(VENV)/bin/ruff check
	$(VENV)/bin/ruff format --check
	$(VENV)/bin/mypy

lint: check

bench: $(STAMP)
	$(PY) -m bench

# A million prospects end to end, each step's time and peak memory (tens of minutes): not in
# `make bench`. The table goes to data/out/scale_1m.md.
bench-1m: $(STAMP)
	$(PY) -m bench.scale_1m

clean:
	rm -rf $(VENV) $(LOWEST) data/out .pytest_cache .mypy_cache .ruff_cache .coverage htmlcov
