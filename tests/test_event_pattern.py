"""Near-real-time detection: the EventBridge pattern and the re-evaluation trigger.

The pattern comes from templates/single-account.yaml and is matched against sample CloudTrail
events with moto's EventBridge pattern engine (the one its rules route PutEvents with; moto
5.2 does not implement the TestEventPattern API itself). StartConfigRulesEvaluation is not
implemented by moto either, so the trigger runs against a Stubber, which validates each request
against the real API model.
"""

import json
import sys
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from moto.events.models import EventPattern

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "functions" / "root_key_events"))

import package  # noqa: E402
import root_key_events  # noqa: E402

SAMPLES = ROOT / "tests" / "data" / "cloudtrail"
RULE_NAME = "IAM_ROOT_NO_ACCESS_KEYS"
ACCOUNT_ID = "123456789012"
MATCHING = [
    "root-create-access-key.json",
    "root-update-access-key.json",
    "root-delete-access-key.json",
    # Root creating a key for an IAM user also matches: one extra re-evaluation, which finds
    # nothing new. Narrowing on a missing requestParameters.userName would risk missing the
    # root's own key if CloudTrail ever recorded that field differently.
    "root-create-access-key-for-user.json",
]
NOT_MATCHING = [
    "iam-user-create-access-key.json",
    "assumed-role-delete-access-key.json",
    "root-create-user.json",
    "root-list-access-keys.json",
]


def sample(name):
    return json.loads((SAMPLES / name).read_text())


@pytest.fixture(scope="module")
def pattern():
    template = package.load_template(ROOT / "templates" / "single-account.yaml")
    rule = template["Resources"]["RootKeyEventRule"]["Properties"]
    [target] = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": ["KeyEventFunction", "Arn"]}
    return json.dumps(rule["EventPattern"])


def matches(pattern, event):
    return EventPattern.load(pattern).matches_event(event)


@pytest.mark.parametrize("name", MATCHING)
def test_root_key_changes_match(pattern, name):
    assert matches(pattern, sample(name)) is True


@pytest.mark.parametrize("name", NOT_MATCHING)
def test_other_principals_and_other_calls_do_not_match(pattern, name):
    assert matches(pattern, sample(name)) is False


def test_a_pattern_that_ignored_the_identity_would_be_caught(pattern):
    # The negative cases above fail for the right reason: drop userIdentity and the IAM user's
    # event matches.
    loose = json.loads(pattern)
    del loose["detail"]["userIdentity"]
    assert matches(json.dumps(loose), sample("iam-user-create-access-key.json")) is True


def test_the_pattern_is_valid_for_eventbridge_rules(pattern):
    parsed = json.loads(pattern)
    assert parsed["source"] == ["aws.iam"]
    assert parsed["detail-type"] == ["AWS API Call via CloudTrail"]
    assert sorted(parsed["detail"]["eventName"]) == sorted(root_key_events.ROOT_KEY_EVENT_NAMES)
    assert parsed["detail"]["userIdentity"] == {"type": ["Root"]}


# --- the trigger ----------------------------------------------------------------------------


class Context:
    def __init__(self, account=ACCOUNT_ID):
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:{account}:function:{RULE_NAME}-key-events"


@pytest.fixture
def config(monkeypatch):
    monkeypatch.setenv("CONFIG_RULE_NAME", RULE_NAME)
    client = boto3.client("config", region_name="us-east-1", config=root_key_events.CLIENT_CONFIG)
    with Stubber(client) as stubber:
        yield client, stubber


@pytest.mark.parametrize("name", MATCHING)
def test_each_matching_event_starts_exactly_one_evaluation_of_this_rule(config, name):
    client, stubber = config
    stubber.add_response("start_config_rules_evaluation", {}, {"ConfigRuleNames": [RULE_NAME]})
    result = root_key_events.lambda_handler(sample(name), Context(), config=client)
    stubber.assert_no_pending_responses()
    assert result["rule"] == RULE_NAME
    assert result["event_name"] == sample(name)["detail"]["eventName"]


@pytest.mark.parametrize("name", NOT_MATCHING)
def test_events_the_pattern_excludes_are_refused_without_calling_config(config, name):
    client, stubber = config
    with pytest.raises(root_key_events.TriggerError):
        root_key_events.lambda_handler(sample(name), Context(), config=client)
    stubber.assert_no_pending_responses()


def test_an_event_from_another_account_is_refused(config):
    client, _ = config
    with pytest.raises(root_key_events.TriggerError, match="only its own account"):
        root_key_events.lambda_handler(
            sample("root-create-access-key.json"), Context("210987654321"), config=client
        )


def test_a_missing_rule_name_is_an_error(config, monkeypatch):
    client, _ = config
    monkeypatch.delenv("CONFIG_RULE_NAME")
    with pytest.raises(root_key_events.TriggerError, match="CONFIG_RULE_NAME"):
        root_key_events.lambda_handler(sample("root-create-access-key.json"), Context(), config=client)


@pytest.mark.parametrize(
    "code", ["NoSuchConfigRuleException", "ResourceInUseException", "InsufficientPermissionsException"]
)
def test_config_refusing_the_evaluation_fails_the_invocation(config, code):
    client, stubber = config
    stubber.add_client_error("start_config_rules_evaluation", service_error_code=code, http_status_code=400)
    with pytest.raises(root_key_events.TriggerError, match=code):
        root_key_events.lambda_handler(sample("root-delete-access-key.json"), Context(), config=client)


def test_a_busy_rule_is_retried_by_the_sdk_before_failing():
    # LimitExceededException means an earlier evaluation of the rule is still running; standard
    # retry mode retries it. A before-send hook answers the first two attempts with it.
    client = boto3.client(
        "config",
        region_name="us-east-1",
        config=root_key_events.CLIENT_CONFIG.merge(
            root_key_events.Config(retries={"mode": "standard", "max_attempts": 3})
        ),
    )
    attempts = []

    def busy_then_ok(request, **_):
        from botocore.awsrequest import AWSResponse

        attempts.append(json.loads(request.body))
        if len(attempts) < 3:
            body = json.dumps({"__type": "LimitExceededException", "message": "evaluation in progress"})
            return AWSResponse(request.url, 400, {}, _Raw(body.encode()))
        return AWSResponse(request.url, 200, {}, _Raw(b"{}"))

    client.meta.events.register("before-send", busy_then_ok)
    client.meta.events.register("needs-retry", lambda **_: None)  # keep real retry handler order
    root_key_events.start_evaluation(client, RULE_NAME)
    assert attempts == [{"ConfigRuleNames": [RULE_NAME]}] * 3


def test_a_rule_that_stays_busy_fails_after_the_retries():
    client = boto3.client(
        "config",
        region_name="us-east-1",
        config=root_key_events.CLIENT_CONFIG.merge(
            root_key_events.Config(retries={"mode": "standard", "max_attempts": 2})
        ),
    )

    def busy(request, **_):
        from botocore.awsrequest import AWSResponse

        body = json.dumps({"__type": "LimitExceededException", "message": "evaluation in progress"})
        return AWSResponse(request.url, 400, {}, _Raw(body.encode()))

    client.meta.events.register("before-send", busy)
    with pytest.raises(root_key_events.TriggerError, match="LimitExceededException") as raised:
        root_key_events.start_evaluation(client, RULE_NAME)
    assert isinstance(raised.value.__cause__, ClientError)


class _Raw:
    """The minimal raw-stream interface botocore reads a response body from."""

    def __init__(self, body):
        self._body = body

    def stream(self, **_):
        yield self._body


# --- organization mode ------------------------------------------------------------------------

MEMBER = "210987654321"
MEMBER_RULE = "OrgConfigRule-IAM_ROOT_NO_ACCESS_KEYS-abcd1234"
REEVALUATION_ROLE = "IAM_ROOT_NO_ACCESS_KEYS-reevaluate"
CREDENTIALS = {
    "AccessKeyId": "ASIAEXAMPLEMEMBER001",
    "SecretAccessKey": "secret-example",
    "SessionToken": "token-example",
    "Expiration": "2026-11-28T11:05:00Z",
}


def member_event(name="root-create-access-key.json"):
    event = sample(name)
    event["account"] = MEMBER
    event["detail"]["recipientAccountId"] = MEMBER
    return event


def test_every_template_routes_root_key_events_with_the_same_pattern(pattern):
    central = package.load_template(ROOT / "templates" / "org-central.yaml")["Resources"]
    member = package.load_template(ROOT / "templates" / "org-member-role.yaml")["Resources"]
    assert central["RootKeyEventRule"]["Properties"]["EventPattern"] == json.loads(pattern)
    assert central["RootKeyEventRule"]["Properties"]["EventBusName"] == {"Ref": "KeyEventBus"}
    assert member["ForwardRootKeyEvents"]["Properties"]["EventPattern"] == json.loads(pattern)
    [forward] = member["ForwardRootKeyEvents"]["Properties"]["Targets"]
    assert forward["Arn"] == {"Ref": "CentralKeyEventBusArn"}
    statement = central["KeyEventBusPolicy"]["Properties"]["Statement"]
    assert statement["Action"] == "events:PutEvents"
    assert statement["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": {"Ref": "OrganizationId"}}}


class OrganizationClients:
    """Stubbed clients: the central function's own config and sts, and the member's config."""

    def __init__(self):
        self.central_config = boto3.client("config", region_name="us-east-1")
        self.sts = boto3.client("sts", region_name="us-east-1")
        self.member_config = boto3.client("config", region_name="us-east-1")
        self.stubbers = [Stubber(c) for c in (self.central_config, self.sts, self.member_config)]
        self.member_credentials = []

    def __call__(self, service, credentials=None):
        if service == "sts":
            return self.sts
        if credentials is None:
            return self.central_config
        self.member_credentials.append(credentials)
        return self.member_config

    def status(self, state="CREATE_SUCCESSFUL", account=MEMBER):
        self.stubbers[0].add_response(
            "get_organization_config_rule_detailed_status",
            {
                "OrganizationConfigRuleDetailedStatus": [
                    {"AccountId": account, "ConfigRuleName": MEMBER_RULE, "MemberAccountRuleStatus": state}
                ]
            },
            {"OrganizationConfigRuleName": RULE_NAME, "Filters": {"AccountId": MEMBER}},
        )

    def assume(self):
        self.stubbers[1].add_response(
            "assume_role",
            {
                "Credentials": CREDENTIALS,
                "AssumedRoleUser": {
                    "AssumedRoleId": "AROAEXAMPLEREEVAL001:rootkeys-reevaluate",
                    "Arn": f"arn:aws:sts::{MEMBER}:assumed-role/{REEVALUATION_ROLE}/rootkeys-reevaluate",
                },
            },
            {
                "RoleArn": f"arn:aws:iam::{MEMBER}:role/{REEVALUATION_ROLE}",
                "RoleSessionName": "rootkeys-reevaluate",
                "DurationSeconds": 900,
            },
        )

    def __enter__(self):
        for stubber in self.stubbers:
            stubber.activate()
        return self

    def __exit__(self, *_):
        for stubber in self.stubbers:
            stubber.deactivate()

    def assert_done(self):
        for stubber in self.stubbers:
            stubber.assert_no_pending_responses()


@pytest.fixture
def organization(monkeypatch):
    monkeypatch.delenv("CONFIG_RULE_NAME", raising=False)
    monkeypatch.setenv("ORGANIZATION_CONFIG_RULE_NAME", RULE_NAME)
    monkeypatch.setenv("MEMBER_ROLE_NAME", REEVALUATION_ROLE)
    with OrganizationClients() as clients:
        yield clients


def test_organization_mode_starts_the_members_copy_of_the_rule_with_the_member_role(organization):
    organization.status()
    organization.assume()
    organization.stubbers[2].add_response(
        "start_config_rules_evaluation", {}, {"ConfigRuleNames": [MEMBER_RULE]}
    )
    result = root_key_events.lambda_handler(member_event(), Context(), factory=organization)
    organization.assert_done()
    assert result["rule"] == MEMBER_RULE
    assert result["account"] == MEMBER
    assert [c["AccessKeyId"] for c in organization.member_credentials] == [CREDENTIALS["AccessKeyId"]]


@pytest.mark.parametrize("state", ["CREATE_FAILED", "CREATE_IN_PROGRESS", "DELETE_SUCCESSFUL"])
def test_organization_mode_refuses_a_member_whose_rule_is_not_deployed(organization, state):
    organization.status(state)
    with pytest.raises(root_key_events.TriggerError, match=state):
        root_key_events.lambda_handler(member_event(), Context(), factory=organization)
    organization.assert_done()
    assert organization.member_credentials == []


def test_organization_mode_refuses_an_account_without_a_copy_of_the_rule(organization):
    organization.status(account="111111111111")
    with pytest.raises(root_key_events.TriggerError, match="no copy"):
        root_key_events.lambda_handler(member_event(), Context(), factory=organization)
    assert organization.member_credentials == []


def test_organization_mode_fails_when_the_member_role_cannot_be_assumed(organization):
    organization.status()
    organization.stubbers[1].add_client_error("assume_role", service_error_code="AccessDenied")
    with pytest.raises(root_key_events.TriggerError, match=r"sts:AssumeRole.*AccessDenied"):
        root_key_events.lambda_handler(member_event(), Context(), factory=organization)
    assert organization.member_credentials == []


def test_organization_mode_needs_a_member_role_name(organization, monkeypatch):
    monkeypatch.setenv("MEMBER_ROLE_NAME", "")
    with pytest.raises(root_key_events.TriggerError, match="MEMBER_ROLE_NAME"):
        root_key_events.lambda_handler(member_event(), Context(), factory=organization)
