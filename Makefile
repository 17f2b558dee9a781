# Two commands a newcomer needs: `make run` and `make test`. Both create the virtualenv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 3000
export PYTHONPATH := layers/common/python:.
export SAM_CLI_TELEMETRY := 0

.PHONY: run test lint typecheck validate build bench clean

$(VENV)/.installed: requirements-dev.txt layers/deps/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

## run: the whole system on http://127.0.0.1:$(PORT) (moto stands in for AWS)
run: $(VENV)/.installed
	$(PY) -m localrunner --port $(PORT)

## test: lint, types, template checks, then unit, integration and end-to-end tests
test: $(VENV)/.installed lint typecheck validate
	$(PY) -m pytest -n 2 tests

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy layers/common/python/storecrm functions localrunner bench

validate: $(VENV)/.installed
	$(VENV)/bin/sam validate --lint

## build: sam build without Docker (the interpreter matches the python3.11 runtime)
build: $(VENV)/.installed
	$(VENV)/bin/sam build

## bench: cold-import ratios, AWS calls per request, items read per find page over 20,000 profiles
##        (prints figures, never fails on timings)
bench: $(VENV)/.installed
	$(PY) -m bench

clean:
	rm -rf $(VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache
