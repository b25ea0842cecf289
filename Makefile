# Every target creates .venv with Python 3.12 (the Lambda runtime) on first use.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: help venv lint test test-unit test-rdk demo clean

help:
	@echo "make demo       run the rule's Lambda handler against a local AWS emulator"
	@echo "make test       lint, pytest, and rdk test-local"
	@echo "make lint       ruff"
	@echo "make runbooks   validate the remediation runbooks and regenerate their JSON for rdk"
	@echo "make package    build the Lambda zips and the deployable templates in build/"
	@echo "make policy-metadata  regenerate policy.json, the rule tags and the README table from policy.yaml"
	@echo "make rdk-parameters   repair the rule's parameters.json for rdk (e.g. after rdk modify)"
	@echo "make rdk-tag-script   write build/rdk-tag-config-rule.sh (tags for rdk create-rule-template)"
	@echo "make cfn-lint   lint templates/ and build/*.yaml"
	@echo "make bench      benchmarks against a local emulator; writes bench/results.md"

$(PY):
	@py312=$$(sh scripts/find-python312.sh) || exit 1; \
	echo "creating $(VENV) with $$py312"; \
	"$$py312" -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test-unit: $(STAMP)
	$(VENV)/bin/pytest -n 2 $(PYTEST_ARGS)

# rdk looks for rule folders in the directory it runs in.
test-rdk: $(STAMP)
	cd rules && ../$(VENV)/bin/rdk test-local --all

test: lint test-unit test-rdk

demo: $(STAMP)
	$(VENV)/bin/rootkeys demo

# --- remediation runbooks (issue 3) ---
# remediation/*.yaml is the only source; rdk reads the committed JSON copies in
# remediation/generated/, which this validates and regenerates (tests fail when they drift).
.PHONY: runbooks runbooks-check
runbooks: $(STAMP)
	$(PY) scripts/build_runbooks.py

runbooks-check: $(STAMP)
	$(PY) scripts/build_runbooks.py --check

# --- packaging and deployment (issue 4) ---
# build/IAM_ROOT_NO_ACCESS_KEYS.zip (rule + rdklib for arm64), build/ROOT_KEY_EVENTS.zip,
# and build/<template>.yaml with the runbooks inlined; docs/deployment.md explains each.
.PHONY: package cfn-lint deploy-tags policy-metadata
package: policy-metadata
	$(PY) scripts/package.py

# policy.yaml feeds policy.json (what the Lambda reads: no PyYAML at run time), the rule's tags in
# parameters.json and the README framework table; the tests fail when any of them drifts.
policy-metadata: $(STAMP)
	$(PY) scripts/policy_metadata.py --write

cfn-lint: package
	$(VENV)/bin/cfn-lint templates/*.yaml build/*.yaml

# --- deploying with rdk (issue 13): see "Deploying with rdk" in README.md ---
# rdk-parameters repairs rules/IAM_ROOT_NO_ACCESS_KEYS/parameters.json after `rdk modify` (runtime,
# description, CodeKey, remediation, SSMAutomation, tags) from spec.py, remediation/policies.json and
# policy.yaml, keeping a valid frequency and parameter values; it first refreshes what rdk zips and
# reads (policy.json, the runbook JSON). rdk-tag-script writes build/rdk-tag-config-rule.sh, which
# tags the rule deployed from `rdk create-rule-template` (rdk's own tag script cannot run).
.PHONY: rdk-parameters rdk-tag-script
rdk-parameters: policy-metadata runbooks
	$(PY) scripts/rdk_parameters.py --write $(RDK_PARAMETERS_ARGS)

rdk-tag-script: rdk-parameters
	$(PY) scripts/rdk_tag_script.py

# The Tags of parameters.json as the Key=Value words `aws cloudformation deploy --tags` takes.
deploy-tags: $(PY)
	@$(PY) scripts/package.py tags parameters.json


# --- benchmarks (issue 6) ---

.PHONY: bench
# API calls, cold start, warm invocations, memory, 1,000-account organization run and zip size against
# a local moto server, plus the reliability suite; markdown table on stdout and in bench/results.md.
bench: $(STAMP)
	$(PY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .hypothesis reports
