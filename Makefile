# Hopquy's front door. `make run` serves the sample registry; `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup run test test-fast lint openapi bench-import clean

setup: $(STAMP)
	@$(PY) -m search.binary >/dev/null

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

run: setup
	$(VENV)/bin/hopquy serve --sample-if-empty

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

# everything but the browser, end-to-end and slow tests, on SQLite, on every core: for the
# edit-test loop (the whole suite stays serial: its kill and stop tests keep time)
test-fast: setup
	HOPQUY_TEST_POSTGRES_URL= HOPQUY_TEST_REQUIRE_ALL= $(PY) -m pytest -m "not browser and not e2e and not slow" \
		-k "not postgresql" -n auto $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache

# the API's contract, checked in: review its diff whenever an answer's shape changes
openapi: setup
	$(PY) -m tests.public_site.test_contract

clean:
	rm -rf $(VENV) var .pytest_cache
