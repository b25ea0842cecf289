"""Least privilege for org-audit and org-remediate: the policies in templates/policies/ allow exactly
the calls the commands make with the caller's credentials, as the emulated server saw them.

Calls signed by a root session are not the caller's: the AWS managed task policy of each session
authorizes them, and the emulator enforces that policy (tests/test_org_emulator.py).
"""

import json
from pathlib import Path

import pytest
from root_access_keys.spec import RuleParameters

from rootkeys.org.audit import OrgAuditOptions, OrgAuditor
from rootkeys.org.plan import Scope
from rootkeys.org.remediate import OrgRemediateOptions, OrgRemediator
from rootkeys_dev.emulator import RootCertificate, RootKey, RootMfaDevice, RootState

pytestmark = pytest.mark.server
POLICIES = Path(__file__).resolve().parent.parent / "templates" / "policies"
TASK = "arn:aws:iam::aws:policy/root-task/"


def policy(name):
    return json.loads((POLICIES / f"{name}.json").read_text())


def allowed_actions(document):
    actions = set()
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow"
        listed = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all("*" not in action for action in listed), "no wildcard actions"
        actions |= set(listed)
    return actions


def callers_calls(model):
    """(service:Action) of every request signed with the caller's own credentials."""
    return {
        f"{entry.service}:{entry.action}"
        for entry in model.requests()
        if model.session(entry.access_key) is None
    }


def task_policies(document):
    [statement] = [s for s in document["Statement"] if s["Action"] == "sts:AssumeRoot"]
    assert statement["Resource"] == "arn:aws:iam::*:root"
    arns = statement["Condition"]["StringEquals"]["sts:TaskPolicyArn"]
    return {arns} if isinstance(arns, str) else set(arns)


@pytest.fixture
def fleet(org_emulator):
    org, model = org_emulator, org_emulator.model
    # The caller's own account has a key, so its path reads the credential report too.
    model.set_root(org.management_account_id, RootState(keys=[RootKey(True)], report_expired=True))
    model.set_root(
        org.member("prod-app"),
        RootState(
            keys=[RootKey(True)], certificates=[RootCertificate()], password=True, mfa=[RootMfaDevice()]
        ),
    )
    return org


def test_org_audit_policy_allows_exactly_what_org_audit_calls(fleet):
    model = fleet.model
    model.clear_requests()
    OrgAuditor(OrgAuditOptions(RuleParameters(), region=fleet.region)).run()
    OrgAuditor(OrgAuditOptions(RuleParameters(), region=fleet.region, ou_id=fleet.ou_ids["Workloads"])).run()
    document = policy("org-audit")
    assert allowed_actions(document) == callers_calls(model)
    assert task_policies(document) == {TASK + "IAMAuditRootUserCredentials"}
    assert {session.task_policy for session in model.sessions()} == {"IAMAuditRootUserCredentials"}


def test_org_remediate_policy_allows_exactly_what_org_remediate_calls(fleet, tmp_path):
    model = fleet.model
    plan = tmp_path / "plan.json"
    plan.write_text(
        json.dumps(OrgAuditor(OrgAuditOptions(RuleParameters(), region=fleet.region)).run().to_json())
    )
    model.clear_requests()
    OrgRemediator(
        OrgRemediateOptions(
            plan_path=plan,
            parameters=RuleParameters(),
            apply=True,
            region=fleet.region,
            scope=Scope(all_root_credentials=True),
        )
    ).run()
    document = policy("org-remediate")
    assert allowed_actions(document) == callers_calls(model)
    assert task_policies(document) == {
        TASK + "IAMDeleteRootUserCredentials",
        TASK + "IAMAuditRootUserCredentials",
    }
    assert {session.task_policy for session in model.sessions()} == {
        "IAMDeleteRootUserCredentials",
        "IAMAuditRootUserCredentials",
    }
