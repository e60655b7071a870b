# OnTrack: the two commands are `make demo` and `make test`; each sets itself up.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/postgres
PORT ?= 8000

.PHONY: demo test lint typecheck pytest pytest-fast pytest-spark pytest-postgres venv clean bench help

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

venv: $(STAMP)  ## Create .venv and install OnTrack with every extra and its development tools

$(STAMP): pyproject.toml package-lock.json
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "make: $(PYTHON) not found (OnTrack needs Python 3.11)"; exit 2; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,all]'  # all = spark, postgres, fits (docs/install.md)
	npm ci --no-audit --no-fund --loglevel=error  # NHS.UK frontend and axe-core into node_modules/
	touch $(STAMP)

demo: $(STAMP)  ## Show OnTrack on a worked example (later: start the demo service)
	$(BIN)/ontrack demo --port $(PORT)

lint: $(STAMP)  ## ruff check and format check
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)  ## mypy (strict on the domain packages)
	$(BIN)/mypy

# Hypothesis profiles are defined in tests/conftest.py (docs/testing.md): "ci" is thorough,
# "dev" runs about a tenth of the examples for the edit loop.
pytest: $(STAMP)  ## The whole test suite on SQLite (slow tests too), except the Spark engine tests (make pytest-spark)
	HYPOTHESIS_PROFILE=ci $(BIN)/pytest -p no:cacheprovider -n 2 -m "not spark"

pytest-fast: $(STAMP)  ## The edit loop: everything but slow and Spark tests, Hypothesis "dev" profile
	HYPOTHESIS_PROFILE=dev $(BIN)/pytest -p no:cacheprovider -n 2 -m "not spark and not slow"

pytest-spark: $(STAMP)  ## The analytics engine tests on PySpark local mode: one process, one Spark session
	HYPOTHESIS_PROFILE=ci $(BIN)/pytest -p no:cacheprovider -p no:xdist -m spark

pytest-postgres: $(STAMP)  ## The database tests again on PostgreSQL
	DATABASE_URL=$(PG_URL) HYPOTHESIS_PROFILE=ci $(BIN)/pytest -p no:cacheprovider -n 2 -m "(postgres or django_db) and not spark"

test: lint typecheck pytest pytest-spark pytest-postgres  ## ruff, mypy, pytest on SQLite, the Spark engine tests, then the database tests on PostgreSQL

bench: $(STAMP)  ## List the benchmarks under bench/ (each is a script with --help; figures go to docs/)
	for f in bench/*.py; do echo "== $$f"; $(BIN)/python $$f --help | head -3; done

clean:  ## Remove the virtual environment and caches
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
