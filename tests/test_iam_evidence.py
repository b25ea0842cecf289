"""The IAM adapter against botocore's Stubber (requests validated against the real IAM API model).

The report states covered here (INPROGRESS, ReportInProgress, ReportExpired, LimitExceeded, old
reports) are ones moto never produces.
"""

import itertools
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError
from botocore.stub import Stubber
from conftest import report_csv, report_key, root_report_row
from root_access_keys.account_summary import AccountSummary
from root_access_keys.budget import Budget, BudgetPolicy
from root_access_keys.decision import REPORT_MAX_AGE, report_needs_refresh
from root_access_keys.errors import AccountSummaryUnavailableError, ExecutionRoleError
from root_access_keys.evidence import ReportRead, ReportUnavailable
from root_access_keys.iam_evidence import CredentialReportReader, PollingPolicy, read_account_summary
from root_access_keys.parameters import RuleParameters

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
ROOT_ARN = "arn:aws:iam::123456789012:root"
KEY_SUMMARY = AccountSummary(access_keys_present=1, signing_certificates_present=0)
DEFAULTS = RuleParameters()
ACTIVE = report_csv([root_report_row(keys=(report_key(active="true"),))])
INACTIVE = report_csv([root_report_row(keys=(report_key(active="false"),))])
NO_KEY = report_csv([root_report_row()])


# A minimal attempt costs 2 s; nothing is kept back (the reader only gathers evidence).
POLICY = BudgetPolicy(
    connect_timeout=1.0,
    read_timeout=5.0,
    min_read_timeout=1.0,
    max_attempts=5,
    record_reserve=0.0,
    exit_margin=0.0,
)


def refresh(summary, parameters):
    """The refresh test the assessment passes the reader, at a fixed now."""
    return lambda existing: report_needs_refresh(existing, summary, parameters, NOW)


class FakeClock:
    """A Lambda time budget that only sleeping consumes."""

    def __init__(self, budget: float) -> None:
        self.left = budget
        self.sleeps: list[float] = []

    def remaining(self) -> float:
        return self.left

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.left -= seconds


@pytest.fixture
def iam():
    return boto3.client("iam", region_name="us-east-1")


@pytest.fixture
def stub(iam):
    with Stubber(iam) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def reader(iam, clock, expected=ROOT_ARN):
    return CredentialReportReader(
        iam, budget=Budget(clock.remaining, POLICY), expected_root_arn=expected, sleep=clock.sleep
    )


def report(stub, content=ACTIVE, age=timedelta(minutes=10)):
    stub.add_response(
        "get_credential_report",
        {"Content": content, "ReportFormat": "text/csv", "GeneratedTime": NOW - age},
        {},
    )


def state(stub, value):
    stub.add_response("generate_credential_report", {"State": value, "Description": "..."}, {})


def error(stub, operation, code, status):
    stub.add_client_error(operation, service_error_code=code, service_message=code, http_status_code=status)


def test_fresh_existing_report_is_used_without_generating(iam, stub):
    clock = FakeClock(60)
    report(stub, ACTIVE)
    evidence = reader(iam, clock).read(refresh(KEY_SUMMARY, DEFAULTS))
    assert isinstance(evidence, ReportRead)
    assert evidence.generated_at == NOW - timedelta(minutes=10)
    assert len(evidence.root.active_keys) == 1
    assert clock.sleeps == []


@pytest.mark.parametrize("code", ["ReportNotPresent", "ReportExpired"])
def test_missing_or_expired_report_is_generated_then_polled_with_growing_delays(iam, stub, code):
    clock = FakeClock(60)
    error(stub, "get_credential_report", code, 410)
    state(stub, "STARTED")
    state(stub, "INPROGRESS")
    state(stub, "INPROGRESS")
    state(stub, "COMPLETE")
    report(stub, INACTIVE, age=timedelta(0))
    evidence = reader(iam, clock).read(refresh(KEY_SUMMARY, DEFAULTS))
    assert isinstance(evidence, ReportRead)
    assert len(evidence.root.inactive_keys) == 1
    assert clock.sleeps == [1.0, 2.0, 4.0]
    assert sum(clock.sleeps) <= 60


def test_report_in_progress_is_waited_for(iam, stub):
    clock = FakeClock(60)
    error(stub, "get_credential_report", "ReportInProgress", 404)
    state(stub, "INPROGRESS")
    state(stub, "COMPLETE")
    report(stub, ACTIVE, age=timedelta(0))
    assert isinstance(reader(iam, clock).read(refresh(KEY_SUMMARY, DEFAULTS)), ReportRead)
    assert clock.sleeps == [1.0]


def test_complete_but_not_yet_readable_keeps_polling(iam, stub):
    clock = FakeClock(60)
    error(stub, "get_credential_report", "ReportNotPresent", 410)
    state(stub, "COMPLETE")
    error(stub, "get_credential_report", "ReportInProgress", 404)
    state(stub, "COMPLETE")
    report(stub, ACTIVE, age=timedelta(0))
    assert isinstance(reader(iam, clock).read(refresh(KEY_SUMMARY, DEFAULTS)), ReportRead)
    assert clock.sleeps == [1.0]


def test_limit_exceeded_waits_and_asks_again(iam, stub):
    clock = FakeClock(60)
    error(stub, "get_credential_report", "ReportNotPresent", 410)
    error(stub, "generate_credential_report", "LimitExceeded", 409)
    error(stub, "generate_credential_report", "LimitExceeded", 409)
    state(stub, "COMPLETE")
    report(stub, ACTIVE, age=timedelta(0))
    assert isinstance(reader(iam, clock).read(refresh(KEY_SUMMARY, DEFAULTS)), ReportRead)
    assert clock.sleeps == [1.0, 2.0]


def test_generation_past_the_time_budget_is_unavailable_and_bounded(iam, stub):
    clock = FakeClock(20)
    error(stub, "get_credential_report", "ReportNotPresent", 410)
    # Budget 20 s, 2 s kept per call: sleeps of 1, 2, 4 and 8 s fit (15 s); the next 8 s does not.
    for _ in range(5):
        state(stub, "INPROGRESS")
    evidence = reader(iam, clock).read(refresh(KEY_SUMMARY, DEFAULTS))
    assert isinstance(evidence, ReportUnavailable)
    assert evidence.reason == "credential report still generating after 15s (time budget reached)"
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0]
    assert sum(clock.sleeps) <= 20


class CountingClient:
    """Delegates to the IAM client and records which operations were called."""

    def __init__(self, client) -> None:
        self._client = client
        self.calls: list[str] = []

    def __getattr__(self, name):
        self.calls.append(name)
        return getattr(self._client, name)


def test_polling_over_the_longest_lambda_budget_stays_bounded(iam, stub):
    clock = FakeClock(900)
    counting = CountingClient(iam)
    error(stub, "get_credential_report", "ReportNotPresent", 410)
    # Budget 900 s: delays 1, 2, 4, then 8 s while at least 10 s remain: 114 sleeps, 115 generations.
    for _ in range(115):
        state(stub, "INPROGRESS")
    evidence = reader(counting, clock).read(refresh(KEY_SUMMARY, DEFAULTS))
    assert isinstance(evidence, ReportUnavailable)
    assert "time budget reached" in evidence.reason
    delays = clock.sleeps
    assert delays[:4] == [1.0, 2.0, 4.0, 8.0]
    assert all(later >= earlier for earlier, later in itertools.pairwise(delays))
    assert max(delays) == PollingPolicy().max_delay
    assert sum(delays) <= 900
    assert counting.calls.count("generate_credential_report") == len(delays) + 1 == 115
    assert counting.calls.count("get_credential_report") == 1


def test_no_time_left_means_no_sleep_at_all(iam, stub):
    clock = FakeClock(2.5)
    error(stub, "get_credential_report", "ReportExpired", 410)
    state(stub, "STARTED")
    evidence = reader(iam, clock).read(refresh(KEY_SUMMARY, DEFAULTS))
    assert isinstance(evidence, ReportUnavailable)
    assert "time budget" in evidence.reason
    assert clock.sleeps == []


def test_old_report_that_disagrees_with_the_summary_is_regenerated(iam, stub):
    clock = FakeClock(60)
    report(stub, NO_KEY, age=REPORT_MAX_AGE + timedelta(minutes=1))
    state(stub, "COMPLETE")
    report(stub, ACTIVE, age=timedelta(0))
    evidence = reader(iam, clock).read(refresh(KEY_SUMMARY, DEFAULTS))
    assert evidence.generated_at == NOW
    assert len(evidence.root.active_keys) == 1


def test_old_report_without_root_row_is_regenerated(iam, stub):
    clock = FakeClock(60)
    report(stub, report_csv([]), age=timedelta(hours=30))
    state(stub, "COMPLETE")
    report(stub, ACTIVE, age=timedelta(0))
    assert reader(iam, clock).read(refresh(KEY_SUMMARY, DEFAULTS)).root is not None


def test_old_report_that_agrees_is_not_regenerated(iam, stub):
    clock = FakeClock(60)
    report(stub, ACTIVE, age=timedelta(hours=20))
    evidence = reader(iam, clock).read(refresh(KEY_SUMMARY, DEFAULTS))
    assert evidence.generated_at == NOW - timedelta(hours=20)


def test_old_report_of_inactive_keys_is_refreshed_before_accepting_them(iam, stub):
    clock = FakeClock(60)
    report(stub, INACTIVE, age=timedelta(hours=5))
    state(stub, "COMPLETE")
    report(stub, ACTIVE, age=timedelta(0))
    evidence = reader(iam, clock).read(refresh(KEY_SUMMARY, RuleParameters(ignore_inactive_keys=True)))
    assert len(evidence.root.active_keys) == 1


def test_old_report_of_inactive_keys_is_kept_when_inactive_keys_count_anyway(iam, stub):
    clock = FakeClock(60)
    report(stub, INACTIVE, age=timedelta(hours=5))
    assert reader(iam, clock).read(refresh(KEY_SUMMARY, DEFAULTS)).generated_at == NOW - timedelta(hours=5)


def test_recent_report_that_disagrees_is_used_as_is(iam, stub):
    # IAM hands back the same cached report for 4 hours: generating would change nothing.
    clock = FakeClock(60)
    report(stub, NO_KEY, age=REPORT_MAX_AGE - timedelta(minutes=1))
    evidence = reader(iam, clock).read(refresh(KEY_SUMMARY, DEFAULTS))
    assert evidence.root.access_keys == ()


def test_access_denied_on_get_is_unavailable_naming_the_action(iam, stub):
    error(stub, "get_credential_report", "AccessDenied", 403)
    evidence = reader(iam, FakeClock(60)).read(refresh(KEY_SUMMARY, DEFAULTS))
    assert isinstance(evidence, ReportUnavailable)
    assert "iam:GetCredentialReport denied (AccessDenied)" in evidence.reason


def test_access_denied_on_generate_is_unavailable_naming_the_action(iam, stub):
    error(stub, "get_credential_report", "ReportNotPresent", 410)
    error(stub, "generate_credential_report", "AccessDenied", 403)
    evidence = reader(iam, FakeClock(60)).read(refresh(KEY_SUMMARY, DEFAULTS))
    assert isinstance(evidence, ReportUnavailable)
    assert "iam:GenerateCredentialReport denied (AccessDenied)" in evidence.reason


def test_service_failure_on_generate_is_unavailable(iam, stub):
    error(stub, "get_credential_report", "ReportNotPresent", 410)
    error(stub, "generate_credential_report", "ServiceFailure", 500)
    evidence = reader(iam, FakeClock(60)).read(refresh(KEY_SUMMARY, DEFAULTS))
    assert "iam:GenerateCredentialReport failed: ServiceFailure" in evidence.reason


def test_unreadable_report_is_unavailable_with_the_parser_message(iam, stub):
    report(stub, b"\xff\xfe not a report")
    evidence = reader(iam, FakeClock(60)).read(refresh(KEY_SUMMARY, DEFAULTS))
    assert isinstance(evidence, ReportUnavailable)
    assert evidence.reason.startswith("credential report unreadable: Credential report is not UTF-8")


def test_root_row_of_another_account_is_an_execution_role_error(iam, stub):
    report(stub, report_csv([root_report_row(account_id="999988887777", keys=(report_key(),))]))
    with pytest.raises(ExecutionRoleError, match="arn:aws:iam::999988887777:root"):
        reader(iam, FakeClock(60)).read(refresh(KEY_SUMMARY, DEFAULTS))


def test_root_row_of_another_partition_is_an_execution_role_error(iam, stub):
    error(stub, "get_credential_report", "ReportNotPresent", 410)
    state(stub, "COMPLETE")
    report(stub, report_csv([root_report_row(partition="aws-cn", keys=(report_key(),))]))
    with pytest.raises(ExecutionRoleError, match="another account"):
        reader(iam, FakeClock(60)).read(refresh(KEY_SUMMARY, DEFAULTS))


def test_without_an_expected_arn_any_root_row_is_read(iam, stub):
    report(stub, report_csv([root_report_row(account_id="999988887777", keys=(report_key(),))]))
    evidence = reader(iam, FakeClock(60), expected=None).read(refresh(KEY_SUMMARY, DEFAULTS))
    assert evidence.root.arn == "arn:aws:iam::999988887777:root"


def test_summary_connection_failure_raises_naming_the_action():
    session = boto3.Session(region_name="us-east-1")

    def unreachable(request, **_):
        raise EndpointConnectionError(endpoint_url=request.url)

    session.events.register("before-send.iam", unreachable)
    iam = session.client("iam", config=Config(retries={"total_max_attempts": 1}))
    with pytest.raises(
        AccountSummaryUnavailableError, match="iam:GetAccountSummary failed: EndpointConnection"
    ):
        read_account_summary(iam)


def test_polling_stops_after_max_polls_even_when_the_budget_never_shrinks():
    iam = boto3.client("iam", region_name="us-east-1")
    policy = PollingPolicy(first_delay=0.0, max_delay=0.0, max_polls=5)
    with Stubber(iam) as stub:
        stub.add_client_error("get_credential_report", "ReportNotPresent", http_status_code=410)
        for _ in range(5):
            stub.add_response("generate_credential_report", {"State": "INPROGRESS"})
        reader = CredentialReportReader(
            iam, budget=Budget(lambda: 1000.0, POLICY), sleep=lambda _: None, polling=policy
        )
        evidence = reader.read(refresh(AccountSummary(access_keys_present=1), RuleParameters()))
        stub.assert_no_pending_responses()
    assert isinstance(evidence, ReportUnavailable)
    assert "after 5 checks" in evidence.reason


def test_complete_but_still_the_old_report_is_checked_and_never_accepts_inactive_keys(iam, stub):
    # IAM said COMPLETE, yet GetCredentialReport keeps handing back the 10-hour-old report. The
    # reader checks GeneratedTime after every generation, keeps polling while the budget lasts,
    # then returns the newest report it read; the decision refuses to accept keys on it.
    from root_access_keys.assessment import judge

    ignoring = RuleParameters(ignore_inactive_keys=True)
    old = timedelta(hours=10)
    clock = FakeClock(POLICY.min_attempt_seconds + 2.0)  # room for one 1 s wait, not for the next 2 s
    report(stub, INACTIVE, age=old)
    state(stub, "COMPLETE")
    report(stub, INACTIVE, age=old)
    state(stub, "COMPLETE")
    report(stub, INACTIVE, age=old)
    summary = AccountSummary(access_keys_present=1, signing_certificates_present=0, read_at=NOW)
    evidence = reader(iam, clock).read(refresh(summary, ignoring))
    assert isinstance(evidence, ReportRead)
    assert evidence.generated_at == NOW - old
    assert clock.sleeps == [1.0]
    result = judge(summary, evidence, ignoring, at=NOW)
    assert result.verdict.compliance.value == "NON_COMPLIANT"
    assert result.verdict.reason.value == "report_too_old"


def test_a_refreshed_report_is_used_once_its_generated_time_moves(iam, stub):
    ignoring = RuleParameters(ignore_inactive_keys=True)
    clock = FakeClock(60)
    report(stub, INACTIVE, age=timedelta(hours=10))
    state(stub, "COMPLETE")
    report(stub, INACTIVE, age=timedelta(hours=10))  # not visible yet
    state(stub, "COMPLETE")
    report(stub, INACTIVE, age=timedelta(seconds=5))
    summary = AccountSummary(access_keys_present=1, signing_certificates_present=0, read_at=NOW)
    evidence = reader(iam, clock).read(refresh(summary, ignoring))
    assert evidence.generated_at == NOW - timedelta(seconds=5)
    assert clock.sleeps == [1.0]


@pytest.mark.parametrize(
    ("entry", "value"),
    [
        ("AccountAccessKeysPresent", "abc"),
        ("AccountAccessKeysPresent", "1.0"),
        ("AccountAccessKeysPresent", ""),
        ("AccountMFAEnabled", "-1"),
        ("Users", "many"),
    ],
)
def test_a_summary_value_that_is_not_a_count_names_the_api_and_the_entry(monkeypatch, entry, value):
    from botocore.awsrequest import AWSResponse
    from root_access_keys.errors import AccountSummaryFormatError

    entries = {"AccountAccessKeysPresent": "0", "AccountMFAEnabled": "1", "Users": "3", entry: value}
    body = (
        '<GetAccountSummaryResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
        "<GetAccountSummaryResult><SummaryMap>"
        + "".join(f"<entry><key>{k}</key><value>{v}</value></entry>" for k, v in entries.items())
        + "</SummaryMap></GetAccountSummaryResult><ResponseMetadata><RequestId>x</RequestId>"
        "</ResponseMetadata></GetAccountSummaryResponse>"
    ).encode()

    class Body:
        def stream(self, **_):
            yield body

    session = boto3.Session(region_name="us-east-1")
    session.events.register(
        "before-send.iam.GetAccountSummary",
        lambda request, **_: AWSResponse(request.url, 200, {"Content-Type": "text/xml"}, Body()),
    )
    with pytest.raises(AccountSummaryFormatError) as raised:
        read_account_summary(session.client("iam"))
    assert f"iam:GetAccountSummary returned SummaryMap entry {entry} = {value!r}" in str(raised.value)
