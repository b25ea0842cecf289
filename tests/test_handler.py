"""The Lambda handler end to end through rdklib on moto (in process), with the root user modelled.

Every HTTP request the rule's clients send is seen by a `before-send` hook registered first on a
fresh boto3 default session, which can also answer instead of moto (throttling, FailedEvaluations,
a PutEvaluations without TestMode, which moto does not implement). Retries are botocore's own.
"""

import functools
import json
import logging
import os
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.retries import standard
from botocore.stub import ANY, Stubber
from conftest import ACCOUNT_ID, make_event
from root_access_keys import iam_evidence
from root_access_keys.budget import LAMBDA_POLICY
from root_access_keys.clients import own_role_client
from root_access_keys.errors import (
    AccountSummaryUnavailableError,
    EvaluationNotRecordedError,
    ExecutionRoleError,
    InvalidEventError,
    InvalidRuleParameterError,
)

from rootkeys_dev.emulator import RootKey, RootState

MEMBER_ID = "111122223333"
FAKE_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
FAKE_TOKEN = "FwoGZXIvYXdzEXAMPLE-session-token-never-logged"
VALID_COMPLIANCE = {"COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"}
IAM_THROTTLED = (
    b'<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>'
    b"<Code>Throttling</Code><Message>Rate exceeded</Message></Error>"
    b"<RequestId>r1</RequestId></ErrorResponse>"
)
IAM_INTERNAL = IAM_THROTTLED.replace(b"Throttling", b"ServiceFailure").replace(b"Sender", b"Receiver")


class RawBody:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_):
        yield self._data


def aws_response(status: int, body: bytes, content_type: str) -> AWSResponse:
    return AWSResponse("https://aws.invalid/", status, {"Content-Type": content_type}, RawBody(body))


def json_response(status: int, document: dict) -> AWSResponse:
    return aws_response(status, json.dumps(document).encode(), "application/x-amz-json-1.1")


class Wire:
    """Records every request sent (retries included) and can answer some of them instead of moto."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.bodies: dict[str, list[bytes]] = {}
        self.urls: dict[str, list[str]] = {}
        self.access_keys: dict[str, list[str]] = {}
        self.canned: dict[str, list[AWSResponse]] = {}

    def answer(self, operation: str, *responses: AWSResponse) -> None:
        self.canned.setdefault(operation, []).extend(responses)

    def before_send(self, request, event_name: str, **_):
        operation = event_name.split(".", 1)[1]  # e.g. "iam.GetAccountSummary"
        self.sent.append(operation)
        self.bodies.setdefault(operation, []).append(request.body or b"")
        self.urls.setdefault(operation, []).append(request.url)
        authorization = request.headers.get("Authorization", b"")
        authorization = authorization.decode() if isinstance(authorization, bytes) else authorization
        signer_key = authorization.partition("Credential=")[2].partition("/")[0]
        self.access_keys.setdefault(operation, []).append(signer_key)
        queue = self.canned.get(operation)
        return queue.pop(0) if queue else None

    def put_evaluations_request(self, index: int = -1) -> dict:
        return json.loads(self.bodies["config-service.PutEvaluations"][index])

    def query(self, operation: str, index: int = -1) -> dict[str, list[str]]:
        body = self.bodies[operation][index]
        return parse_qs(body.decode() if isinstance(body, bytes) else body)


class LambdaContext:
    def __init__(self, budget_seconds: float = 60.0, account: str = ACCOUNT_ID) -> None:
        self._deadline = time.monotonic() + budget_seconds
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:{account}:function:IAM_ROOT_NO_ACCESS_KEYS"

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.monotonic()) * 1000)


@pytest.fixture
def wire(monkeypatch, root_model):
    """A fresh boto3 default session (clients copy its handlers) with the recording hook first."""
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", FAKE_TOKEN)
    session = boto3.Session()
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", session)
    recorder = Wire()
    session.events.register_first("before-send", recorder.before_send)
    return recorder


@pytest.fixture
def backoff(monkeypatch):
    """The attempt numbers botocore backs off after, with the wait itself skipped (the decision
    to retry, and how often, stays botocore's)."""
    attempts: list[int] = []

    def no_wait(self, context):
        attempts.append(context.attempt_number)
        return 0

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", no_wait)
    return attempts


@pytest.fixture(autouse=True)
def quick_polling(monkeypatch):
    """Report polling in milliseconds instead of seconds; the loop and its budget checks are unchanged."""
    monkeypatch.setattr(
        iam_evidence,
        "PollingPolicy",
        functools.partial(iam_evidence.PollingPolicy, first_delay=0.005, max_delay=0.02),
    )


def run(handler, event, context=None):
    [evaluation] = handler(event, context or LambdaContext())
    assert evaluation["ComplianceType"] in VALID_COMPLIANCE
    assert evaluation["ComplianceResourceType"] == "AWS::::Account"
    assert evaluation["ComplianceResourceId"] == json.loads(event["invokingEvent"])["awsAccountId"]
    assert evaluation["OrderingTimestamp"] == json.loads(event["invokingEvent"])["notificationCreationTime"]
    assert 1 <= len(evaluation["Annotation"]) <= 256
    return evaluation


def rule_log_lines(caplog):
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "root_access_keys"]


USED = datetime(2026, 11, 20, 14, 5, tzinfo=UTC)

# name -> (RootState, rule parameters, expected compliance, texts the annotation must contain)
SCENARIOS = {
    "no keys": (RootState(keys=[]), {}, "COMPLIANT", ["No root access key exists"]),
    "no credentials at all": (
        RootState(keys=[], password=False, mfa=False),
        {},
        "COMPLIANT",
        ["centrally managed"],
    ),
    "one active key": (
        RootState(keys=[RootKey(True, last_used=USED, last_used_region="us-east-1", last_used_service="s3")]),
        {},
        "NON_COMPLIANT",
        ["1 active, 0 inactive", "last used 2026-11-20 (s3 us-east-1)"],
    ),
    "inactive key only": (RootState(keys=[RootKey(False)]), {}, "NON_COMPLIANT", ["0 active, 1 inactive"]),
    "inactive key only, IgnoreInactiveKeys": (
        RootState(keys=[RootKey(False)]),
        {"IgnoreInactiveKeys": "true"},
        "COMPLIANT",
        ["IgnoreInactiveKeys is true"],
    ),
    "two keys": (
        RootState(keys=[RootKey(True), RootKey(False, last_used=USED, last_used_service="ec2")]),
        {"IgnoreInactiveKeys": "TRUE"},
        "NON_COMPLIANT",
        ["2 access keys (1 active, 1 inactive)", "key 2 inactive, last used 2026-11-20 (ec2)"],
    ),
    "report older than the key": (
        RootState(keys=[RootKey(True)], report_lists_keys=False),
        {},
        "NON_COMPLIANT",
        ["stale"],
    ),
    "report without root row": (
        RootState(keys=[RootKey(False)], report_has_root_row=False),
        {"IgnoreInactiveKeys": "true"},
        "NON_COMPLIANT",
        ["has no root row", "stale"],
    ),
    "report expired": (
        RootState(keys=[RootKey(True)], report_expired=True),
        {},
        "NON_COMPLIANT",
        ["1 active"],
    ),
    "report generating a while": (
        RootState(keys=[RootKey(False)], generation_polls=3),
        {},
        "NON_COMPLIANT",
        ["0 active, 1 inactive"],
    ),
    "report denied": (
        RootState(keys=[RootKey(True)], denied_actions=frozenset({"GetCredentialReport"})),
        {},
        "NON_COMPLIANT",
        ["detail unavailable", "iam:GetCredentialReport denied"],
    ),
    "signing certificate, not counted": (
        RootState(keys=[], certificates=1),
        {},
        "COMPLIANT",
        ["No root access key"],
    ),
    "signing certificate, counted": (
        RootState(keys=[], certificates=1),
        {"IncludeSigningCertificates": "true"},
        "NON_COMPLIANT",
        ["signing certificates"],
    ),
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario(name, wire, root_model, handler):
    state, parameters, compliance, texts = SCENARIOS[name]
    root_model.set(ACCOUNT_ID, state)
    evaluation = run(handler, make_event(rule_parameters=parameters))
    assert evaluation["ComplianceType"] == compliance
    for text in texts:
        assert text in evaluation["Annotation"]
    # What was sent to Config is what the handler returns.
    [sent] = wire.put_evaluations_request()["Evaluations"]
    assert sent["ComplianceType"] == compliance
    assert sent["Annotation"] == evaluation["Annotation"]
    assert "config-service.GetComplianceDetailsByConfigRule" not in wire.sent


def test_compliant_fast_path_costs_exactly_one_iam_call_and_one_put(wire, root_model, handler, caplog):
    state = root_model.set(ACCOUNT_ID, RootState(keys=[]))
    caplog.set_level(logging.INFO)
    run(handler, make_event())
    assert wire.sent == ["iam.GetAccountSummary", "config-service.PutEvaluations"]
    assert state.calls == ["GetAccountSummary"]
    [line] = rule_log_lines(caplog)
    assert line["api_calls"] == ["iam:GetAccountSummary", "config:PutEvaluations"]


def test_existing_fresh_report_is_read_without_generating(wire, root_model, handler):
    state = root_model.set(ACCOUNT_ID, RootState(keys=[RootKey(True)]))
    boto3.client("iam").generate_credential_report()  # a report exists before the rule runs
    state.calls.clear()
    run(handler, make_event())
    assert state.calls == ["GetAccountSummary", "GetCredentialReport"]


def test_missing_report_is_generated_then_read(wire, root_model, handler):
    state = root_model.set(ACCOUNT_ID, RootState(keys=[RootKey(True)], generation_polls=2))
    run(handler, make_event())
    assert state.calls[:2] == ["GetAccountSummary", "GetCredentialReport"]
    assert state.calls.count("GenerateCredentialReport") >= 3
    assert state.calls[-1] == "GetCredentialReport"


def test_old_report_that_disagrees_is_regenerated(wire, root_model, handler):
    state = root_model.set(
        ACCOUNT_ID, RootState(keys=[RootKey(True)], report_lists_keys=False, report_age=timedelta(hours=5))
    )
    boto3.client("iam").generate_credential_report()
    state.calls.clear()
    evaluation = run(handler, make_event())
    assert "GenerateCredentialReport" in state.calls
    assert "stale" in evaluation["Annotation"]


def test_old_report_that_agrees_is_not_regenerated(wire, root_model, handler):
    state = root_model.set(ACCOUNT_ID, RootState(keys=[RootKey(True)], report_age=timedelta(hours=5)))
    boto3.client("iam").generate_credential_report()
    state.calls.clear()
    run(handler, make_event())
    assert state.calls == ["GetAccountSummary", "GetCredentialReport"]


class TickingContext(LambdaContext):
    """Remaining time that drops by a fixed step each time it is asked: independent of machine load."""

    def __init__(self, budget_seconds: float, step_seconds: float) -> None:
        super().__init__()
        self._remaining = budget_seconds
        self._step = step_seconds

    def get_remaining_time_in_millis(self) -> int:
        self._remaining -= self._step
        return int(self._remaining * 1000)


def test_report_still_generating_past_the_budget_is_detail_unavailable(wire, root_model, handler):
    state = root_model.set(ACCOUNT_ID, RootState(keys=[RootKey(False)], generation_polls=1_000_000))
    # The reserve for PutEvaluations and the exit margin are kept; beyond the one minimal attempt
    # every call needs, 0.6 s remain for polling, spent 0.1 s per look at the clock.
    kept = LAMBDA_POLICY.record_reserve + LAMBDA_POLICY.exit_margin + LAMBDA_POLICY.min_attempt_seconds
    evaluation = run(handler, make_event(), TickingContext(budget_seconds=kept + 0.6, step_seconds=0.1))
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert "detail unavailable" in evaluation["Annotation"]
    assert "time budget" in evaluation["Annotation"]
    # One generation request per look at the clock until the budget is gone, then it stops.
    assert 2 <= state.calls.count("GenerateCredentialReport") <= 6


def test_testmode_token_sends_test_mode_true(wire, root_model, handler):
    root_model.set(ACCOUNT_ID, RootState(keys=[]))
    run(handler, make_event(result_token="TESTMODE"))
    request = wire.put_evaluations_request()
    assert request["TestMode"] is True
    assert request["ResultToken"] == "TESTMODE"


def test_real_token_sends_test_mode_false(wire, root_model, handler):
    root_model.set(ACCOUNT_ID, RootState(keys=[RootKey(True)]))
    # moto implements PutEvaluations only in TestMode, so a Stubber on the rule's (cached) Config
    # client answers this call, after checking the request against the real API model.
    config = own_role_client("config", "us-east-1", LAMBDA_POLICY)
    token = "eyJyZXN1bHQiOiJ0b2tlbiJ9"
    with Stubber(config) as stub:
        stub.add_response(
            "put_evaluations",
            {"FailedEvaluations": []},
            {"Evaluations": ANY, "ResultToken": token, "TestMode": False},
        )
        evaluation = run(handler, make_event(result_token=token))
        stub.assert_no_pending_responses()
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert "config-service.PutEvaluations" not in wire.sent  # answered by the Stubber, not sent


def test_failed_evaluations_raise(wire, root_model, handler, caplog):
    root_model.set(ACCOUNT_ID, RootState(keys=[]))
    failed = {
        "ComplianceResourceType": "AWS::::Account",
        "ComplianceResourceId": ACCOUNT_ID,
        "ComplianceType": "COMPLIANT",
        "OrderingTimestamp": 1764324000,
    }
    wire.answer("config-service.PutEvaluations", json_response(200, {"FailedEvaluations": [failed]}))
    caplog.set_level(logging.INFO)
    with pytest.raises(EvaluationNotRecordedError, match=f"did not record 1 of 1 evaluation.*{ACCOUNT_ID}"):
        handler(make_event(), LambdaContext())
    [line] = rule_log_lines(caplog)
    assert line["message"] == "evaluation failed"
    assert line["error"] == "EvaluationNotRecordedError"


def test_put_evaluations_denied_raises_naming_the_action(wire, root_model, handler):
    root_model.set(ACCOUNT_ID, RootState(keys=[]))
    denied = {"__type": "AccessDeniedException", "message": "not authorized to perform config:PutEvaluations"}
    wire.answer("config-service.PutEvaluations", json_response(400, denied))
    with pytest.raises(EvaluationNotRecordedError, match="config:PutEvaluations denied"):
        handler(make_event(), LambdaContext())


def test_throttled_summary_is_retried_and_then_decides(wire, root_model, handler, backoff):
    root_model.set(ACCOUNT_ID, RootState(keys=[RootKey(True)]))
    throttled = [aws_response(400, IAM_THROTTLED, "text/xml") for _ in range(3)]
    wire.answer("iam.GetAccountSummary", *throttled)
    evaluation = run(handler, make_event())
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert wire.sent.count("iam.GetAccountSummary") == 4
    assert backoff == [1, 2, 3]  # botocore backed off before each retry


def test_summary_throttled_past_the_retries_raises_without_evaluation(wire, root_model, handler, backoff):
    root_model.set(ACCOUNT_ID, RootState(keys=[]))
    wire.answer("iam.GetAccountSummary", *[aws_response(400, IAM_THROTTLED, "text/xml") for _ in range(10)])
    with pytest.raises(
        AccountSummaryUnavailableError, match="iam:GetAccountSummary failed after 4 retries: Throttling"
    ):
        handler(make_event(), LambdaContext())
    # Bounded: botocore reads retries={"max_attempts": 4} as 4 retries after the first request.
    assert wire.sent == ["iam.GetAccountSummary"] * 5
    assert backoff == [1, 2, 3, 4]
    assert "config-service.PutEvaluations" not in wire.sent


def test_server_errors_are_retried(wire, root_model, handler, backoff):
    root_model.set(ACCOUNT_ID, RootState(keys=[RootKey(True)]))
    wire.answer("iam.GetCredentialReport", aws_response(500, IAM_INTERNAL, "text/xml"))
    evaluation = run(handler, make_event())
    assert "1 active" in evaluation["Annotation"]
    assert backoff == [1]


def test_throttled_put_evaluations_is_retried(wire, root_model, handler, backoff):
    root_model.set(ACCOUNT_ID, RootState(keys=[]))
    throttled = {"__type": "ThrottlingException", "message": "Rate exceeded"}
    wire.answer("config-service.PutEvaluations", json_response(400, throttled), json_response(400, throttled))
    run(handler, make_event())
    assert wire.sent.count("config-service.PutEvaluations") == 3


def test_summary_access_denied_raises_without_put_evaluations(wire, root_model, handler, caplog):
    root_model.set(
        ACCOUNT_ID, RootState(keys=[RootKey(True)], denied_actions=frozenset({"GetAccountSummary"}))
    )
    caplog.set_level(logging.INFO)
    with pytest.raises(AccountSummaryUnavailableError) as raised:
        handler(make_event(), LambdaContext())
    assert "iam:GetAccountSummary denied (AccessDenied)" in str(raised.value)
    assert "grant the function's role iam:GetAccountSummary" in str(raised.value)
    assert wire.sent == ["iam.GetAccountSummary"]
    [line] = rule_log_lines(caplog)
    assert line["error"] == "AccountSummaryUnavailableError"
    assert line["account"] == ACCOUNT_ID


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"ruleParameters": json.dumps({"IgnoreInactiveKeys": "yes"})}, InvalidRuleParameterError),
        ({"ruleParameters": json.dumps({"MaxAge": "90"})}, InvalidRuleParameterError),
        ({"ruleParameters": json.dumps({"ExecutionRoleName": "bad name"})}, InvalidRuleParameterError),
        ({"invokingEvent": "{not json"}, InvalidEventError),
        (
            {"invokingEvent": json.dumps({"messageType": "ConfigurationItemChangeNotification"})},
            InvalidEventError,
        ),
        ({"accountId": None}, InvalidEventError),
        ({"resultToken": ""}, InvalidEventError),
    ],
)
def test_invalid_input_raises_before_any_aws_call(wire, root_model, handler, change, error):
    event = make_event()
    event.update(change)
    with pytest.raises(error):
        handler(event, LambdaContext())
    assert wire.sent == []
    assert root_model.state(ACCOUNT_ID).calls == []


def test_one_structured_log_line_without_secrets(wire, root_model, handler, caplog):
    root_model.set(ACCOUNT_ID, RootState(keys=[RootKey(True), RootKey(False)]))
    caplog.set_level(logging.INFO)
    run(handler, make_event())
    [line] = rule_log_lines(caplog)
    assert line["message"] == "evaluation recorded"
    assert line["account"] == ACCOUNT_ID
    assert line["compliance"] == "NON_COMPLIANT"
    assert (line["active_keys"], line["inactive_keys"]) == (1, 1)
    assert line["api_calls"][0] == "iam:GetAccountSummary"
    assert line["api_calls"][-1] == "config:PutEvaluations"
    assert "iam:GetCredentialReport" in line["api_calls"]
    assert line["test_mode"] is True
    for record in caplog.records:
        text = record.getMessage()
        assert FAKE_SECRET not in text
        assert FAKE_TOKEN not in text
        assert "<root_account>" not in text  # never the credential report itself
        assert "access_key_1_active" not in text


def test_organization_mode_assumes_the_member_role_and_decides_with_its_credentials(
    wire, root_model, handler
):
    root_model.set(ACCOUNT_ID, RootState(keys=[]))  # the function's own account: no key
    member = root_model.set(MEMBER_ID, RootState(keys=[RootKey(True)]))
    event = make_event(MEMBER_ID, rule_parameters={"ExecutionRoleName": "RootKeysAudit"})
    evaluation = run(handler, event, LambdaContext(account=ACCOUNT_ID))
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"  # the member's root key, not the caller's
    assert wire.sent[0] == "sts.AssumeRole"
    assert wire.query("sts.AssumeRole")["RoleArn"] == [f"arn:aws:iam::{MEMBER_ID}:role/RootKeysAudit"]
    assert member.calls[0] == "GetAccountSummary"
    assert root_model.state(ACCOUNT_ID).calls == []
    # STS is called with the function's own key; IAM and Config with the assumed role's key.
    own_key = os.environ["AWS_ACCESS_KEY_ID"]
    assert wire.access_keys["sts.AssumeRole"] == [own_key]
    [assumed_key] = set(wire.access_keys["iam.GetAccountSummary"])
    assert assumed_key not in {"", own_key}
    assert set(wire.access_keys["config-service.PutEvaluations"]) == {assumed_key}


def test_organization_mode_never_reuses_one_members_credentials_for_another(wire, root_model, handler):
    root_model.set(MEMBER_ID, RootState(keys=[RootKey(True)]))
    root_model.set("444455556666", RootState(keys=[]))
    parameters = {"ExecutionRoleName": "RootKeysAudit"}
    first = run(handler, make_event(MEMBER_ID, rule_parameters=parameters))
    second = run(handler, make_event("444455556666", rule_parameters=parameters))
    assert (first["ComplianceType"], second["ComplianceType"]) == ("NON_COMPLIANT", "COMPLIANT")
    assert wire.sent.count("sts.AssumeRole") == 2


def test_assume_role_mode_without_a_name_uses_the_events_execution_role(wire, root_model, handler):
    root_model.set(MEMBER_ID, RootState(keys=[]))
    event = make_event(
        MEMBER_ID, rule_parameters={"AssumeRoleMode": "true"}, execution_role_name="ConfigRole"
    )
    assert run(handler, event)["ComplianceType"] == "COMPLIANT"
    assert wire.query("sts.AssumeRole")["RoleArn"] == [f"arn:aws:iam::{MEMBER_ID}:role/ConfigRole"]


def test_assume_role_mode_with_no_role_to_assume_raises_naming_what_is_missing(
    wire, root_model, handler, caplog
):
    root_model.set(ACCOUNT_ID, RootState(keys=[RootKey(True)]))
    event = make_event(rule_parameters={"AssumeRoleMode": "true"})
    del event["executionRoleArn"]
    caplog.set_level(logging.INFO)
    with pytest.raises(
        ExecutionRoleError, match="neither the ExecutionRoleName rule parameter nor the event's"
    ):
        handler(event, LambdaContext())
    assert wire.sent == []  # never silently the function's own role
    [line] = rule_log_lines(caplog)
    assert line["message"] == "evaluation failed"
    assert line["error"] == "ExecutionRoleError"


def test_function_in_another_account_without_assume_role_raises(wire, root_model, handler):
    root_model.set(MEMBER_ID, RootState(keys=[RootKey(True)]))
    event = make_event(MEMBER_ID, rule_parameters={"AssumeRoleMode": "false"})
    with pytest.raises(
        ExecutionRoleError, match=f"runs in account {ACCOUNT_ID}.*evaluates account {MEMBER_ID}"
    ):
        handler(event, LambdaContext(account=ACCOUNT_ID))
    assert wire.sent == []


@pytest.mark.parametrize(
    ("partition", "region", "host"),
    [("aws-us-gov", "us-gov-west-1", "amazonaws.com"), ("aws-cn", "cn-north-1", "amazonaws.com.cn")],
)
@pytest.mark.parametrize("keys", [[], [RootKey(True)]])
def test_other_partitions_produce_evaluations(
    wire, root_model, handler, monkeypatch, partition, region, host, keys
):
    if partition == "aws-us-gov":
        # moto takes the partition from a region in the host name, and GovCloud's IAM endpoint
        # (iam.us-gov.amazonaws.com) has none: name the region so moto answers as aws-us-gov.
        monkeypatch.setenv("AWS_ENDPOINT_URL_IAM", "https://iam.us-gov-west-1.amazonaws.com")
    root_model.set(ACCOUNT_ID, RootState(keys=keys))
    evaluation = run(handler, make_event(partition=partition, region=region))
    assert evaluation["ComplianceType"] == ("NON_COMPLIANT" if keys else "COMPLIANT")
    [put_url] = wire.urls["config-service.PutEvaluations"]
    assert put_url.startswith(f"https://config.{region}.{host}")


def test_warm_invocations_reuse_clients_and_stay_correct(wire, root_model, handler):
    state = root_model.set(ACCOUNT_ID, RootState(keys=[]))
    assert run(handler, make_event())["ComplianceType"] == "COMPLIANT"
    state.keys.append(RootKey(True))
    assert run(handler, make_event())["ComplianceType"] == "NON_COMPLIANT"


def test_execution_role_region_routes_sts_and_iam_while_config_stays_in_the_rule_region(
    wire, root_model, handler
):
    root_model.set(MEMBER_ID, RootState(keys=[]))
    parameters = {"ExecutionRoleName": "RootKeysAudit", "ExecutionRoleRegion": "eu-west-1"}
    run(handler, make_event(MEMBER_ID, rule_parameters=parameters))
    assert wire.urls["sts.AssumeRole"][0].startswith("https://sts.eu-west-1.amazonaws.com")
    assert wire.urls["config-service.PutEvaluations"][0].startswith("https://config.us-east-1.amazonaws.com")


def test_the_event_is_parsed_once_per_invocation(wire, root_model, handler, monkeypatch):
    from root_access_keys import handler as handler_module

    root_model.set(ACCOUNT_ID, RootState(keys=[RootKey(True)]))
    event = make_event()
    parses, decodes = [], []
    parse = handler_module.parse_scheduled_event
    monkeypatch.setattr(handler_module, "parse_scheduled_event", lambda raw: parses.append(raw) or parse(raw))
    loads = json.loads

    def counting_loads(text, *args, **kwargs):
        if text == event["invokingEvent"]:
            decodes.append(text)
        return loads(text, *args, **kwargs)

    monkeypatch.setattr(json, "loads", counting_loads)
    [evaluation] = handler(event, LambdaContext())
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert len(parses) == 1
    assert len(decodes) == 1
