"""Security Hub findings (rule parameter SecurityHubFindings), end to end on moto's Security Hub.

moto stores BatchImportFindings findings by Id and returns them from GetFindings. It applies
every field of an update, including Workflow, which a real hub ignores on updates: the tests
that look at Workflow after an update say so and also check what we sent.
"""

import json
import logging
from datetime import UTC, datetime, timedelta

import boto3
import botocore.session
import pytest
from botocore.awsrequest import AWSResponse
from botocore.retries import standard
from botocore.stub import Stubber
from hypothesis import given, settings
from hypothesis import strategies as st
from root_access_keys import security_hub
from root_access_keys.assessment import Assessment
from root_access_keys.budget import LAMBDA_POLICY
from root_access_keys.credential_report import AccessKeyState, RootCredentials
from root_access_keys.decision import Compliance, Reason, ReportState, Verdict
from root_access_keys.evidence import ReportNotRead, ReportRead, ReportUnavailable
from root_access_keys.metadata import load_policy, related_requirements
from root_access_keys.security_hub import FindingTarget, build_finding, import_finding

from rootkeys_dev.emulator import RootKey, RootState

ACCOUNT = "123456789012"
REGION = "us-east-1"
FINDING_ID = f"IAM_ROOT_NO_ACCESS_KEYS/aws/{REGION}/{ACCOUNT}"
PRODUCT_ARN = f"arn:aws:securityhub:{REGION}:{ACCOUNT}:product/{ACCOUNT}/default"
KEY_CREATED = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
FIRST_RUN = datetime(2026, 11, 28, 10, 0, 5, 123000, tzinfo=UTC)
HUB_ON = {"SecurityHubFindings": "true"}
SECURITYHUB_MODEL = botocore.session.get_session().get_service_model("securityhub")


@pytest.fixture
def clock(monkeypatch):
    """The handler's clock, set by the test (no sleeping)."""
    from root_access_keys.handler import HANDLER

    moments = {"now": FIRST_RUN}
    monkeypatch.setattr(HANDLER, "clock", lambda: moments["now"])
    return moments


@pytest.fixture
def hub(root_model):
    client = boto3.client("securityhub", region_name=REGION)
    client.enable_security_hub()
    return client


@pytest.fixture
def session_hooks(monkeypatch):
    """A fresh default boto3 session whose clients (built by the rule) run our hooks first."""
    session = boto3.session.Session()
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", session)
    return session.events


def findings(hub):
    return hub.get_findings()["Findings"]


def log_records(caplog, message):
    return [
        json.loads(record.getMessage())
        for record in caplog.records
        if record.name == "root_access_keys" and json.loads(record.getMessage())["message"] == message
    ]


def assert_enums(finding):
    """Neither moto nor Stubber checks enum values."""
    shape = SECURITYHUB_MODEL.shape_for
    assert finding["Severity"]["Label"] in shape("SeverityLabel").enum
    assert finding["FindingProviderFields"]["Severity"]["Label"] in shape("SeverityLabel").enum
    assert finding["Compliance"]["Status"] in shape("ComplianceStatus").enum
    assert finding["Workflow"]["Status"] in shape("WorkflowStatus").enum
    assert finding["RecordState"] in shape("RecordState").enum
    assert finding["Resources"][0]["Partition"] in shape("Partition").enum


def test_non_compliant_run_creates_one_finding_with_the_documented_fields(
    root_model, hub, clock, config_event, handler
):
    root_model.set(ACCOUNT, RootState(keys=[RootKey(active=True, created=KEY_CREATED)]))
    [evaluation] = handler(config_event(rule_parameters=HUB_ON), None)

    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    [finding] = findings(hub)
    policy = load_policy()
    assert finding["Id"] == FINDING_ID
    assert finding["ProductArn"] == PRODUCT_ARN
    assert finding["GeneratorId"] == "IAM_ROOT_NO_ACCESS_KEYS"
    assert finding["AwsAccountId"] == ACCOUNT
    assert finding["SchemaVersion"] == "2018-10-08"
    assert finding["Types"] == [
        "Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark",
        "Software and Configuration Checks/AWS Security Best Practices",
    ]
    assert finding["FindingProviderFields"]["Types"] == finding["Types"]
    assert finding["CreatedAt"] == "2024-03-01T09:30:00.000Z"  # the root key's creation time
    assert finding["UpdatedAt"] == "2026-11-28T10:00:05.123Z"
    assert finding["Severity"] == {"Label": "CRITICAL"}
    assert finding["FindingProviderFields"]["Severity"] == finding["Severity"]
    assert finding["Title"] == policy.security_hub.title
    assert finding["Description"] == evaluation["Annotation"]
    assert finding["Compliance"] == {
        "Status": "FAILED",
        "RelatedRequirements": related_requirements(policy),
        "SecurityControlId": "IAM.4",
    }
    assert "CIS AWS Foundations Benchmark v1.4.0/1.4" in finding["Compliance"]["RelatedRequirements"]
    assert len(finding["Compliance"]["RelatedRequirements"]) <= 32
    assert finding["Resources"] == [
        {"Type": "AwsAccount", "Id": f"AWS::::Account:{ACCOUNT}", "Partition": "aws", "Region": REGION}
    ]
    assert finding["Remediation"]["Recommendation"] == {
        "Text": policy.security_hub.recommendation,
        "Url": policy.remediation_url,
    }
    assert finding["Workflow"] == {"Status": "NEW"}
    assert finding["RecordState"] == "ACTIVE"
    assert finding["ProductFields"]["rootkeys/ActiveKeys"] == "1"
    assert finding["ProductFields"]["rootkeys/PolicyId"] == "/ce/ca/aws/iam/delete-root-user-access-keys"
    assert_enums(finding)
    assert _stubbed_import(finding).imported  # what the handler sent, against the request model


def test_a_rerun_updates_the_same_finding_and_moves_updated_at(root_model, hub, clock, config_event, handler):
    root_model.set(ACCOUNT, RootState(keys=[RootKey(active=True, created=KEY_CREATED)]))
    handler(config_event(rule_parameters=HUB_ON), None)
    clock["now"] = FIRST_RUN + timedelta(days=1)
    handler(config_event(rule_parameters=HUB_ON, notification_time="2026-11-29T10:00:00.000Z"), None)

    [finding] = findings(hub)
    assert finding["Id"] == FINDING_ID
    assert finding["UpdatedAt"] == "2026-11-29T10:00:05.123Z"
    assert finding["CreatedAt"] == "2024-03-01T09:30:00.000Z"  # unchanged: no read needed


def test_becoming_compliant_resolves_the_finding_without_deleting_it(
    root_model, hub, clock, config_event, handler, caplog
):
    caplog.set_level(logging.INFO, logger="root_access_keys")
    root_model.set(ACCOUNT, RootState(keys=[RootKey(active=True, created=KEY_CREATED)]))
    handler(config_event(rule_parameters=HUB_ON), None)
    root_model.set(ACCOUNT, RootState(keys=[]))
    clock["now"] = FIRST_RUN + timedelta(hours=6)
    [evaluation] = handler(config_event(rule_parameters=HUB_ON), None)

    assert evaluation["ComplianceType"] == "COMPLIANT"
    [finding] = findings(hub)
    assert finding["Id"] == FINDING_ID
    assert finding["Compliance"]["Status"] == "PASSED"
    assert finding["Severity"]["Label"] == "INFORMATIONAL"
    assert finding["FindingProviderFields"]["Severity"]["Label"] == "INFORMATIONAL"
    assert finding["RecordState"] == "ACTIVE"
    # moto applies the Workflow we send; a real hub keeps the stored one on updates, which is
    # why resolve_automation_rule() exists (tested below).
    assert finding["Workflow"] == {"Status": "RESOLVED"}
    assert finding["Description"] == evaluation["Annotation"]
    assert finding["UpdatedAt"] == "2026-11-28T16:00:05.123Z"
    [line] = [r for r in log_records(caplog, "evaluation recorded") if r["compliance"] == "COMPLIANT"]
    assert line["security_hub"] == "imported"
    assert line["security_hub_error"] is None


def test_parameter_false_makes_no_security_hub_call(root_model, hub, clock, config_event, handler, caplog):
    caplog.set_level(logging.INFO, logger="root_access_keys")
    root_model.set(ACCOUNT, RootState(keys=[RootKey(active=True)]))
    for parameters in ({}, {"SecurityHubFindings": "false"}, {"SecurityHubFindings": " FALSE "}):
        [evaluation] = handler(config_event(rule_parameters=parameters), None)
        assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert findings(hub) == []
    lines = log_records(caplog, "evaluation recorded")
    assert len(lines) == 3
    for line in lines:
        assert line["security_hub"] == "off"
        assert not [call for call in line["api_calls"] if call.startswith("securityhub:")]


def _error_response(status, body):
    def respond(request, **_):
        return AWSResponse(request.url, status, {"Content-Type": "application/json"}, _Raw(body))

    return respond


class _Raw:
    def __init__(self, body):
        self._body = json.dumps(body).encode()

    def stream(self, **_):
        yield self._body

    def read(self, *_):
        return self._body


HUB_FAILURES = {
    "access denied": (
        403,
        {"__type": "AccessDeniedException", "message": "not authorized to perform BatchImportFindings"},
        "securityhub:BatchImportFindings denied (AccessDeniedException)",
    ),
    "throttled past retries": (
        429,
        {"__type": "LimitExceededException", "message": "Rate exceeded"},
        f"securityhub:BatchImportFindings failed after {LAMBDA_POLICY.max_attempts - 1} retries: "
        "LimitExceededException",
    ),
    "finding rejected": (
        200,
        {
            "FailedCount": 1,
            "SuccessCount": 0,
            "FailedFindings": [
                {
                    "Id": FINDING_ID,
                    "ErrorCode": "InvalidAccess",
                    "ErrorMessage": "Security Hub is not enabled",
                }
            ],
        },
        "rejected the finding (FailedCount 1): InvalidAccess: Security Hub is not enabled",
    ),
}


@pytest.mark.parametrize("case", sorted(HUB_FAILURES))
def test_a_security_hub_failure_leaves_the_config_evaluation_intact(
    case, root_model, clock, config_event, handler, session_hooks, caplog, monkeypatch
):
    # botocore still decides whether and how often to retry; only its backoff sleep is skipped.
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)
    caplog.set_level(logging.INFO, logger="root_access_keys")
    status, body, cause = HUB_FAILURES[case]
    attempts = []

    def failing(request, **kwargs):
        attempts.append(request.url)
        return _error_response(status, body)(request, **kwargs)

    session_hooks.register_first("before-send.securityhub.BatchImportFindings", failing)
    root_model.set(ACCOUNT, RootState(keys=[RootKey(active=True)]))

    [evaluation] = handler(config_event(rule_parameters=HUB_ON), None)

    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert evaluation["ComplianceResourceId"] == ACCOUNT
    [line] = log_records(caplog, "evaluation recorded")
    calls = line["api_calls"]
    assert "config:PutEvaluations" in calls
    assert calls.index("config:PutEvaluations") < calls.index("securityhub:BatchImportFindings")
    assert line["security_hub"] == "failed"
    assert cause in line["security_hub_error"]
    [error] = log_records(caplog, "security hub finding not imported")
    assert error["finding_id"] == FINDING_ID
    assert cause in error["cause"]
    assert next(r for r in caplog.records if "not imported" in r.getMessage()).levelno == logging.ERROR
    assert len(attempts) == (LAMBDA_POLICY.max_attempts if status == 429 else 1)


def test_an_unexpected_error_while_publishing_is_logged_not_raised(
    root_model, clock, config_event, handler, caplog, monkeypatch
):
    caplog.set_level(logging.INFO, logger="root_access_keys")

    def broken(*_args, **_kwargs):
        raise KeyError("Title")

    monkeypatch.setattr("root_access_keys.finding_publisher.build_finding", broken)
    root_model.set(ACCOUNT, RootState(keys=[RootKey(active=True)]))
    [evaluation] = handler(config_event(rule_parameters=HUB_ON), None)

    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    [line] = log_records(caplog, "evaluation recorded")
    assert line["security_hub"] == "failed"
    assert "KeyError" in line["security_hub_error"]


class _SlowRecording:
    """60 s left until PutEvaluations answers; it took so long that only 4 s are left after it."""

    invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:rootkeys"

    def __init__(self) -> None:
        self.remaining = 60.0

    def get_remaining_time_in_millis(self):
        return int(self.remaining * 1000)


def test_no_security_hub_call_that_could_outlast_the_invocation(
    root_model, hub, clock, config_event, handler, caplog, session_hooks
):
    caplog.set_level(logging.INFO, logger="root_access_keys")
    root_model.set(ACCOUNT, RootState(keys=[]))
    context = _SlowRecording()
    session_hooks.register(
        "after-call.config-service.PutEvaluations", lambda **_: setattr(context, "remaining", 4.0)
    )
    sent = []
    session_hooks.register("before-send.securityhub", lambda request, **_: sent.append(request.url))
    [evaluation] = handler(config_event(rule_parameters=HUB_ON), context)

    assert evaluation["ComplianceType"] == "COMPLIANT"
    [line] = log_records(caplog, "evaluation recorded")
    assert "config:PutEvaluations" in line["api_calls"]
    assert sent == []  # the call was refused before any request went out
    assert line["security_hub"] == "failed"
    assert "securityhub:BatchImportFindings not started" in line["security_hub_error"]
    assert "time budget" in line["security_hub_error"]
    assert findings(hub) == []


def test_in_organization_mode_the_finding_lands_in_the_member_account(
    root_model, clock, config_event, handler
):
    from moto.securityhub.models import securityhub_backends

    member = "210987654321"
    root_model.set(member, RootState(keys=[RootKey(active=False, created=KEY_CREATED)]))
    event = config_event(member, rule_parameters={**HUB_ON, "ExecutionRoleName": "rootkeys-member"})
    [evaluation] = handler(event, None)

    assert evaluation["ComplianceResourceId"] == member
    stored = securityhub_backends[member][REGION].findings
    assert [f.id for f in stored] == [f"IAM_ROOT_NO_ACCESS_KEYS/aws/{REGION}/{member}"]
    assert stored[0].data["AwsAccountId"] == member
    assert stored[0].data["ProductArn"] == f"arn:aws:securityhub:{REGION}:{member}:product/{member}/default"
    assert securityhub_backends[ACCOUNT][REGION].findings == []


# --- The request model (Stubber) and the payload rules -------------------------------------------

TARGETS = [
    FindingTarget(ACCOUNT, "aws", REGION, "IAM_ROOT_NO_ACCESS_KEYS", "arn:aws:config:us-east-1:x"),
    FindingTarget("111122223333", "aws-us-gov", "us-gov-west-1"),
    FindingTarget("444455556666", "aws-cn", "cn-north-1"),
]
ROOT = RootCredentials(
    arn=f"arn:aws:iam::{ACCOUNT}:root",
    access_keys=(
        AccessKeyState(1, True, datetime(2023, 5, 1, tzinfo=UTC), None, None, None),
        AccessKeyState(2, False, datetime(2021, 7, 9, 8, 0, tzinfo=UTC), None, None, None),
    ),
    certificates=(),
)
CASES = {
    "keys": Assessment(
        Verdict(Compliance.NON_COMPLIANT, Reason.KEYS_PRESENT, ReportState.CURRENT, 1, 1, 0),
        "Root user has 2 access keys.",
        None,
        ReportRead(ROOT),
    ),
    "stale report": Assessment(
        Verdict(Compliance.NON_COMPLIANT, Reason.REPORT_STALE, ReportState.STALE),
        "Root access key exists; stale.",
        None,
        ReportRead(None),
    ),
    "unavailable": Assessment(
        Verdict(Compliance.NON_COMPLIANT, Reason.REPORT_UNAVAILABLE, ReportState.UNAVAILABLE),
        "Root key; detail unavailable.",
        None,
        ReportUnavailable("denied"),
    ),
    "compliant": Assessment(
        Verdict(Compliance.COMPLIANT, Reason.NO_KEY, ReportState.NOT_READ, 0, 0, 0),
        "No root access key exists.",
        None,
        ReportNotRead(),
    ),
}


def _stubbed_import(finding, response=None):
    client = boto3.client("securityhub", region_name=finding["Resources"][0]["Region"])
    with Stubber(client) as stubber:
        stubber.add_response(
            "batch_import_findings",
            response or {"FailedCount": 0, "SuccessCount": 1, "FailedFindings": []},
            expected_params={"Findings": [finding]},
        )
        result = import_finding(client, finding)
        stubber.assert_no_pending_responses()
    return result


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.partition)
@pytest.mark.parametrize("case", sorted(CASES))
def test_every_finding_validates_against_the_request_model(case, target):
    finding = build_finding(CASES[case], target, load_policy(), now=FIRST_RUN)
    assert _stubbed_import(finding).imported
    assert_enums(finding)
    assert finding["CreatedAt"] <= finding["UpdatedAt"]
    assert finding["Id"] == f"IAM_ROOT_NO_ACCESS_KEYS/{target.partition}/{target.region}/{target.account_id}"
    assert finding["ProductArn"] == (
        f"arn:{target.partition}:securityhub:{target.region}:{target.account_id}"
        f":product/{target.account_id}/default"
    )


def build_case(name):
    return build_finding(CASES[name], TARGETS[0], load_policy(), now=FIRST_RUN)


def test_created_at_is_the_oldest_key_only_while_keys_exist():
    assert build_case("keys")["CreatedAt"] == "2021-07-09T08:00:00.000Z"
    for name in ("stale report", "unavailable", "compliant"):
        finding = build_case(name)
        assert finding["CreatedAt"] == finding["UpdatedAt"] == "2026-11-28T10:00:05.123Z", name


@settings(max_examples=40, deadline=None)
@given(
    annotation=st.text(min_size=1, max_size=256).filter(lambda s: s.strip()),
    compliant=st.booleans(),
    counts=st.tuples(*(st.one_of(st.none(), st.integers(0, 2)) for _ in range(3))),
    account=st.from_regex(r"\A\d{12}\Z"),
)
def test_unexpected_verdict_texts_and_counts_still_make_a_valid_request(
    annotation, compliant, counts, account
):
    verdict = Verdict(
        Compliance.COMPLIANT if compliant else Compliance.NON_COMPLIANT,
        Reason.NO_KEY if compliant else Reason.KEYS_PRESENT,
        ReportState.CURRENT,
        *counts,
    )
    assessment = Assessment(verdict, annotation, None, ReportNotRead())
    finding = build_finding(assessment, FindingTarget(account, "aws", REGION), load_policy(), now=FIRST_RUN)
    assert _stubbed_import(finding).imported
    assert finding["Description"] == annotation
    assert finding["Compliance"]["Status"] == ("PASSED" if compliant else "FAILED")


def test_failed_findings_in_a_200_response_are_an_error():
    finding = build_case("keys")
    result = _stubbed_import(
        finding,
        {
            "FailedCount": 1,
            "SuccessCount": 0,
            "FailedFindings": [{"Id": finding["Id"], "ErrorCode": "InvalidInput", "ErrorMessage": "bad"}],
        },
    )
    assert not result.imported
    assert "InvalidInput: bad" in result.error


def test_the_resolve_automation_rule_is_a_valid_create_automation_rule_request():
    rule = security_hub.resolve_automation_rule()
    client = boto3.client("securityhub", region_name=REGION)
    with Stubber(client) as stubber:
        stubber.add_response(
            "create_automation_rule", {"RuleArn": "arn:aws:securityhub:x"}, expected_params=rule
        )
        client.create_automation_rule(**rule)
    assert rule["Criteria"]["GeneratorId"] == [{"Value": "IAM_ROOT_NO_ACCESS_KEYS", "Comparison": "EQUALS"}]
    assert rule["Criteria"]["ComplianceStatus"] == [{"Value": "PASSED", "Comparison": "EQUALS"}]
    assert rule["Actions"][0]["FindingFieldsUpdate"] == {"Workflow": {"Status": "RESOLVED"}}
    assert build_case("compliant")["GeneratorId"] == rule["Criteria"]["GeneratorId"][0]["Value"]
