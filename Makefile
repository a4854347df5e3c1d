PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.PHONY: dev test package lint-template bench clean

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

dev: $(STAMP)
	$(BIN)/python -m devserver

test: $(STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

package: $(STAMP)
	rm -rf out
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1} $(BIN)/chalice package --stage $${STAGE:-dev} --merge-template infra/template.yaml out
	$(BIN)/cfn-lint out/sam.yaml

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf out .pytest_cache
