"""The member-account runbook, run step by step on moto with the root-user model.

The Python of every aws:executeScript step comes from remediation/root-access-keys-manual.yaml
itself (rootkeys_dev.runbook_runner execs the step's Script and calls its Handler with the step's
interpolated InputPayload), so these tests exercise exactly what Automation would run.
"""

import json
from pathlib import Path

import boto3
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rootkeys_dev.emulator import RootKey, RootState
from rootkeys_dev.runbook_runner import RunbookClients, RunbookInputError, run_handler, run_runbook

ROOT = Path(__file__).resolve().parent.parent
RUNBOOK = yaml.safe_load((ROOT / "remediation" / "root-access-keys-manual.yaml").read_text())
POLICIES = json.loads((ROOT / "remediation" / "policies.json").read_text())["Runbooks"]
SCRIPT = next(step["inputs"]["Script"] for step in RUNBOOK["mainSteps"] if step["name"] == "CheckLiveState")
ACCOUNT = "123456789012"
APPROVER = f"arn:aws:iam::{ACCOUNT}:role/SecurityApprover"


def parameters(**overrides):
    values = {
        "AutomationAssumeRole": f"arn:aws:iam::{ACCOUNT}:role/RootKeysRemediation",
        "AccountId": ACCOUNT,
        "Approvers": [APPROVER],
    }
    values.update(overrides)
    return values


class Approvals:
    """Records approval requests; optionally lets the 'root user' act before answering."""

    def __init__(self, answer=True, root_user_action=None):
        self.answer = answer
        self.root_user_action = root_user_action
        self.requests = []

    def __call__(self, step, inputs):
        self.requests.append((step, inputs))
        if self.root_user_action:
            self.root_user_action()
        return self.answer


@pytest.fixture
def topic_and_queue(root_model):
    """An SNS topic with an SQS subscriber, to read what the runbook published."""
    sns = boto3.client("sns", region_name="us-east-1")
    sqs = boto3.client("sqs", region_name="us-east-1")
    topic = sns.create_topic(Name="root-keys-alerts")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="root-keys-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)

    def received():
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(message["Body"]) for message in messages]

    return topic, received


def test_no_keys_ends_successfully_and_says_so(root_model):
    state = root_model.set(ACCOUNT, RootState(keys=[]))
    aws = RunbookClients()
    approvals = Approvals()
    execution = run_runbook(RUNBOOK, parameters(), aws=aws, approve=approvals)
    assert execution.status == "Success"
    assert execution.step_names == ["CheckLiveState", "BranchOnKeys", "NoKeysFound"]
    assert "no access keys: nothing to remediate" in execution.outputs["CheckLiveState.Message"]
    assert approvals.requests == []
    assert state.calls == ["GetAccountSummary"]
    assert aws.actions() == {"sts:GetCallerIdentity", "iam:GetAccountSummary"}


def test_keys_deleted_by_root_user_during_approval_ends_verified(root_model, topic_and_queue):
    topic, received = topic_and_queue
    root_model.set(ACCOUNT, RootState(keys=[RootKey(active=True)]))
    aws = RunbookClients()
    approvals = Approvals(root_user_action=lambda: root_model.set(ACCOUNT, RootState(keys=[])))
    execution = run_runbook(RUNBOOK, parameters(NotificationTopicArn=topic), aws=aws, approve=approvals)

    assert execution.status == "Success"
    assert execution.step_names == [
        "CheckLiveState",
        "BranchOnKeys",
        "NotifyRootUser",
        "WaitForRootUser",
        "VerifyKeysDeleted",
    ]
    assert execution.outputs["VerifyKeysDeleted.Message"].startswith("Verified: the root user of account")
    [(step, inputs)] = approvals.requests
    assert step == "WaitForRootUser"
    assert inputs["Approvers"] == [APPROVER]
    assert inputs["MinRequiredApprovals"] == 1
    assert ACCOUNT in inputs["Message"] and "Security credentials" in inputs["Message"]
    [notification] = received()
    assert (
        notification["Subject"] == f"Action needed: delete the root user access keys of AWS account {ACCOUNT}"
    )
    text = notification["Message"]
    needed = (
        "Sign in to the AWS Management Console as the root user",
        "Security credentials",
        "Last used",
        "least-privileged IAM role",
        "delete each key",
        "00000000-1111-2222-3333-444444444444",  # the execution id the approver acts on
    )
    assert [phrase for phrase in needed if phrase not in text] == []
    assert text == execution.step("NotifyRootUser").outputs["Instructions"]
    # The execution role needs exactly what policies.json grants, nothing more.
    assert aws.actions() == set(POLICIES["root-access-keys-manual"]["Actions"])


@pytest.mark.parametrize("key", [RootKey(active=True), RootKey(active=False)], ids=["active", "inactive"])
def test_approval_while_a_key_remains_fails_and_says_so(root_model, key):
    root_model.set(ACCOUNT, RootState(keys=[key]))
    execution = run_runbook(RUNBOOK, parameters(), aws=RunbookClients(), approve=Approvals())
    assert execution.status == "Failed"
    assert execution.step_names[-1] == "VerifyKeysDeleted"
    assert "still has at least one access key" in execution.failure
    assert "not complete" in execution.failure
    assert "VerifyKeysDeleted.Message" not in execution.outputs


def test_rejected_approval_fails_without_a_final_check(root_model):
    state = root_model.set(ACCOUNT, RootState(keys=[RootKey()]))
    execution = run_runbook(RUNBOOK, parameters(), aws=RunbookClients(), approve=Approvals(answer=False))
    assert execution.status == "Failed"
    assert execution.step_names[-1] == "WaitForRootUser"
    assert state.calls == ["GetAccountSummary"]


def test_denied_account_summary_fails_the_first_step(root_model):
    root_model.set(ACCOUNT, RootState(keys=[], denied_actions=frozenset({"GetAccountSummary"})))
    execution = run_runbook(RUNBOOK, parameters(), aws=RunbookClients(), approve=Approvals())
    assert execution.status == "Failed"
    assert execution.step_names == ["CheckLiveState"]
    assert "iam:GetAccountSummary failed with AccessDenied" in execution.failure


def test_refuses_an_account_it_does_not_run_in(root_model):
    own = root_model.set(ACCOUNT, RootState(keys=[]))
    aws = RunbookClients()
    execution = run_runbook(RUNBOOK, parameters(AccountId="210987654321"), aws=aws, approve=Approvals())
    assert execution.status == "Failed"
    assert execution.step_names == ["CheckLiveState"]
    assert "AccountId 210987654321 is not the account this automation runs in" in execution.failure
    assert own.calls == []  # it stopped before reading IAM
    assert aws.actions() == {"sts:GetCallerIdentity"}


def test_publish_failure_stops_before_the_approval(root_model):
    root_model.set(ACCOUNT, RootState(keys=[RootKey()]))
    missing = f"arn:aws:sns:us-east-1:{ACCOUNT}:no-such-topic"
    approvals = Approvals()
    execution = run_runbook(
        RUNBOOK, parameters(NotificationTopicArn=missing), aws=RunbookClients(), approve=approvals
    )
    assert execution.status == "Failed"
    assert execution.step_names[-1] == "NotifyRootUser"
    assert "sns:Publish failed with NotFound" in execution.failure
    assert approvals.requests == []


def test_without_a_topic_the_approval_request_carries_the_instructions(root_model):
    root_model.set(ACCOUNT, RootState(keys=[RootKey()]))
    aws = RunbookClients()
    approvals = Approvals(root_user_action=lambda: root_model.set(ACCOUNT, RootState(keys=[])))
    execution = run_runbook(RUNBOOK, parameters(), aws=aws, approve=approvals)
    assert execution.status == "Success"
    assert execution.outputs["NotifyRootUser.Published"] is False
    assert "Only the root user can delete them" in approvals.requests[0][1]["Message"]
    assert "sns:Publish" not in aws.actions()


def test_summary_without_the_key_flag_fails_closed(root_model):
    aws = RunbookClients(scripted_services=frozenset({"iam"}))
    aws.expect("iam", "GetAccountSummary", {"SummaryMap": {"Users": 3}})
    with pytest.raises(Exception, match="no usable AccountAccessKeysPresent value"):
        run_handler(SCRIPT, "check_before", {"AccountId": ACCOUNT}, aws)


def test_govcloud_instructions_point_to_centralized_root_access(root_model):
    events = {
        "AccountId": ACCOUNT,
        "NotificationTopicArn": "",
        "ExecutionId": "e-1",
        "Partition": "aws-us-gov",
    }
    result = run_handler(SCRIPT, "notify", events, RunbookClients())
    assert result["Published"] is False
    assert "GovCloud (US)" in result["Instructions"]
    assert "root-access-keys-central" in result["Instructions"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"AccountId": "12345"}, "AccountId"),
        ({"AccountId": "1234567890123"}, "AccountId"),
        ({"Approvers": []}, "Approvers"),
        ({"NotificationTopicArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts.fifo"}, "NotificationTopicArn"),
        ({"AutomationAssumeRole": "my-role"}, "AutomationAssumeRole"),
    ],
)
def test_parameters_automation_would_reject(overrides, message):
    with pytest.raises(RunbookInputError, match=message):
        run_runbook(RUNBOOK, parameters(**overrides))


def test_approvers_are_required():
    values = parameters()
    del values["Approvers"]
    with pytest.raises(RunbookInputError, match="Approvers is required"):
        run_runbook(RUNBOOK, values)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    account_id=st.one_of(
        st.text(max_size=14), st.integers(), st.none(), st.from_regex(r"\d{12}", fullmatch=True)
    )
)
def test_script_refuses_every_account_id_but_its_own(root_model, account_id):
    root_model.set(ACCOUNT, RootState(keys=[]))
    events = {"AccountId": account_id}
    if account_id == ACCOUNT:
        assert run_handler(SCRIPT, "check_before", events, RunbookClients())["AccessKeysPresent"] is False
        return
    with pytest.raises(Exception) as raised:
        run_handler(SCRIPT, "check_before", events, RunbookClients())
    assert type(raised.value).__name__ == "RemediationError"
    assert "AccountId" in str(raised.value)
