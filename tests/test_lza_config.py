"""docs/lza/: the Landing Zone Accelerator custom-rule example.

LZA validates security-config.yaml against the JSON schema it publishes
(source/packages/@aws-accelerator/config/lib/schemas/security-config.json in
awslabs/landing-zone-accelerator-on-aws). The schema below restates the definitions the example's
two sections use: closed objects, required fields, the remediation parameter types, and non-empty
strings where LZA asks for them.
"""

import json
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import package  # noqa: E402
from lint_and_schema import closed_object  # noqa: E402
from root_access_keys import spec  # noqa: E402
from root_access_keys.parameters import parse_rule_parameters  # noqa: E402

LZA = ROOT / "docs" / "lza"
SNIPPET = LZA / "security-config.yaml"
RUNBOOK = ROOT / "remediation" / "root-access-keys-manual.yaml"
# LZA config repository path -> the file in this repository it is a copy of (README's table).
COPIES = {
    "custom-config-rules/IAM_ROOT_NO_ACCESS_KEYS.zip": ROOT / "build" / "IAM_ROOT_NO_ACCESS_KEYS.zip",
    "custom-config-rules/iam-root-no-access-keys-lambda-policy.json": (
        LZA / "custom-config-rules" / "iam-root-no-access-keys-lambda-policy.json"
    ),
    "custom-config-rules/iam-root-no-access-keys-remediation-policy.json": (
        LZA / "custom-config-rules" / "iam-root-no-access-keys-remediation-policy.json"
    ),
    "ssm-documents/root-access-keys-manual.yaml": RUNBOOK,
}

_TEXT = {"type": "string", "minLength": 1}
_STRINGS = {"type": "array", "items": {"type": "string"}}


_TARGETS = closed_object(
    {},
    {
        "accounts": _STRINGS,
        "excludedAccounts": _STRINGS,
        "excludedRegions": _STRINGS,
        "organizationalUnits": _STRINGS,
    },
)
_LAMBDA = closed_object(
    {"sourceFilePath": _TEXT, "handler": _TEXT, "runtime": _TEXT, "rolePolicyFile": _TEXT},
    {"timeout": {"type": "number"}},
)
_CUSTOM_RULE = closed_object(
    {
        "lambda": _LAMBDA,
        "maximumExecutionFrequency": {"type": "string"},
        "triggeringResources": closed_object(
            {
                "lookupType": {"type": "string"},
                "lookupKey": _TEXT,
                "lookupValue": {"type": "array", "items": _TEXT},
            }
        ),
    },
    {"configurationChanges": {"type": "boolean"}, "periodic": {"type": "boolean"}},
)
_REMEDIATION = closed_object(
    {"rolePolicyFile": _TEXT, "automatic": {"type": "boolean"}, "targetId": _TEXT},
    {
        "excludeRegions": _STRINGS,
        "maximumAutomaticAttempts": {"type": "number"},
        "retryAttemptSeconds": {"type": "number"},
        "targetAccountName": _TEXT,
        "targetDocumentLambda": _LAMBDA,
        "targetVersion": _TEXT,
        "parameters": {
            "type": "array",
            "items": closed_object(
                {"name": _TEXT, "value": _TEXT, "type": {"enum": ["String", "StringList"]}}
            ),
        },
    },
)
_RULE = closed_object(
    {"name": _TEXT},
    {
        "complianceResourceTypes": {"type": "array", "items": _TEXT},
        "customRule": _CUSTOM_RULE,
        "description": _TEXT,
        "identifier": _TEXT,
        "inputParameters": {"anyOf": [{"type": "object", "additionalProperties": _TEXT}, {"type": "null"}]},
        "remediation": _REMEDIATION,
        "tags": {
            "type": "array",
            "items": closed_object({"key": {"type": "string"}, "value": {"type": "string"}}),
        },
        "type": _TEXT,
    },
)
AWS_CONFIG_SCHEMA = closed_object(
    {"enableConfigurationRecorder": {"type": "boolean"}},
    {
        "aggregation": closed_object({"enable": {"type": "boolean"}}, {"delegatedAdminAccount": _TEXT}),
        "deploymentTargets": _TARGETS,
        "enableDeliveryChannel": {"type": "boolean"},
        "overrideExisting": {"type": "boolean"},
        "ruleSets": {
            "type": "array",
            "items": closed_object(
                {"deploymentTargets": _TARGETS, "rules": {"type": "array", "items": _RULE}}
            ),
        },
    },
)
SSM_AUTOMATION_SCHEMA = closed_object(
    {
        "documentSets": {
            "type": "array",
            "items": closed_object(
                {
                    "shareTargets": closed_object(
                        {}, {"accounts": _STRINGS, "organizationalUnits": _STRINGS}
                    ),
                    "documents": {
                        "type": "array",
                        "items": closed_object({"name": _TEXT, "template": _TEXT}, {"targetType": _TEXT}),
                    },
                }
            ),
        }
    },
    {"excludeRegions": _STRINGS},
)


@pytest.fixture(scope="module")
def snippet():
    return yaml.safe_load(SNIPPET.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def rules(snippet):
    return [rule for rule_set in snippet["awsConfig"]["ruleSets"] for rule in rule_set["rules"]]


@pytest.fixture(scope="module")
def single_account(tmp_path_factory):
    directory = tmp_path_factory.mktemp("rendered")
    return package.load_template(
        package.render_template(ROOT / "templates" / "single-account.yaml", directory)
    )


def _policy(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _statement_actions(statement: dict) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


def test_sections_satisfy_the_lza_security_config_schema(snippet):
    assert set(snippet) == {"awsConfig", "centralSecurityServices"}
    assert set(snippet["centralSecurityServices"]) == {"ssmAutomation"}
    jsonschema.validate(snippet["awsConfig"], AWS_CONFIG_SCHEMA)
    jsonschema.validate(snippet["centralSecurityServices"]["ssmAutomation"], SSM_AUTOMATION_SCHEMA)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda rule: rule["customRule"]["lambda"].pop("rolePolicyFile"), "'rolePolicyFile' is a required"),
        (lambda rule: rule["customRule"].pop("triggeringResources"), "'triggeringResources' is a required"),
        (lambda rule: rule["remediation"]["parameters"][0].update(type="List"), "is not one of"),
        (lambda rule: rule["customRule"]["lambda"].update(memorySize=256), "Additional properties"),
        (lambda rule: rule["inputParameters"].update(IgnoreInactiveKeys=""), "should be non-empty"),
    ],
)
def test_the_schema_rejects_what_lza_would_reject(snippet, change, message):
    broken = json.loads(json.dumps(snippet["awsConfig"]))
    change(broken["ruleSets"][1]["rules"][0])
    with pytest.raises(jsonschema.ValidationError, match=message):
        jsonschema.validate(broken, AWS_CONFIG_SCHEMA)


def test_both_rule_sets_deploy_the_same_rule_and_only_one_account_remediates(snippet, rules):
    detection, remediation = snippet["awsConfig"]["ruleSets"]
    assert remediation["deploymentTargets"]["accounts"] == detection["deploymentTargets"]["excludedAccounts"]
    first, second = rules
    assert "remediation" not in first
    assert {key: value for key, value in second.items() if key != "remediation"} == first


def test_the_rule_is_this_repositorys_rule_and_function(rules, single_account):
    function = single_account["Resources"]["RuleFunction"]["Properties"]
    for rule in rules:
        assert rule["name"] == spec.RULE_NAME
        assert rule["type"] == "Custom"
        assert rule["description"] == single_account["Resources"]["ConfigRule"]["Properties"]["Description"]
        lambda_settings = rule["customRule"]["lambda"]
        assert lambda_settings["handler"] == function["Handler"]
        assert lambda_settings["runtime"] == function["Runtime"] == spec.LAMBDA_RUNTIME
        assert lambda_settings["timeout"] == function["Timeout"]
        assert Path(lambda_settings["sourceFilePath"]).name == Path(function["Code"]).name
        custom = rule["customRule"]
        assert custom["periodic"] is True
        assert custom["configurationChanges"] is False
        assert custom["maximumExecutionFrequency"] in spec.FREQUENCIES
        assert custom["triggeringResources"]["lookupValue"] == [spec.RESOURCE_TYPE]
        parsed = parse_rule_parameters(rule["inputParameters"])
        assert parsed.assume_role_mode is False


def test_every_named_file_is_a_copy_of_a_repository_file(snippet, rules):
    named = set()
    for rule in rules:
        named |= {
            rule["customRule"]["lambda"]["sourceFilePath"],
            rule["customRule"]["lambda"]["rolePolicyFile"],
        }
        if "remediation" in rule:
            named.add(rule["remediation"]["rolePolicyFile"])
    for document_set in snippet["centralSecurityServices"]["ssmAutomation"]["documentSets"]:
        named |= {document["template"] for document in document_set["documents"]}
    assert named == set(COPIES)
    readme = (LZA / "README.md").read_text(encoding="utf-8")
    for path in COPIES:
        assert f"`{path}`" in readme
    for path in COPIES.values():
        if path.parent != ROOT / "build":
            assert path.is_file(), path


def test_the_lambda_policy_grants_the_single_account_functions_rule_actions(single_account):
    role = single_account["Resources"]["RuleFunctionRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    template_statements = [
        statement
        for statement in role["Statement"]
        # LZA's function role has its own log permissions; Security Hub import stays off (README).
        if "Fn::If" not in statement and statement["Sid"] != "WriteOwnLogs"
    ]
    policy = _policy(COPIES["custom-config-rules/iam-root-no-access-keys-lambda-policy.json"])
    assert policy["Statement"] == template_statements
    assert not [a for s in policy["Statement"] for a in _statement_actions(s) if "*" in a]


def test_the_remediation_policy_is_the_runbooks_policy_without_sns(rules):
    policies = _policy(ROOT / "remediation" / "policies.json")["Runbooks"]["root-access-keys-manual"]
    expected = [s for s in policies["PolicyDocument"]["Statement"] if s["Sid"] != "PublishInstructions"]
    policy = _policy(COPIES["custom-config-rules/iam-root-no-access-keys-remediation-policy.json"])
    assert policy["Statement"] == expected
    parameters = {item["name"] for item in rules[1]["remediation"]["parameters"]}
    assert "NotificationTopicArn" not in parameters, "sns:Publish would be needed"


def test_remediation_runs_the_shared_runbook_with_every_required_parameter(snippet, rules):
    remediation = rules[1]["remediation"]
    documents = {
        document["name"]: document["template"]
        for document_set in snippet["centralSecurityServices"]["ssmAutomation"]["documentSets"]
        for document in document_set["documents"]
    }
    assert COPIES[documents[remediation["targetId"]]] == RUNBOOK
    runbook = yaml.safe_load(RUNBOOK.read_text(encoding="utf-8"))["parameters"]
    given = {item["name"]: item for item in remediation["parameters"]}
    assert set(given) <= set(runbook)
    # LZA fills AutomationAssumeRole with the remediation role it creates from rolePolicyFile.
    required = {name for name, spec_ in runbook.items() if "default" not in spec_} - {"AutomationAssumeRole"}
    assert required <= set(given)
    assert given["AccountId"]["value"] == "RESOURCE_ID"
    for name, item in given.items():
        assert item["type"] == runbook[name]["type"], name
