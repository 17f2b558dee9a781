# Two commands a newcomer needs: `make run` and `make test`. Both create the virtualenv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 3000
export PYTHONPATH := layers/common/python:.
export SAM_CLI_TELEMETRY := 0

.PHONY: run test lint typecheck validate build bench fuzz clean

# checkov pins older boto3/botocore and others than requirements-dev.txt: it gets a virtualenv of its own.
CHECKOV_VENV := .venv-checkov

$(VENV)/.installed: requirements-dev.txt layers/deps/requirements.txt layers/deps/requirements-tracing.txt
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

# Lambda runs the code on 3.13, tests and the runner on 3.11: type-check against both stdlibs.
typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy layers/common/python/storecrm functions localrunner bench fuzz
	$(VENV)/bin/mypy --python-version 3.13 layers/common/python/storecrm functions

$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -r requirements-checkov.txt
	touch $@

# cfn-lint's informational checks too (stateful resources' policies, queue retention); checkov with the
# skips .checkov.yaml justifies.
validate: $(VENV)/.installed $(CHECKOV_VENV)/.installed
	$(VENV)/bin/sam validate --lint
	$(VENV)/bin/cfn-lint --include-checks I -- template.yaml
	$(CHECKOV_VENV)/bin/checkov --config-file .checkov.yaml

## build: sam build without Docker or a python3.13 interpreter (see the build-* targets below)
build: $(VENV)/.installed
	$(VENV)/bin/sam build

## bench: cold-import ratios, AWS calls per request, items read per find page over 20,000 profiles
##        (prints figures, never fails on timings)
bench: $(VENV)/.installed
	$(PY) -m bench

## fuzz: schemathesis against a fresh local runner with a staff token (prints requests and failures)
fuzz: $(VENV)/.installed
	$(PY) -m fuzz --max-examples $(or $(FUZZ_EXAMPLES),50) --min-requests 5000

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache .schemathesis

# ---------------------------------------------------------------- sam build targets
# template.yaml builds every function and layer with `BuildMethod: makefile` and this file as
# its ContextPath. sam runs `make build-<LogicalId>` in a scratch copy of the resource's CodeUri
# with ARTIFACTS_DIR set. Wheels are chosen for the Lambda target (python3.13 on arm64), not for
# this machine, so the bundle is right whatever interpreter runs the build.
LAMBDA_PIP = $(PYTHON) -m pip install --quiet --disable-pip-version-check --no-compile \
	--implementation cp --python-version 3.13 --abi cp313 \
	--platform manylinux2014_aarch64 --platform manylinux_2_28_aarch64 --only-binary=:all:
COPY_SOURCE = tar --exclude=__pycache__ --exclude='*.pyc' -cf - . | tar -xf - -C

# pycountry's translations (22 MB) go: storecrm.kernel.geo answers the English ISO names only.
build-DepsLayer:
	$(LAMBDA_PIP) --target "$(ARTIFACTS_DIR)/python" -r requirements.txt
	$(LAMBDA_PIP) --target "$(ARTIFACTS_DIR)/python" --no-deps -r requirements-tracing.txt
	rm -rf "$(ARTIFACTS_DIR)/python/pycountry/locales" "$(ARTIFACTS_DIR)/python/pycountry/tests"

build-CommonLayer:
	mkdir -p "$(ARTIFACTS_DIR)/python"
	cd python && $(COPY_SOURCE) "$(ARTIFACTS_DIR)/python"

# A function's own requirements.txt (stripe, for the few that take payments) goes beside its code.
build-%Function:
	$(COPY_SOURCE) "$(ARTIFACTS_DIR)"
	if [ -f requirements.txt ]; then $(LAMBDA_PIP) --target "$(ARTIFACTS_DIR)" -r requirements.txt; fi
