"""Organization deployments: events for accounts outside the organization are refused cheaply,
visibly and without an error (issue 9, item 7)."""

import json
import logging

import boto3
import pytest
from conftest import make_event
from root_access_keys.organization_scope import (
    EXECUTION_ROLE_VARIABLE,
    MISS_REFRESH_SECONDS,
    ORGANIZATION_ID_VARIABLE,
    REFRESH_SECONDS,
    REFUSED_MESSAGE,
    MemberAccounts,
)

from rootkeys_dev.emulator import RootKey, RootState

ROLE = "IAM_ROOT_NO_ACCESS_KEYS-execution"
OUTSIDER = "999988887777"


class Clock:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def organization(root_model, monkeypatch):
    """moto's Organizations with the function's account as management account and one member."""
    client = boto3.client("organizations", region_name="us-east-1")
    organization_id = client.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    member = client.create_account(AccountName="workload", Email="workload@example.com")
    member_id = member["CreateAccountStatus"]["AccountId"]
    monkeypatch.setenv(ORGANIZATION_ID_VARIABLE, organization_id)
    monkeypatch.setenv(EXECUTION_ROLE_VARIABLE, ROLE)
    from root_access_keys.handler import HANDLER

    clock = Clock()
    monkeypatch.setattr(HANDLER, "members", MemberAccounts(clock))
    return organization_id, member_id, clock


def lines(caplog):
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "root_access_keys"]


def run(handler, account, caplog, role=ROLE):
    caplog.clear()
    caplog.set_level(logging.INFO, logger="root_access_keys")
    return handler(make_event(account, rule_parameters={"ExecutionRoleName": role}), None)


def test_a_member_is_evaluated_as_usual(organization, root_model, handler, caplog):
    _, member, _ = organization
    root_model.set(member, RootState(keys=[RootKey(active=True)]))
    [evaluation] = run(handler, member, caplog)
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    [line] = lines(caplog)
    assert line["message"] == "evaluation recorded"
    assert line["api_calls"][:2] == ["organizations:ListAccounts", "sts:AssumeRole"]


def test_an_account_outside_the_organization_is_refused_without_an_error(organization, handler, caplog):
    organization_id, _, _ = organization
    assert run(handler, OUTSIDER, caplog) == []
    [line] = lines(caplog)
    assert line["message"] == REFUSED_MESSAGE
    assert line["reason"] == f"account {OUTSIDER} is not in organization {organization_id}"
    assert line["api_calls"] == ["organizations:ListAccounts"]  # no AssumeRole, no evaluation
    assert next(r for r in caplog.records if r.name == "root_access_keys").levelno == logging.WARNING


def test_another_role_name_is_refused_before_any_aws_call(organization, handler, caplog):
    _, member, _ = organization
    assert run(handler, member, caplog, role="SomeoneElsesRole") == []
    [line] = lines(caplog)
    assert line["message"] == REFUSED_MESSAGE
    assert "SomeoneElsesRole" in line["reason"]
    assert line["api_calls"] == []


def test_the_account_list_is_cached_and_outsiders_cannot_force_refreshes(organization, handler, caplog):
    _, member, clock = organization
    run(handler, member, caplog)
    for _ in range(5):
        assert run(handler, OUTSIDER, caplog) == []
        assert lines(caplog)[0]["api_calls"] == []  # answered from the cache
    clock.now += MISS_REFRESH_SECONDS + 1
    run(handler, OUTSIDER, caplog)
    assert lines(caplog)[0]["api_calls"] == ["organizations:ListAccounts"]  # one refresh for a miss
    run(handler, OUTSIDER, caplog)
    assert lines(caplog)[0]["api_calls"] == []
    clock.now += REFRESH_SECONDS + 1
    run(handler, member, caplog)
    assert lines(caplog)[-1]["api_calls"][0] == "organizations:ListAccounts"  # periodic refresh


def test_a_new_member_is_found_after_a_miss_refresh(organization, root_model, handler, caplog):
    _, member, clock = organization
    run(handler, member, caplog)
    newcomer = boto3.client("organizations", region_name="us-east-1").create_account(
        AccountName="new", Email="new@example.com"
    )["CreateAccountStatus"]["AccountId"]
    root_model.set(newcomer, RootState(keys=[]))
    assert run(handler, newcomer, caplog) == []  # not yet in the cached list
    clock.now += MISS_REFRESH_SECONDS + 1
    [evaluation] = run(handler, newcomer, caplog)
    assert evaluation["ComplianceType"] == "COMPLIANT"


def test_when_the_account_list_cannot_be_read_the_event_is_still_evaluated(
    organization, root_model, handler, caplog, monkeypatch
):
    _, member, _ = organization
    root_model.set(member, RootState(keys=[]))
    from moto.organizations.responses import OrganizationsResponse

    def denied(self):
        raise boto3.client("organizations").exceptions.AccessDeniedException(
            {"Error": {"Code": "AccessDeniedException", "Message": "denied"}}, "ListAccounts"
        )

    monkeypatch.setattr(OrganizationsResponse, "list_accounts", denied, raising=True)
    [evaluation] = run(handler, member, caplog)
    assert evaluation["ComplianceType"] == "COMPLIANT"
    messages = [line["message"] for line in lines(caplog)]
    assert "organization account list unavailable: evaluating without the membership check" in messages


def test_without_the_organization_settings_nothing_is_checked(root_model, handler, caplog):
    root_model.set(OUTSIDER, RootState(keys=[]))
    [evaluation] = run(handler, OUTSIDER, caplog, role="AnyRole")
    assert evaluation["ComplianceType"] == "COMPLIANT"
