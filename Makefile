# Hopquy's front door. `make run` serves the sample registry; `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup run test test-fast lint openapi lock bench-import clean

setup: $(STAMP)
	@$(PY) -m search.binary >/dev/null

# every dependency at the version and hashes of requirements.lock, then Hopquy itself
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

# after a change to the dependencies in pyproject.toml: pin them again, with their hashes
lock:
	$(PY) -m pip install --quiet pip-tools
	$(VENV)/bin/pip-compile --quiet --extra test --generate-hashes --strip-extras --allow-unsafe \
		--no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml

run: setup
	HOPQUY_MIGRATE=auto $(VENV)/bin/hopquy serve --sample-if-empty

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
