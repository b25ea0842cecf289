"""The central (organization) runbook, run step by step with scripted AWS answers.

moto implements neither sts:AssumeRoot nor iam:ListOrganizationsFeatures, does not accept
iam.amazonaws.com as a trusted-access principal and answers ListAWSServiceAccessForOrganization
outside an organization, so every call here is answered by `RunbookClients` expectations: real
botocore clients (requests validated and serialized by the real API model), answers validated
against the output shapes, each call checked in order against the credentials that signed it.
The scripts come from remediation/root-access-keys-central.yaml itself.
"""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from moto import mock_aws

from rootkeys_dev.runbook_runner import RunbookClients, run_handler, run_runbook

ROOT = Path(__file__).resolve().parent.parent
RUNBOOK = yaml.safe_load((ROOT / "remediation" / "root-access-keys-central.yaml").read_text())
POLICY = json.loads((ROOT / "remediation" / "policies.json").read_text())["Runbooks"][
    "root-access-keys-central"
]
SCRIPT = RUNBOOK["mainSteps"][0]["inputs"]["Script"]
OWN = "123456789012"
MEMBER = "210987654321"
REGION = "eu-west-1"
SYSTEM = {"global:REGION": REGION, "global:AWS_PARTITION": "aws", "global:ACCOUNT_ID": OWN}
TASK = "arn:aws:iam::aws:policy/root-task/"
KEY_A = "AKIAROOTKEYAAAAAAAA1"
KEY_B = "AKIAROOTKEYBBBBBBBB2"
SERVICES = frozenset({"sts", "iam", "organizations"})


@pytest.fixture
def aws():
    with mock_aws():  # nothing may leave the process, even by mistake
        clients = RunbookClients(scripted_services=SERVICES)
        yield clients
        assert not clients.expected, f"answers never asked for: {list(clients.expected)}"


def parameters(**overrides):
    values = {
        "AutomationAssumeRole": f"arn:aws:iam::{OWN}:role/CentralRootKeys",
        "AccountId": MEMBER,
        "Approvers": [f"arn:aws:iam::{OWN}:role/SecurityLead"],
    }
    values.update(overrides)
    return values


def session_key(task, number=1):
    return f"ASIA{task[:12].upper()}{number:04d}"


def expect_prerequisites(aws, *, principals=("iam.amazonaws.com",), features=("RootCredentialsManagement",)):
    aws.expect("sts", "GetCallerIdentity", {"Account": OWN, "Arn": f"arn:aws:sts::{OWN}:assumed-role/x/y"})
    aws.expect(
        "organizations",
        "ListAWSServiceAccessForOrganization",
        {"EnabledServicePrincipals": [{"ServicePrincipal": p} for p in principals]},
        identity="role",
    )
    aws.expect(
        "iam",
        "ListOrganizationsFeatures",
        {"OrganizationId": "o-abcdefghij", "EnabledFeatures": list(features)},
        identity="role",
    )


def expect_root_session(aws, task, number=1, *, account=MEMBER, partition="aws"):
    key = session_key(task, number)
    aws.expect(
        "sts",
        "AssumeRoot",
        {
            "Credentials": {
                "AccessKeyId": key,
                "SecretAccessKey": "secret",
                "SessionToken": "token",
                "Expiration": datetime(2026, 11, 29, 12, 15, tzinfo=UTC),
            }
        },
        identity="role",
        params={
            "TargetPrincipal": MEMBER,
            "TaskPolicyArn": {"arn": f"arn:{partition}:iam::aws:policy/root-task/{task}"},
            "DurationSeconds": 900,
        },
    )
    aws.expect(
        "sts",
        "GetCallerIdentity",
        {"Account": account, "Arn": f"arn:{partition}:iam::{account}:root"},
        identity=key,
    )
    return key


def key_metadata(key_id, status="Active"):
    return {"AccessKeyId": key_id, "Status": status, "CreateDate": datetime(2021, 5, 4, tzinfo=UTC)}


def expect_audit(aws, keys, number=1):
    key = expect_root_session(aws, "IAMAuditRootUserCredentials", number)
    aws.expect(
        "iam", "ListAccessKeys", {"AccessKeyMetadata": keys, "IsTruncated": False}, identity=key, params={}
    )
    return key


def expect_last_use(aws, session, key_id, used=True):
    last = (
        {"LastUsedDate": datetime(2026, 11, 20, 8, 5, tzinfo=UTC), "ServiceName": "s3", "Region": "us-east-2"}
        if used
        else {"ServiceName": "N/A", "Region": "N/A"}
    )
    aws.expect(
        "iam",
        "GetAccessKeyLastUsed",
        {"AccessKeyLastUsed": last},
        identity=session,
        params={"AccessKeyId": key_id},
    )


class Approvals:
    def __init__(self, answer=True):
        self.answer = answer
        self.requests = []

    def __call__(self, step, inputs):
        self.requests.append((step, inputs))
        return self.answer


def expect_full_audit(aws):
    expect_prerequisites(aws)
    audit = expect_audit(aws, [key_metadata(KEY_A), key_metadata(KEY_B, "Inactive")])
    expect_last_use(aws, audit, KEY_A, used=True)
    expect_last_use(aws, audit, KEY_B, used=False)


def test_deletes_exactly_the_audited_keys_after_approval(aws):
    expect_full_audit(aws)
    delete = expect_root_session(aws, "IAMDeleteRootUserCredentials", 2)
    for key_id in (KEY_A, KEY_B):
        aws.expect("iam", "DeleteAccessKey", {}, identity=delete, params={"AccessKeyId": key_id})
    expect_audit(aws, [], number=3)
    approvals = Approvals()

    execution = run_runbook(RUNBOOK, parameters(), aws=aws, approve=approvals, system=SYSTEM)

    assert execution.status == "Success", execution.failure
    assert execution.step_names == ["AuditRootKeys", "BranchOnKeys", "ApproveDeletion", "DeleteRootKeys"]
    assert execution.outputs["DeleteRootKeys.DeletedKeyIds"] == [KEY_A, KEY_B]
    assert (
        "Verified: the root user of account 210987654321 has no access keys"
        in execution.outputs["DeleteRootKeys.Message"]
    )
    [(_, request)] = approvals.requests
    message = request["Message"]
    assert (
        f"{KEY_A} (Active, created 2021-05-04, last used 2026-11-20 08:05 UTC with s3 in us-east-2)"
        in message
    )
    assert f"{KEY_B} (Inactive, created 2021-05-04, never used)" in message
    # Every AssumeRoot went to the regional endpoint, for 900 s at most, with one of the two task policies.
    assume = [call for call in aws.calls if call.action == "sts:AssumeRoot"]
    assert [call.params["TaskPolicyArn"]["arn"] for call in assume] == [
        TASK + "IAMAuditRootUserCredentials",
        TASK + "IAMDeleteRootUserCredentials",
        TASK + "IAMAuditRootUserCredentials",
    ]
    assert {call.endpoint for call in assume} == {f"https://sts.{REGION}.amazonaws.com"}
    # The execution role made exactly the calls policies.json allows it; the IAM changes were made
    # only with root-session credentials, each within its task policy.
    assert aws.actions("role") == set(POLICY["Actions"])
    audit_actions = POLICY["RootSessionActions"]["IAMAuditRootUserCredentials"]
    delete_actions = POLICY["RootSessionActions"]["IAMDeleteRootUserCredentials"]
    assert aws.actions(session_key("IAMAuditRootUserCredentials", 1)) == set(audit_actions)
    assert aws.actions(session_key("IAMDeleteRootUserCredentials", 2)) == set(delete_actions)
    assert aws.actions(session_key("IAMAuditRootUserCredentials", 3)) <= set(audit_actions)


def test_assume_root_stays_within_the_policy_condition(aws):
    [statement] = [s for s in POLICY["PolicyDocument"]["Statement"] if "sts:AssumeRoot" in s["Action"]]
    assert statement["Action"] == ["sts:AssumeRoot"]
    allowed = {
        arn.replace("${AWS::Partition}", "aws")
        for arn in statement["Condition"]["StringEquals"]["sts:TaskPolicyArn"]
    }
    assert allowed == {TASK + "IAMAuditRootUserCredentials", TASK + "IAMDeleteRootUserCredentials"}
    for statement in POLICY["PolicyDocument"]["Statement"]:
        assert all("*" not in action for action in statement["Action"])


def test_no_keys_ends_successfully_without_asking_anyone(aws):
    expect_prerequisites(aws)
    expect_audit(aws, [])
    approvals = Approvals()
    execution = run_runbook(RUNBOOK, parameters(), aws=aws, approve=approvals, system=SYSTEM)
    assert execution.status == "Success"
    assert execution.step_names == ["AuditRootKeys", "BranchOnKeys", "NoKeysFound"]
    assert execution.outputs["AuditRootKeys.Summary"] == "Root user access keys of account 210987654321: none"
    assert approvals.requests == []


def test_rejected_approval_deletes_nothing(aws):
    expect_full_audit(aws)
    execution = run_runbook(RUNBOOK, parameters(), aws=aws, approve=Approvals(answer=False), system=SYSTEM)
    assert execution.status == "Failed"
    assert execution.step_names[-1] == "ApproveDeletion"
    assert "iam:DeleteAccessKey" not in {call.action for call in aws.calls}


def test_a_key_left_after_deletion_fails_the_automation(aws):
    expect_full_audit(aws)
    delete = expect_root_session(aws, "IAMDeleteRootUserCredentials", 2)
    for key_id in (KEY_A, KEY_B):
        aws.expect("iam", "DeleteAccessKey", {}, identity=delete, params={"AccessKeyId": key_id})
    expect_audit(aws, [key_metadata(KEY_B, "Inactive")], number=3)
    execution = run_runbook(RUNBOOK, parameters(), aws=aws, approve=Approvals(), system=SYSTEM)
    assert execution.status == "Failed"
    assert execution.step_names[-1] == "DeleteRootKeys"
    assert f"still has access keys ['{KEY_B}']" in execution.failure
    assert "not complete" in execution.failure


def test_a_key_created_after_the_audit_is_not_deleted_but_reported(aws):
    expect_prerequisites(aws)
    audit = expect_audit(aws, [key_metadata(KEY_A)])
    expect_last_use(aws, audit, KEY_A)
    delete = expect_root_session(aws, "IAMDeleteRootUserCredentials", 2)
    aws.expect("iam", "DeleteAccessKey", {}, identity=delete, params={"AccessKeyId": KEY_A})
    expect_audit(aws, [key_metadata(KEY_B)], number=3)
    execution = run_runbook(RUNBOOK, parameters(), aws=aws, approve=Approvals(), system=SYSTEM)
    assert execution.status == "Failed"
    assert f"['{KEY_B}'] appeared after the audit" in execution.failure
    deleted = [call.params["AccessKeyId"] for call in aws.calls if call.action == "iam:DeleteAccessKey"]
    assert deleted == [KEY_A]


def test_a_key_already_gone_is_noted_and_the_check_still_runs(aws):
    expect_full_audit(aws)
    delete = expect_root_session(aws, "IAMDeleteRootUserCredentials", 2)
    aws.expect(
        "iam",
        "DeleteAccessKey",
        error=("NoSuchEntity", "The Access Key with id ... cannot be found", 404),
        identity=delete,
    )
    aws.expect("iam", "DeleteAccessKey", {}, identity=delete)
    expect_audit(aws, [], number=3)
    execution = run_runbook(RUNBOOK, parameters(), aws=aws, approve=Approvals(), system=SYSTEM)
    assert execution.status == "Success"
    assert execution.outputs["DeleteRootKeys.DeletedKeyIds"] == [KEY_B]
    assert f"already gone: ['{KEY_A}']" in execution.outputs["DeleteRootKeys.Message"]


def test_denied_deletion_fails_and_says_what_was_deleted(aws):
    expect_full_audit(aws)
    delete = expect_root_session(aws, "IAMDeleteRootUserCredentials", 2)
    aws.expect("iam", "DeleteAccessKey", {}, identity=delete)
    aws.expect(
        "iam", "DeleteAccessKey", error=("AccessDenied", "explicit deny in an SCP", 403), identity=delete
    )
    execution = run_runbook(RUNBOOK, parameters(), aws=aws, approve=Approvals(), system=SYSTEM)
    assert execution.status == "Failed"
    assert (
        f"iam:DeleteAccessKey {KEY_B} failed with AccessDenied after deleting ['{KEY_A}']"
        in execution.failure
    )


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (("AccessDenied", "not authorized to perform sts:AssumeRoot", 403), "failed with AccessDenied"),
        (("RegionDisabledException", "STS is not activated in eu-west-1", 403), "failed with RegionDisabled"),
        (
            ("ExpiredTokenException", "The security token included in the request is expired", 400),
            "ExpiredToken",
        ),
    ],
)
def test_assume_root_errors_fail_the_audit(aws, error, message):
    expect_prerequisites(aws)
    aws.expect("sts", "AssumeRoot", error=error, identity="role")
    execution = run_runbook(RUNBOOK, parameters(), aws=aws, approve=Approvals(), system=SYSTEM)
    assert execution.status == "Failed"
    assert execution.step_names == ["AuditRootKeys"]
    assert "sts:AssumeRoot (IAMAuditRootUserCredentials)" in execution.failure
    assert message in execution.failure


def test_assume_root_without_credentials_fails(aws):
    expect_prerequisites(aws)
    aws.expect("sts", "AssumeRoot", {}, identity="role")
    execution = run_runbook(RUNBOOK, parameters(), aws=aws, approve=Approvals(), system=SYSTEM)
    assert execution.status == "Failed"
    assert "returned no usable credentials" in execution.failure


def test_a_root_session_for_another_account_is_refused(aws):
    expect_prerequisites(aws)
    expect_root_session(aws, "IAMAuditRootUserCredentials", account="333333333333")
    execution = run_runbook(RUNBOOK, parameters(), aws=aws, approve=Approvals(), system=SYSTEM)
    assert execution.status == "Failed"
    assert "not the root user of account 210987654321" in execution.failure
    assert "iam:ListAccessKeys" not in {call.action for call in aws.calls}


@pytest.mark.parametrize(
    ("principals", "features", "message"),
    [
        ((), ("RootCredentialsManagement",), "trusted access for IAM is not enabled"),
        (("ssm.amazonaws.com",), ("RootCredentialsManagement",), "trusted access for IAM is not enabled"),
        (("iam.amazonaws.com",), ("RootSessions",), "root credentials management is not enabled"),
        (("iam.amazonaws.com",), (), "root credentials management is not enabled"),
    ],
)
def test_missing_prerequisites_stop_before_any_root_session(aws, principals, features, message):
    aws.expect("sts", "GetCallerIdentity", {"Account": OWN, "Arn": f"arn:aws:sts::{OWN}:assumed-role/x/y"})
    aws.expect(
        "organizations",
        "ListAWSServiceAccessForOrganization",
        {"EnabledServicePrincipals": [{"ServicePrincipal": p} for p in principals]},
    )
    if "iam.amazonaws.com" in principals:
        aws.expect(
            "iam",
            "ListOrganizationsFeatures",
            {"OrganizationId": "o-abcdefghij", "EnabledFeatures": list(features)},
        )
    execution = run_runbook(RUNBOOK, parameters(), aws=aws, approve=Approvals(), system=SYSTEM)
    assert execution.status == "Failed"
    assert f"Prerequisite missing: {message}" in execution.failure
    assert "sts:AssumeRoot" not in {call.action for call in aws.calls}


@pytest.mark.parametrize(
    ("service", "operation", "code", "hint"),
    [
        (
            "organizations",
            "ListAWSServiceAccessForOrganization",
            "AWSOrganizationsNotInUseException",
            "does not belong",
        ),
        (
            "organizations",
            "ListAWSServiceAccessForOrganization",
            "AccessDeniedException",
            "management account",
        ),
        ("iam", "ListOrganizationsFeatures", "ServiceAccessNotEnabledException", "trusted access for IAM"),
        (
            "iam",
            "ListOrganizationsFeatures",
            "AccountNotManagementOrDelegatedAdministratorException",
            "delegated-admin",
        ),
        ("iam", "ListOrganizationsFeatures", "OrganizationNotInAllFeaturesModeException", "all features"),
    ],
)
def test_prerequisite_api_errors_explain_what_is_missing(aws, service, operation, code, hint):
    aws.expect("sts", "GetCallerIdentity", {"Account": OWN, "Arn": f"arn:aws:sts::{OWN}:assumed-role/x/y"})
    if service == "iam":
        aws.expect(
            "organizations",
            "ListAWSServiceAccessForOrganization",
            {"EnabledServicePrincipals": [{"ServicePrincipal": "iam.amazonaws.com"}]},
        )
    aws.expect(service, operation, error=(code, "denied", 400))
    execution = run_runbook(RUNBOOK, parameters(), aws=aws, approve=Approvals(), system=SYSTEM)
    assert execution.status == "Failed"
    assert hint in execution.failure
    assert "sts:AssumeRoot" not in {call.action for call in aws.calls}


def test_refuses_to_target_its_own_account(aws):
    aws.expect(
        "sts", "GetCallerIdentity", {"Account": MEMBER, "Arn": f"arn:aws:sts::{MEMBER}:assumed-role/x/y"}
    )
    execution = run_runbook(RUNBOOK, parameters(), aws=aws, approve=Approvals(), system=SYSTEM)
    assert execution.status == "Failed"
    assert (
        "Refusing to run: AccountId 210987654321 is the account this automation runs in" in execution.failure
    )
    assert [call.action for call in aws.calls] == ["sts:GetCallerIdentity"]


def test_paginated_key_listing_is_read_to_the_end(aws):
    expect_prerequisites(aws)
    audit = expect_root_session(aws, "IAMAuditRootUserCredentials")
    aws.expect(
        "iam",
        "ListAccessKeys",
        {"AccessKeyMetadata": [key_metadata(KEY_A)], "IsTruncated": True, "Marker": "m1"},
    )
    aws.expect(
        "iam",
        "ListAccessKeys",
        {"AccessKeyMetadata": [key_metadata(KEY_B)], "IsTruncated": False},
        params={"Marker": "m1"},
    )
    expect_last_use(aws, audit, KEY_A)
    expect_last_use(aws, audit, KEY_B)
    result = run_handler(
        SCRIPT, "audit_keys", {"AccountId": MEMBER, "Region": REGION, "Partition": "aws"}, aws
    )
    assert result["AccessKeyIds"] == [KEY_A, KEY_B]
    assert result["KeyCount"] == 2


def test_truncated_listing_without_marker_fails_closed(aws):
    expect_prerequisites(aws)
    expect_root_session(aws, "IAMAuditRootUserCredentials")
    aws.expect("iam", "ListAccessKeys", {"AccessKeyMetadata": [], "IsTruncated": True})
    with pytest.raises(Exception, match="gave no Marker"):
        run_handler(SCRIPT, "audit_keys", {"AccountId": MEMBER, "Region": REGION, "Partition": "aws"}, aws)


def test_china_partition_uses_its_endpoint_and_task_policy_arns(aws):
    region = "cn-north-1"
    aws.expect("sts", "GetCallerIdentity", {"Account": OWN, "Arn": f"arn:aws-cn:sts::{OWN}:assumed-role/x/y"})
    aws.expect(
        "organizations",
        "ListAWSServiceAccessForOrganization",
        {"EnabledServicePrincipals": [{"ServicePrincipal": "iam.amazonaws.com"}]},
    )
    aws.expect(
        "iam",
        "ListOrganizationsFeatures",
        {"OrganizationId": "o-abcdefghij", "EnabledFeatures": ["RootCredentialsManagement"]},
    )
    session = expect_root_session(aws, "IAMAuditRootUserCredentials", partition="aws-cn")
    aws.expect("iam", "ListAccessKeys", {"AccessKeyMetadata": [], "IsTruncated": False}, identity=session)
    result = run_handler(
        SCRIPT, "audit_keys", {"AccountId": MEMBER, "Region": region, "Partition": "aws-cn"}, aws
    )
    assert result["KeyCount"] == 0
    sts_endpoints = {call.endpoint for call in aws.calls if call.action.startswith("sts:")}
    assert sts_endpoints == {"https://sts.cn-north-1.amazonaws.com.cn"}


@pytest.mark.parametrize(
    "key_ids",
    [[], None, "AKIAROOTKEYAAAAAAAA1", ["not-a-key-id"], [KEY_A, KEY_A], [KEY_A, 5]],
    ids=["empty", "missing", "string", "malformed", "repeated", "not-a-string"],
)
def test_delete_refuses_key_ids_that_did_not_come_from_an_audit(aws, key_ids):
    events = {"AccountId": MEMBER, "Region": REGION, "Partition": "aws", "AccessKeyIds": key_ids}
    with pytest.raises(Exception, match="AccessKeyIds"):
        run_handler(SCRIPT, "delete_keys", events, aws)
    assert aws.calls == []


@pytest.mark.parametrize(
    ("events", "message"),
    [
        ({"AccountId": "42", "Region": REGION, "Partition": "aws"}, "AccountId"),
        ({"AccountId": MEMBER, "Region": "moon-1", "Partition": "aws"}, "Region"),
        ({"AccountId": MEMBER, "Region": REGION, "Partition": "aws-iso"}, "Partition"),
    ],
)
def test_bad_inputs_fail_before_any_call(aws, events, message):
    with pytest.raises(Exception, match=message):
        run_handler(SCRIPT, "audit_keys", events, aws)
    assert aws.calls == []


class _WithoutAssumeRoot:
    """A boto3 whose STS client predates AssumeRoot (botocore before November 2024)."""

    def __init__(self, aws):
        self.aws = aws

    def client(self, service_name, **kwargs):
        real = self.aws.client(service_name, **kwargs)
        if service_name != "sts":
            return real
        return type("OldSts", (), {"get_caller_identity": real.get_caller_identity})()


def test_an_old_boto3_without_assume_root_is_reported(aws):
    expect_prerequisites(aws)
    with pytest.raises(Exception, match="does not know sts:AssumeRoot"):
        run_handler(
            SCRIPT,
            "audit_keys",
            {"AccountId": MEMBER, "Region": REGION, "Partition": "aws"},
            _WithoutAssumeRoot(aws),
        )
