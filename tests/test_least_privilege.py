"""Least privilege, proved: each role in the templates allows exactly what the code calls.

The expected action sets are not written down here: they are recorded by running the handler
on moto across scenarios (single account and organization mode, every parameter that changes
which APIs are called) with a botocore before-call hook on every client the rule creates,
split by whose credentials made the call (the function's own role or the assumed member role).
The near-real-time trigger's set is recorded the same way through a Stubber.
"""

import json
import sys
from functools import partial
from pathlib import Path

import pytest
from botocore.stub import Stubber

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "functions" / "root_key_events"))

import package  # noqa: E402
import root_key_events  # noqa: E402
from root_access_keys import clients as clients_module  # noqa: E402
from root_access_keys import security_hub  # noqa: E402

from rootkeys_dev.emulator import RootKey, RootState  # noqa: E402

ACCOUNT_ID = "123456789012"
MEMBER_ROLE = "IAM_ROOT_NO_ACCESS_KEYS-execution"
# Actions with no resource-level permissions (Service Authorization Reference): "*" is the
# only Resource IAM accepts for them.
NO_RESOURCE_LEVEL = frozenset(
    {
        "iam:GetAccountSummary",
        "iam:GenerateCredentialReport",
        "iam:GetCredentialReport",
        "config:PutEvaluations",
        "sts:GetCallerIdentity",
        "iam:ListOrganizationsFeatures",
        "organizations:ListAWSServiceAccessForOrganization",
        "config:GetOrganizationConfigRuleDetailedStatus",
        "organizations:ListAccounts",
    }
)
AUTOMATION_EXECUTIONS = "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:automation-execution/*"
LOG_ACTIONS = {"logs:CreateLogStream", "logs:PutLogEvents"}
SINGLE_ACCOUNT_SCENARIOS = [
    ("no key", RootState(keys=[]), {}),
    ("active key", RootState(keys=[RootKey(active=True)]), {}),
    ("inactive key ignored", RootState(keys=[RootKey(active=False)]), {"IgnoreInactiveKeys": "true"}),
    ("certificate", RootState(keys=[], certificates=1), {"IncludeSigningCertificates": "true"}),
    ("report generated", RootState(keys=[RootKey()], report_expired=True, generation_polls=1), {}),
    ("security hub", RootState(keys=[RootKey(active=True)]), {"SecurityHubFindings": "true"}),
    ("security hub, compliant", RootState(keys=[]), {"SecurityHubFindings": "true"}),
]
ORGANIZATION_PARAMETERS = {"AssumeRoleMode": "true", "ExecutionRoleName": MEMBER_ROLE}


class Context:
    invoked_function_arn = f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:IAM_ROOT_NO_ACCESS_KEYS"

    @staticmethod
    def get_remaining_time_in_millis():
        return 120_000


def _record(calls, kind, model, **_):
    calls.add((kind, f"{model.service_model.endpoint_prefix}:{model.name}"))


@pytest.fixture
def recorder(monkeypatch):
    """Every API call the rule makes, as (whose credentials, "service:Action")."""
    calls = set()

    def wrap(kind, original):
        def build(*args, **kwargs):
            client = original(*args, **kwargs)
            # Marked on the client itself: an id() can be reused once an earlier client is freed.
            if not getattr(client, "_least_privilege_recorded", False):
                client._least_privilege_recorded = True
                client.meta.events.register("before-call", partial(_record, calls, kind))
            return client

        return build

    monkeypatch.setattr(clients_module, "own_role_client", wrap("own", clients_module.own_role_client))
    monkeypatch.setattr(
        clients_module, "credentials_client", wrap("assumed", clients_module.credentials_client)
    )
    return calls


def _run(root_model, config_event, handler, recorder, scenarios, extra_parameters):
    for _label, state, parameters in scenarios:
        root_model.set(ACCOUNT_ID, state)
        handler(config_event(rule_parameters={**parameters, **extra_parameters}), Context())
    return recorder


@pytest.fixture
def single_account_calls(root_model, config_event, handler, recorder):
    calls = _run(root_model, config_event, handler, recorder, SINGLE_ACCOUNT_SCENARIOS, {})
    assert {kind for kind, _ in calls} == {"own"}
    return {action for _, action in calls}


@pytest.fixture
def organization_calls(root_model, config_event, handler, recorder, monkeypatch):
    # As org-central.yaml configures the function: its organization and member role name.
    import boto3
    from root_access_keys.organization_scope import EXECUTION_ROLE_VARIABLE, ORGANIZATION_ID_VARIABLE

    organizations = boto3.client("organizations", region_name="us-east-1")
    monkeypatch.setenv(ORGANIZATION_ID_VARIABLE, organizations.create_organization()["Organization"]["Id"])
    monkeypatch.setenv(EXECUTION_ROLE_VARIABLE, MEMBER_ROLE)
    calls = _run(
        root_model, config_event, handler, recorder, SINGLE_ACCOUNT_SCENARIOS, ORGANIZATION_PARAMETERS
    )
    return {
        "own": {action for kind, action in calls if kind == "own"},
        "assumed": {action for kind, action in calls if kind == "assumed"},
    }


# --- reading policies out of templates ------------------------------------------------------


def resolve(node, conditions):
    """The template fragment with Fn::If decided by `conditions` and AWS::NoValue dropped."""
    if isinstance(node, dict):
        if set(node) == {"Fn::If"}:
            name, when_true, when_false = node["Fn::If"]
            return resolve(when_true if conditions[name] else when_false, conditions)
        resolved = {key: resolve(value, conditions) for key, value in node.items()}
        return {key: value for key, value in resolved.items() if value != {"Ref": "AWS::NoValue"}}
    if isinstance(node, list):
        items = [resolve(item, conditions) for item in node]
        return [item for item in items if item != {"Ref": "AWS::NoValue"}]
    return node


def as_list(value):
    return value if isinstance(value, list) else [value]


def statements(template, role, conditions):
    properties = template["Resources"][role]["Properties"]
    assert "ManagedPolicyArns" not in properties
    found = []
    for policy in resolve(properties.get("Policies", []), conditions):
        found.extend(policy["PolicyDocument"]["Statement"])
    return found


def actions(template, role, conditions):
    return {
        action
        for statement in statements(template, role, conditions)
        for action in as_list(statement["Action"])
    }


def trust(template, role):
    return template["Resources"][role]["Properties"]["AssumeRolePolicyDocument"]["Statement"]


def load(name):
    return package.load_template(ROOT / "templates" / f"{name}.yaml")


ROLES = {
    "single-account": ["RuleFunctionRole", "RemediationRole", "KeyEventFunctionRole"],
    "org-central": ["RuleFunctionRole", "CentralRemediationRole", "KeyEventFunctionRole"],
    "org-member-role": ["ExecutionRole", "ReevaluationRole", "ForwardingRole"],
}


def all_condition_combinations(template):
    names = sorted(template.get("Conditions", {}))
    yield dict.fromkeys(names, True)
    yield dict.fromkeys(names, False)


# --- the proofs ---------------------------------------------------------------------------


def test_recording_covers_the_calls_the_rule_is_known_to_make(single_account_calls):
    # Guards the recorder itself: were it broken, the equalities below could pass on empty sets.
    assert {
        "iam:GetAccountSummary",
        "iam:GetCredentialReport",
        "config:PutEvaluations",
    } <= single_account_calls


@pytest.mark.parametrize("security_hub_enabled", [True, False])
def test_single_account_function_role_allows_exactly_the_recorded_calls(
    single_account_calls, security_hub_enabled
):
    template = load("single-account")
    conditions = {"SendSecurityHubFindings": security_hub_enabled}
    expected = set(single_account_calls)
    if not security_hub_enabled:
        expected.discard(security_hub.IMPORT_ACTION)
    assert security_hub.IMPORT_ACTION in single_account_calls
    assert actions(template, "RuleFunctionRole", conditions) - LOG_ACTIONS == expected


def test_member_role_allows_exactly_what_the_assumed_session_calls(organization_calls):
    template = load("org-member-role")
    granted = actions(template, "ExecutionRole", {"SendSecurityHubFindings": True})
    assert granted == organization_calls["assumed"]
    without_hub = actions(template, "ExecutionRole", {"SendSecurityHubFindings": False})
    assert without_hub == organization_calls["assumed"] - {security_hub.IMPORT_ACTION}


def test_central_function_role_only_assumes_member_roles(organization_calls):
    assert organization_calls["own"] == {"organizations:ListAccounts", "sts:AssumeRole"}
    template = load("org-central")
    assert actions(template, "RuleFunctionRole", {}) - LOG_ACTIONS == organization_calls["own"]
    [assume] = [s for s in statements(template, "RuleFunctionRole", {}) if s["Action"] == "sts:AssumeRole"]
    assert assume["Resource"] == {"Fn::Sub": "arn:${AWS::Partition}:iam::*:role/${ExecutionRoleName}"}
    assert assume["Condition"] == {"StringEquals": {"aws:ResourceOrgID": {"Ref": "OrganizationId"}}}


def test_trigger_role_allows_exactly_the_call_the_trigger_makes(monkeypatch):
    import boto3

    calls = set()
    config = boto3.client("config", region_name="us-east-1")
    # before-parameter-build fires before the Stubber answers (it answers in before-call).
    config.meta.events.register("before-parameter-build", partial(_record, calls, "own"))
    monkeypatch.setenv("CONFIG_RULE_NAME", "IAM_ROOT_NO_ACCESS_KEYS")
    event = json.loads((ROOT / "tests" / "data" / "cloudtrail" / "root-create-access-key.json").read_text())
    with Stubber(config) as stubber:
        stubber.add_response(
            "start_config_rules_evaluation", {}, {"ConfigRuleNames": ["IAM_ROOT_NO_ACCESS_KEYS"]}
        )
        root_key_events.lambda_handler(event, None, config=config)
        stubber.assert_no_pending_responses()
    template = load("single-account")
    conditions = {"NearRealTime": True}
    assert (
        actions(template, "KeyEventFunctionRole", conditions) - LOG_ACTIONS
        == {action for _, action in calls}
        == {"config:StartConfigRulesEvaluation"}
    )
    [start] = [
        s
        for s in statements(template, "KeyEventFunctionRole", conditions)
        if s["Action"] != sorted(LOG_ACTIONS)
    ]
    assert start["Resource"] == {"Fn::GetAtt": ["ConfigRule", "Arn"]}


@pytest.mark.parametrize(
    ("name", "role", "runbook", "topic_condition"),
    [
        ("single-account", "RemediationRole", "root-access-keys-manual", "HasRemediationTopic"),
        ("org-central", "CentralRemediationRole", "root-access-keys-central", None),
    ],
)
def test_remediation_roles_match_the_runbook_policies(name, role, runbook, topic_condition):
    policy = json.loads((ROOT / "remediation" / "policies.json").read_text())["Runbooks"][runbook]
    template = load(name)
    conditions = dict.fromkeys(template.get("Conditions", {}), True)
    granted = statements(template, role, conditions)
    assert {a for s in granted for a in as_list(s["Action"])} == set(policy["Actions"])

    def normalized(statement):
        resource = statement["Resource"]
        if resource == {"Ref": "RemediationTopicArn"}:
            resource = "${NotificationTopicArn}"
        elif isinstance(resource, dict):
            resource = resource["Fn::Sub"]
        condition = _unsub(statement.get("Condition", {}))
        return (
            statement["Sid"],
            tuple(sorted(as_list(statement["Action"]))),
            resource,
            json.dumps(condition, sort_keys=True),
        )

    expected = [normalized(s) for s in policy["PolicyDocument"]["Statement"]]
    assert sorted(normalized(s) for s in granted) == sorted(expected)
    if topic_condition:
        without_topic = statements(template, role, {**conditions, topic_condition: False})
        assert "sns:Publish" not in {a for s in without_topic for a in as_list(s["Action"])}


def _unsub(node):
    if isinstance(node, dict):
        if set(node) == {"Fn::Sub"}:
            return node["Fn::Sub"]
        return {key: _unsub(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_unsub(item) for item in node]
    return node


@pytest.mark.parametrize("name", sorted(ROLES))
def test_no_wildcard_actions_and_star_resources_only_where_iam_requires_them(name):
    template = load(name)
    for conditions in all_condition_combinations(template):
        for role in ROLES[name]:
            if template["Resources"][role].get("Condition") and not conditions.get(
                template["Resources"][role]["Condition"], True
            ):
                continue
            for statement in statements(template, role, conditions):
                assert statement["Effect"] == "Allow"
                assert not {"NotAction", "NotResource", "NotPrincipal"} & set(statement)
                granted = as_list(statement["Action"])
                assert all("*" not in action for action in granted), (role, granted)
                if statement["Resource"] == "*":
                    assert set(granted) <= NO_RESOURCE_LEVEL, (role, granted)


@pytest.mark.parametrize(
    ("name", "role"), [("single-account", "RuleFunctionRole"), ("org-member-role", "ExecutionRole")]
)
def test_security_hub_import_is_limited_to_the_accounts_default_product(name, role):
    template = load(name)
    [statement] = [
        s
        for s in statements(template, role, {"SendSecurityHubFindings": True})
        if s["Action"] == security_hub.IMPORT_ACTION
    ]
    expected = security_hub.product_arn("${AWS::Partition}", "${AWS::Region}", "${AWS::AccountId}")
    assert statement["Resource"] == {"Fn::Sub": expected}


@pytest.mark.parametrize(
    ("name", "role", "log_group"),
    [
        ("single-account", "RuleFunctionRole", "RuleLogGroup"),
        ("single-account", "KeyEventFunctionRole", "KeyEventLogGroup"),
        ("org-central", "RuleFunctionRole", "RuleLogGroup"),
        ("org-central", "KeyEventFunctionRole", "KeyEventLogGroup"),
    ],
)
def test_functions_write_only_to_their_own_log_group(name, role, log_group):
    template = load(name)
    conditions = dict.fromkeys(template.get("Conditions", {}), True)
    [statement] = [s for s in statements(template, role, conditions) if s["Sid"] == "WriteOwnLogs"]
    assert set(statement["Action"]) == LOG_ACTIONS
    assert statement["Resource"] == {"Fn::Sub": f"${{{log_group}.Arn}}"}


def test_trust_policies_are_as_narrow_as_stated():
    single = load("single-account")
    for role in ("RuleFunctionRole", "KeyEventFunctionRole"):
        assert trust(single, role) == [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ]
    assert trust(load("org-central"), "RuleFunctionRole") == trust(single, "RuleFunctionRole")
    assert trust(load("org-member-role"), "ExecutionRole") == [
        {
            "Effect": "Allow",
            "Principal": {"AWS": {"Ref": "CentralFunctionRoleArn"}},
            "Action": "sts:AssumeRole",
        }
    ]
    for name, role in (("single-account", "RemediationRole"), ("org-central", "CentralRemediationRole")):
        [statement] = trust(load(name), role)
        assert statement["Principal"] == {"Service": "ssm.amazonaws.com"}
        assert statement["Action"] == "sts:AssumeRole"
        assert statement["Condition"] == {
            "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
            "ArnLike": {"aws:SourceArn": {"Fn::Sub": AUTOMATION_EXECUTIONS}},
        }


def test_organization_trigger_roles_allow_exactly_what_the_trigger_calls(monkeypatch):
    from test_event_pattern import MEMBER_RULE, OrganizationClients, member_event

    monkeypatch.delenv("CONFIG_RULE_NAME", raising=False)
    monkeypatch.setenv("ORGANIZATION_CONFIG_RULE_NAME", "IAM_ROOT_NO_ACCESS_KEYS")
    monkeypatch.setenv("MEMBER_ROLE_NAME", "IAM_ROOT_NO_ACCESS_KEYS-reevaluate")
    calls = set()
    with OrganizationClients() as clients:
        for kind, client in (
            ("own", clients.central_config),
            ("own", clients.sts),
            ("assumed", clients.member_config),
        ):
            client.meta.events.register("before-parameter-build", partial(_record, calls, kind))
        clients.status()
        clients.assume()
        clients.stubbers[2].add_response(
            "start_config_rules_evaluation", {}, {"ConfigRuleNames": [MEMBER_RULE]}
        )
        root_key_events.lambda_handler(member_event(), Context(), factory=clients)
        clients.assert_done()
    own = {action for kind, action in calls if kind == "own"}
    assumed = {action for kind, action in calls if kind == "assumed"}
    assert own == {"config:GetOrganizationConfigRuleDetailedStatus", "sts:AssumeRole"}
    central = load("org-central")
    assert actions(central, "KeyEventFunctionRole", {}) - LOG_ACTIONS == own
    [assume] = [s for s in statements(central, "KeyEventFunctionRole", {}) if s["Action"] == "sts:AssumeRole"]
    assert assume["Resource"] == {"Fn::Sub": "arn:${AWS::Partition}:iam::*:role/${ReevaluationRoleName}"}
    assert assume["Condition"] == {"StringEquals": {"aws:ResourceOrgID": {"Ref": "OrganizationId"}}}
    member = load("org-member-role")
    assert actions(member, "ReevaluationRole", {}) == assumed == {"config:StartConfigRulesEvaluation"}
    [start] = statements(member, "ReevaluationRole", {})
    assert start["Resource"] == {
        "Fn::Sub": "arn:${AWS::Partition}:config:${AWS::Region}:${AWS::AccountId}:config-rule/*"
    }
    assert (
        load("org-central")["Parameters"]["ReevaluationRoleName"]["Default"]
        == (member["Parameters"]["ReevaluationRoleName"]["Default"])
    )


def test_member_near_real_time_roles_are_narrow():
    member = load("org-member-role")
    assert trust(member, "ReevaluationRole") == [
        {
            "Effect": "Allow",
            "Principal": {"AWS": {"Ref": "CentralKeyEventRoleArn"}},
            "Action": "sts:AssumeRole",
        }
    ]
    assert trust(member, "ForwardingRole") == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
        }
    ]
    [forward] = statements(member, "ForwardingRole", {})
    assert (forward["Action"], forward["Resource"]) == ("events:PutEvents", {"Ref": "CentralKeyEventBusArn"})
    for role in ("ReevaluationRole", "ForwardingRole"):
        assert member["Resources"][role]["Condition"] == "NearRealTime"
    assert trust(load("org-central"), "KeyEventFunctionRole") == trust(
        load("single-account"), "RuleFunctionRole"
    )
