# The one entry point for people: `make demo`, `make test`, `make bench`, `make lint`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test bench lint sysdeps clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/knock-data demo

# Browser and spreadsheet tests need Debian's chromium and LibreOffice: installed when missing.
sysdeps:
	@sh scripts/ensure-system-deps.sh

test: $(STAMP) sysdeps
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) -m bench

lint: $(STAMP)
	$(VENV)/bin/ruff check knock_data tests bench scripts
	$(VENV)/bin/ruff format --check knock_data tests bench scripts
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) data/out .pytest_cache .mypy_cache .ruff_cache
