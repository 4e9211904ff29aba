# tradeprice: the interface people and CI use. `make help` lists the targets.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
VENV := .venv
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
SCAN_VENV := .venv-scan
ENV ?= dev
REGION ?= eu-west-2
RUN_ARGS ?=
PYTEST_ARGS ?= -n auto
# make key / make token / make revoke: the local stack's moto port, or a deployed stack (STACK=<name>, in REGION).
MOTO_PORT ?= 5000
STACK ?=
TTL ?= 900
KID ?=
FUZZ_EXAMPLES ?= 100
CREDENTIALS_TARGET = $(if $(STACK),--stack $(STACK) --region $(REGION),--moto-port $(MOTO_PORT))

export SAM_CLI_TELEMETRY := 0
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help venv sam-venv scan-venv node-deps run key token revoke staff test fuzz template-check scan lint format bench build bytecode deploy clean chromium

help: ## List the targets
	@echo "Usage: make <target> [ENV=dev|prod] [RUN_ARGS='--port 3000'] [MOTO_PORT=5000] [PYTEST_ARGS='-n auto']"
	@echo
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(VENV)/.installed: requirements-dev.txt layers/tradeprice/requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	$(VENV)/bin/pip install --quiet --no-deps -e .
	touch $@

venv: $(VENV)/.installed ## Create .venv: dev and test tools, the package editable (reruns when requirements change)

# The SAM CLI pins its own boto3, click and pydantic, so it lives apart from the runtime's dependencies.
$(SAM_VENV)/.installed: requirements-sam.txt
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet -r requirements-sam.txt
	touch $@

sam-venv: $(SAM_VENV)/.installed ## Create .venv-sam with the SAM CLI (reruns when requirements-sam.txt changes)

# checkov's dependency tree pins versions the runtime's would fight, so the scanners live apart too.
$(SCAN_VENV)/.installed: requirements-scan.txt
	$(PYTHON) -m venv $(SCAN_VENV)
	$(SCAN_VENV)/bin/pip install --quiet -r requirements-scan.txt
	touch $@

scan-venv: $(SCAN_VENV)/.installed ## Create .venv-scan with bandit, checkov and pip-audit (reruns when requirements-scan.txt changes)

# newman (Postman's runner) for the e2e test that runs docs/postman; npm ci installs package-lock.json's versions.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

node-deps: node_modules/.installed ## Install the Node tools the tests use (newman) into node_modules (npm ci)

run: venv ## Run the stack locally: moto as AWS (on MOTO_PORT), the API on http://127.0.0.1:3000/dev, demo keys and data
	$(VENV)/bin/python -m devstack --moto-port $(MOTO_PORT) $(RUN_ARGS)

# Both print only the credential on stdout, so `KEY=$$(make -s key ...)` captures it.
key: venv ## Create an API key, printed once: make key NAME=erp SCOPES=write,read [SOURCE=erp] [STACK=<deployed stack> REGION=...]
	@if [ -z "$(NAME)" ] || [ -z "$(SCOPES)" ]; then \
	  echo "usage: make key NAME=<holder> SCOPES=write,read,admin [STACK=<deployed stack> REGION=<region>]" >&2; exit 2; \
	fi
	@$(VENV)/bin/python -m devstack.credentials $(CREDENTIALS_TARGET) key --name "$(NAME)" --scopes "$(SCOPES)" \
	  $(if $(SOURCE),--source "$(SOURCE)")

revoke: venv ## Revoke an API key: make revoke KEY_ID=<the 12 characters after tp_> [STACK=<deployed stack> REGION=...]
	@if [ -z "$(KEY_ID)" ]; then \
	  echo "usage: make revoke KEY_ID=<key id, or the whole key> [STACK=<deployed stack> REGION=<region>]" >&2; exit 2; \
	fi
	@$(VENV)/bin/python -m devstack.credentials $(CREDENTIALS_TARGET) revoke --key-id "$(KEY_ID)"

token: venv ## Mint a customer token: make token CUSTOMER=C-1001 [TTL=900] [KID=k1] [STACK=<deployed stack> REGION=...]
	@if [ -z "$(CUSTOMER)" ]; then \
	  echo "usage: make token CUSTOMER=<customer id> [TTL=900] [KID=<key id>] [STACK=<deployed stack> REGION=<region>]" >&2; \
	  exit 2; \
	fi
	@$(VENV)/bin/python -m devstack.credentials $(CREDENTIALS_TARGET) token --customer "$(CUSTOMER)" --ttl "$(TTL)" \
	  $(if $(KID),--kid "$(KID)")

# The console's browser tests drive Debian's Chromium through Playwright (Playwright's own browser download is not
# used). Installed once, when missing; apt-get needs root, as on CI and the dev machines.
CHROMIUM ?= /usr/bin/chromium

chromium: ## Install Debian's Chromium for the browser tests, when it is missing
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  echo "Installing Chromium (Debian package) for the console's browser tests..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

staff: venv ## Invite a console user: make staff EMAIL=jo@merchant.example GROUP=admin|staff [STACK=<deployed stack> REGION=...]
	@if [ -z "$(EMAIL)" ] || [ -z "$(GROUP)" ]; then \
	  echo "usage: make staff EMAIL=<email> GROUP=admin|staff [STACK=<deployed stack> REGION=<region>]" >&2; exit 2; \
	fi
	@$(VENV)/bin/python -m devstack.staff --email "$(EMAIL)" --group "$(GROUP)" \
	  $(if $(STACK),--stack $(STACK) --region $(REGION),--moto-port $(MOTO_PORT))

test: venv sam-venv template-check node-deps chromium ## Check the template, then run every test (unit, integration, e2e, browser)
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# schemathesis.toml says which schemathesis defaults this API differs from, and why.
fuzz: venv ## Fuzz the API on the local stack: schemathesis, every check and phase (stateful too), FUZZ_EXAMPLES=100 per operation
	@rm -f .schemathesis/fuzz-report.txt
	@FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(VENV)/bin/pytest -p no:xdist -q tests/e2e/test_api_fuzz.py \
	  -k schemathesis_with_every_check; status=$$?; cat .schemathesis/fuzz-report.txt 2>/dev/null; exit $$status

template-check: venv sam-venv ## Lint and validate template.yaml (cfn-lint, sam validate, sam validate --lint)
	$(VENV)/bin/cfn-lint template.yaml
	AWS_DEFAULT_REGION=$(REGION) $(SAM) validate --template-file template.yaml --region $(REGION)
	AWS_DEFAULT_REGION=$(REGION) $(SAM) validate --lint --template-file template.yaml --region $(REGION)

# Each suppression is justified where it is: `# nosec Bxxx  # why` in the code, a checkov skip with a comment
# in the resource's Metadata. pip-audit needs PyPI's JSON API: where that cannot be reached it says so and the
# build goes on, but a known vulnerability always fails it.
scan: scan-venv ## Security scanners: bandit (code), checkov (template.yaml), pip-audit (the layer's dependencies)
	$(SCAN_VENV)/bin/bandit -q -c pyproject.toml -r layers/tradeprice/tradeprice functions devstack
	$(SCAN_VENV)/bin/checkov -f template.yaml --framework cloudformation --compact --quiet --skip-download
	@rc=0; out="$$($(SCAN_VENV)/bin/pip-audit -r layers/tradeprice/requirements.txt --progress-spinner off 2>&1)" || rc=$$?; \
	echo "$$out"; \
	if grep -qE "Found [0-9]+ known vulnerabilit" <<<"$$out"; then exit 1; fi; \
	if [ "$$rc" -ne 0 ] || grep -q "could not be audited" <<<"$$out"; then \
	  echo "pip-audit: PyPI's vulnerability data could not be reached for some or all dependencies;" \
	    "those were NOT audited (run 'make scan' where PyPI's JSON API is reachable)." >&2; \
	fi

lint: venv template-check scan ## ruff check, ruff format --check, mypy --strict, the template checks and the scanners
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: venv ## Apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: venv ## Run the benchmarks (lookup, import, ingestion targets)
	$(VENV)/bin/python -m benchmarks

# The Lambda runtime's Python (template.yaml: Globals Runtime, the layer's BuildMethod), and where sam build writes.
RUNTIME_VERSION := 3.12
BUILD_DIR := .aws-sam/build

# $(call precompile,<python>): bytecode for every .py under BUILD_DIR, by <python>, which must be RUNTIME_VERSION.
# sam build ships sources only and Lambda's file system is read-only, so without this every cold start compiles
# our code (and the layer's dependencies) before running it. unchecked-hash pycs are used as shipped: timestamp
# pycs would be checked against the mtimes the zip keeps (2 s resolution) and could be found stale, then compiled
# again on every cold start; checked-hash pycs would cost reading and hashing each source on every import. The
# build compiles afresh each time, so they cannot go stale. -s drops the build path from the pycs: the same
# sources give the same package wherever they are built, so an unchanged function is not redeployed (the import
# system puts the real path back for tracebacks).
precompile = "$(1)" -c 'import sys; found = "%d.%d" % sys.version_info[:2]; \
	  sys.exit(None if found == "$(RUNTIME_VERSION)" else f"bytecode for Python $(RUNTIME_VERSION) needs that Python, not {found}")' \
	&& "$(1)" -m compileall -q -j 0 --invalidation-mode unchecked-hash -s "$(BUILD_DIR)" "$(BUILD_DIR)"

# sam build needs the Lambda runtime's Python (3.12) on PATH to build the layer and the functions, and compiles them
# with it afterwards (precompile above). This is a step after sam build rather than a makefile BuildMethod so that
# sam's own Python builder keeps resolving the layer's dependencies for arm64; a bare `sam build` still builds a
# correct package, only without bytecode (`make bytecode` adds it).
build: sam-venv ## Build the layer and functions for Lambda (arm64, Python 3.12) into .aws-sam/, with bytecode
	@py312_bin="$$( { pyenv prefix 3.12 2>/dev/null || ls -d "$$HOME"/.pyenv/versions/3.12* 2>/dev/null | sort -V | tail -n 1 || true; } | head -n 1 )/bin"; \
	if [ ! -x "$$py312_bin/python3.12" ]; then \
	  py312_bin="$$(dirname "$$(command -v python3.12 2>/dev/null || echo /nonexistent/python3.12)")"; \
	  if ! "$$py312_bin/python3.12" -c 'import sys' 2>/dev/null; then \
	    echo "make build needs Python 3.12, the Lambda runtime's version (e.g. 'pyenv install 3.12')." >&2; \
	    exit 1; \
	  fi; \
	fi; \
	echo "Building with $$("$$py312_bin/python3.12" --version) from $$py312_bin"; \
	PATH="$$py312_bin:$$PATH" $(SAM) build --template-file template.yaml; \
	$(call precompile,$$py312_bin/python3.12)

bytecode: ## Compile what sam build wrote (.aws-sam/build) for the runtime: make bytecode RUNTIME_PYTHON=<python3.12>
	@if [ -z "$(RUNTIME_PYTHON)" ]; then echo "usage: make bytecode RUNTIME_PYTHON=<path to python$(RUNTIME_VERSION)>" >&2; exit 2; fi
	@$(call precompile,$(RUNTIME_PYTHON))

deploy: build ## Deploy to AWS: make deploy ENV=dev|prod (guided when samconfig.toml has no such environment)
	@if grep -q '^\[$(ENV)\.deploy\.parameters\]' samconfig.toml; then \
	  $(SAM) deploy --config-env $(ENV); \
	else \
	  echo "samconfig.toml has no '$(ENV)' environment yet: deploying guided, answers are saved for next time."; \
	  $(SAM) deploy --guided --config-env $(ENV); \
	fi

clean: ## Remove build output and caches (keeps the virtualenvs; rm -rf .venv .venv-sam .venv-scan for those)
	rm -rf .aws-sam .pytest_cache .ruff_cache .mypy_cache .hypothesis tests/screenshots
	find . -path ./.venv -prune -o -path ./node_modules -prune -o -path ./.venv-sam -prune -o -path ./.venv-scan -prune -o -type d -name __pycache__ -exec rm -rf {} +

# The middleware kit: Patchworks builds connectors from a Postman collection, generated here from the OpenAPI document.
.PHONY: postman
postman: venv ## Write the Postman collection (docs/postman/tradeprice.postman_collection.json) from the OpenAPI document
	$(VENV)/bin/python -m tradeprice.api.postman docs/postman/tradeprice.postman_collection.json
