"""org-audit's preflight and account selection, against botocore's Stubber (real request models).

moto cannot answer these states (no centralized root access, no IAM trusted access), so each
failure is scripted; the end-to-end runs on the emulator are in test_org_audit.py.
"""

import boto3
import pytest
from botocore.stub import Stubber

from rootkeys.org.accounts import (
    NOT_IN_ORGANIZATION,
    parse_account_ids,
    parse_ou_id,
    select_accounts,
)
from rootkeys.org.preflight import PreflightError, preflight

CALLER = {"UserId": "AIDEXAMPLE", "Account": "111111111111", "Arn": "arn:aws:iam::111111111111:user/auditor"}
ORGANIZATION = {
    "Organization": {
        "Id": "o-abcdefghij",
        "Arn": "arn:aws:organizations::111111111111:organization/o-abcdefghij",
        "MasterAccountId": "111111111111",
        "FeatureSet": "ALL",
    }
}
TRUSTED = {"EnabledServicePrincipals": [{"ServicePrincipal": "iam.amazonaws.com"}]}
FEATURES = {
    "OrganizationId": "o-abcdefghij",
    "EnabledFeatures": ["RootCredentialsManagement", "RootSessions"],
}


@pytest.fixture
def stubs():
    clients = {name: boto3.client(name, region_name="us-east-1") for name in ("sts", "organizations", "iam")}
    stubbers = {name: Stubber(client) for name, client in clients.items()}
    for stubber in stubbers.values():
        stubber.activate()
    yield clients, stubbers
    for stubber in stubbers.values():
        stubber.deactivate()


def run(stubs):
    clients, _ = stubs
    return preflight(clients["sts"], clients["organizations"], clients["iam"])


def test_a_ready_organization_passes_with_caller_and_organization(stubs):
    _, stub = stubs
    stub["sts"].add_response("get_caller_identity", CALLER)
    stub["organizations"].add_response("describe_organization", ORGANIZATION)
    stub["organizations"].add_response("list_aws_service_access_for_organization", TRUSTED)
    stub["iam"].add_response("list_organizations_features", FEATURES)
    caller, organization = run(stubs)
    assert (caller.account_id, caller.partition) == ("111111111111", "aws")
    assert organization.organization_id == "o-abcdefghij"
    assert organization.management_account_id == "111111111111"
    assert "RootCredentialsManagement" in organization.features


def test_not_in_an_organization(stubs):
    _, stub = stubs
    stub["sts"].add_response("get_caller_identity", CALLER)
    stub["organizations"].add_client_error("describe_organization", "AWSOrganizationsNotInUseException", "no")
    with pytest.raises(PreflightError, match="not in an AWS Organization"):
        run(stubs)


def test_trusted_access_for_iam_off_names_the_command_that_enables_it(stubs):
    _, stub = stubs
    stub["sts"].add_response("get_caller_identity", CALLER)
    stub["organizations"].add_response("describe_organization", ORGANIZATION)
    stub["organizations"].add_response(
        "list_aws_service_access_for_organization",
        {"EnabledServicePrincipals": [{"ServicePrincipal": "config.amazonaws.com"}]},
    )
    with pytest.raises(PreflightError) as raised:
        run(stubs)
    assert "Trusted access for IAM is not enabled" in str(raised.value)
    assert "enable-aws-service-access --service-principal iam.amazonaws.com" in str(raised.value)


def test_root_credentials_management_off_names_the_command_that_enables_it(stubs):
    _, stub = stubs
    stub["sts"].add_response("get_caller_identity", CALLER)
    stub["organizations"].add_response("describe_organization", ORGANIZATION)
    stub["organizations"].add_response("list_aws_service_access_for_organization", TRUSTED)
    stub["iam"].add_response(
        "list_organizations_features", {"OrganizationId": "o-abcdefghij", "EnabledFeatures": ["RootSessions"]}
    )
    with pytest.raises(PreflightError) as raised:
        run(stubs)
    assert "Centralized root access is not enabled" in str(raised.value)
    assert "enable-organizations-root-credentials-management" in str(raised.value)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("AccountNotManagementOrDelegatedAdministratorException", "neither the management account nor"),
        ("ServiceAccessNotEnabledException", "Trusted access for IAM is not enabled"),
        ("AccessDenied", "iam:ListOrganizationsFeatures denied"),
    ],
)
def test_features_call_failures_say_what_is_missing(stubs, code, message):
    _, stub = stubs
    stub["sts"].add_response("get_caller_identity", CALLER)
    stub["organizations"].add_response("describe_organization", ORGANIZATION)
    stub["organizations"].add_response("list_aws_service_access_for_organization", TRUSTED)
    stub["iam"].add_client_error("list_organizations_features", code, "no", 400)
    with pytest.raises(PreflightError, match=message):
        run(stubs)


def test_a_denied_caller_identity_stops_before_anything_else(stubs):
    _, stub = stubs
    stub["sts"].add_client_error("get_caller_identity", "AccessDenied", "denied", 403)
    with pytest.raises(PreflightError, match="sts:GetCallerIdentity denied"):
        run(stubs)


def _account(account_id, state="ACTIVE", name="a"):
    return {
        "Id": account_id,
        "Arn": f"arn:aws:organizations::111111111111:account/o-abcdefghij/{account_id}",
        "Email": f"{account_id}@example.com",
        "Name": name,
        "State": state,
    }


def test_an_ou_is_walked_recursively(stubs):
    clients, stub = stubs
    organizations = stub["organizations"]
    organizations.add_response(
        "list_accounts_for_parent", {"Accounts": [_account("222222222222")]}, {"ParentId": "ou-ab12-11111111"}
    )
    organizations.add_response(
        "list_organizational_units_for_parent",
        {"OrganizationalUnits": [{"Id": "ou-ab12-22222222", "Arn": "arn:x", "Name": "child"}]},
        {"ParentId": "ou-ab12-11111111"},
    )
    organizations.add_response(
        "list_accounts_for_parent",
        {"Accounts": [_account("333333333333", "SUSPENDED")]},
        {"ParentId": "ou-ab12-22222222"},
    )
    organizations.add_response(
        "list_organizational_units_for_parent", {"OrganizationalUnits": []}, {"ParentId": "ou-ab12-22222222"}
    )
    accounts = select_accounts(clients["organizations"], ou_id="ou-ab12-11111111")
    assert [(a.account_id, a.state) for a in accounts] == [
        ("222222222222", "ACTIVE"),
        ("333333333333", "SUSPENDED"),
    ]


def test_listed_ids_outside_the_organization_are_kept_and_marked(stubs):
    clients, stub = stubs
    stub["organizations"].add_response("list_accounts", {"Accounts": [_account("222222222222")]})
    accounts = select_accounts(clients["organizations"], account_ids=["222222222222", "999999999999"])
    assert [(a.account_id, a.state) for a in accounts] == [
        ("222222222222", "ACTIVE"),
        ("999999999999", NOT_IN_ORGANIZATION),
    ]


def test_the_older_status_field_is_read_when_state_is_absent(stubs):
    clients, stub = stubs
    legacy = _account("222222222222")
    del legacy["State"]
    legacy["Status"] = "SUSPENDED"
    stub["organizations"].add_response("list_accounts", {"Accounts": [legacy]})
    [account] = select_accounts(clients["organizations"])
    assert account.state == "SUSPENDED"
    assert not account.active


@pytest.mark.parametrize("text", ["1234", "12345678901a", "111111111111,abc"])
def test_account_ids_must_be_12_digits(text):
    with pytest.raises(ValueError, match="12-digit"):
        parse_account_ids(text)


def test_account_ids_are_deduplicated_in_order():
    assert parse_account_ids("222222222222, 111111111111,222222222222") == ["222222222222", "111111111111"]


@pytest.mark.parametrize("text", ["ou-ab12-11111111", "r-ab12"])
def test_ou_and_root_ids_are_accepted(text):
    assert parse_ou_id(text) == text


def test_other_ou_ids_are_refused():
    with pytest.raises(ValueError, match="organizational unit id"):
        parse_ou_id("sales")
