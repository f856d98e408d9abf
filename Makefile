# The whole set-up is `make demo` or `make test`: both install what is missing (system packages,
# the .venv with the package, its test extras and the browse extra) and do nothing more when it is all there.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench fuzz setup system readme records clean

setup: system $(STAMP)

system:
	@scripts/system-deps.sh

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,browse]'
	@touch $@

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

demo: setup
	@PATH="$(CURDIR)/$(BIN):$$PATH" scripts/demo.sh

bench: setup
	@for b in benchmarks/*.py; do [ $$b = benchmarks/fuzz.py ] && continue; echo "== $$b"; $(BIN)/python $$b || exit 1; done

# Thousands of hostile exports per importer (minutes): `make fuzz FUZZ_ARGS="--examples 200 --format android"`.
fuzz: setup
	$(BIN)/python benchmarks/fuzz.py $(FUZZ_ARGS)

# Rewrite tests/records_digest.json (tests/test_records_unchanged.py): only for a change meant to change records, named in its commit.
records: setup
	$(BIN)/python -m tests.records_dump --write

readme: setup
	$(BIN)/python scripts/readme_help.py --write
	$(BIN)/python scripts/readme_loop.py --write

clean:
	rm -rf $(VENV) demo build *.egg-info
