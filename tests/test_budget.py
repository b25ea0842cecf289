"""The time budget (budget.py) and how every client applies it (clients.py hooks)."""

from types import SimpleNamespace

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.retries.standard import ExponentialBackoff, RetryContext
from hypothesis import given, settings
from hypothesis import strategies as st
from root_access_keys import clients as clients_module
from root_access_keys.budget import (
    CLI_POLICY,
    FUNCTION_TIMEOUT_SECONDS,
    LAMBDA_POLICY,
    RECORD_OPERATION,
    Budget,
    backoff_bound,
)
from root_access_keys.clients import PER_REQUEST_READ_TIMEOUT, AwsClients
from root_access_keys.errors import DeadlineReachedError

KEPT = LAMBDA_POLICY.record_reserve + LAMBDA_POLICY.exit_margin


class Clock:
    def __init__(self, seconds: float) -> None:
        self.left = seconds

    def remaining(self) -> float:
        return self.left


def lambda_budget(seconds: float) -> tuple[Budget, Clock]:
    clock = Clock(seconds)
    return Budget(clock.remaining, LAMBDA_POLICY), clock


def test_from_context_reads_the_remaining_time_every_time():
    left = {"ms": 90_000}
    context = SimpleNamespace(get_remaining_time_in_millis=lambda: left["ms"])
    budget = Budget.from_context(context)
    assert budget.remaining() == 90.0
    left["ms"] = 12_500
    assert budget.remaining() == 12.5


def test_without_a_context_the_function_timeout_applies():
    budget = Budget.from_context(None)
    assert FUNCTION_TIMEOUT_SECONDS - 1 < budget.remaining() <= FUNCTION_TIMEOUT_SECONDS


def test_evidence_calls_never_spend_the_recording_reserve():
    budget, _ = lambda_budget(60.0)
    assert budget.available("iam:GetAccountSummary") == 60.0 - KEPT
    assert budget.available(RECORD_OPERATION) == 60.0 - LAMBDA_POLICY.exit_margin
    budget.mark_recorded()  # what follows the recording (the finding) may use the reserve
    assert budget.available("securityhub:BatchImportFindings") == 60.0 - LAMBDA_POLICY.exit_margin


def test_read_timeouts_shrink_as_the_deadline_nears_and_stop_before_it():
    budget, clock = lambda_budget(KEPT + 60.0)
    assert budget.attempt_read_timeout("iam:GetAccountSummary") == LAMBDA_POLICY.read_timeout
    clock.left = KEPT + LAMBDA_POLICY.connect_timeout + 2.5
    assert budget.attempt_read_timeout("iam:GetAccountSummary") == pytest.approx(2.5)
    clock.left = KEPT + LAMBDA_POLICY.min_attempt_seconds - 0.01
    with pytest.raises(DeadlineReachedError, match="iam:GetAccountSummary not started"):
        budget.attempt_read_timeout("iam:GetAccountSummary")
    # PutEvaluations still starts: the reserve is its own.
    assert budget.attempt_read_timeout(RECORD_OPERATION) > LAMBDA_POLICY.min_read_timeout


def test_a_fixed_read_timeout_needs_the_whole_of_it():
    budget, _ = lambda_budget(KEPT + LAMBDA_POLICY.connect_timeout + LAMBDA_POLICY.read_timeout - 0.1)
    assert budget.attempt_read_timeout("iam:GetCredentialReport") > 0
    with pytest.raises(DeadlineReachedError):
        budget.attempt_read_timeout("iam:GetCredentialReport", adjustable=False)


def test_a_retry_is_refused_when_its_backoff_and_one_more_attempt_do_not_fit():
    needed = backoff_bound(2) + LAMBDA_POLICY.min_attempt_seconds
    budget, clock = lambda_budget(KEPT + needed)
    budget.check_retry("iam:GetCredentialReport", 2, "ReadTimeoutError")
    clock.left -= 0.01
    with pytest.raises(DeadlineReachedError) as raised:
        budget.check_retry("iam:GetCredentialReport", 2, "ReadTimeoutError")
    assert "iam:GetCredentialReport too slow: ReadTimeoutError on attempt 2" in str(raised.value)


def test_a_poll_waits_only_when_a_call_still_fits_after_the_wait():
    budget, _ = lambda_budget(KEPT + LAMBDA_POLICY.min_attempt_seconds + 2.0)
    assert budget.can_wait(2.0, "iam:GenerateCredentialReport")
    assert not budget.can_wait(2.01, "iam:GenerateCredentialReport")


def test_the_cli_budget_keeps_nothing_back():
    budget = Budget.from_seconds(30.0, CLI_POLICY, clock=lambda: 100.0)
    assert budget.available("iam:GetAccountSummary") == 30.0


@settings(max_examples=200, deadline=None)
@given(
    attempt=st.integers(min_value=1, max_value=12),
    retry_after=st.one_of(st.none(), st.floats(min_value=0, max_value=1e6)),
)
def test_the_backoff_bound_covers_botocores_longest_standard_backoff(attempt, retry_after):
    headers = {} if retry_after is None else {"x-amz-retry-after": str(int(retry_after * 1000))}
    backoff = ExponentialBackoff(
        random=lambda: 1.0,
        throttling_detector=SimpleNamespace(is_throttling_error_from_context=lambda _context: True),
    )
    context = RetryContext(
        attempt_number=attempt,
        http_response=AWSResponse("https://iam.amazonaws.com/", 400, headers, None),
        parsed_response={"Error": {"Code": "Throttling"}},
    )
    assert backoff.delay_amount(context) <= backoff_bound(attempt, retry_after=retry_after is not None)


# --- the hooks every client carries ----------------------------------------------------------


@pytest.fixture
def attempts(monkeypatch):
    """A fresh default session whose generic before-send hook answers every attempt with HTTP 503
    (after the budget's own hook, which is registered on the specific event and runs first)."""
    session = boto3.Session()
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", session)
    seen: list[float | None] = []

    def unavailable(request, **_):
        seen.append(request.context.get("read_timeout"))
        body = b"<ErrorResponse><Error><Code>ServiceUnavailable</Code></Error></ErrorResponse>"
        return AWSResponse(request.url, 503, {}, SimpleNamespace(stream=lambda **_: iter([body])))

    session.events.register("before-send", unavailable)
    return seen


def test_no_request_leaves_when_no_attempt_fits(attempts):
    budget, _ = lambda_budget(KEPT + LAMBDA_POLICY.min_attempt_seconds - 0.5)
    with AwsClients(region="us-east-1", budget=budget) as clients, pytest.raises(DeadlineReachedError):
        clients.build_client("iam").get_account_summary()
    assert attempts == []
    assert clients.calls == ["iam:GetAccountSummary"]


def test_this_botocore_takes_a_read_timeout_per_request():
    assert PER_REQUEST_READ_TIMEOUT  # the tested path; the other one is tested below by switching it off


def test_each_attempt_gets_the_read_timeout_that_is_left(attempts, monkeypatch):
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0)
    budget, _ = lambda_budget(KEPT + LAMBDA_POLICY.connect_timeout + 7.0)
    with (
        AwsClients(region="us-east-1", budget=budget) as clients,
        pytest.raises(DeadlineReachedError) as raised,
    ):
        clients.build_client("iam").get_account_summary()
    # The clock stands still, so every admitted attempt gets the same 7 s; the retry guard stops
    # botocore once its longest backoff would not leave room for another attempt.
    assert attempts
    assert all(timeout == pytest.approx(7.0) for timeout in attempts)
    assert "ServiceUnavailable" in str(raised.value)
    assert len(attempts) < LAMBDA_POLICY.max_attempts


def test_with_an_older_botocore_an_attempt_needs_the_full_read_timeout(attempts, monkeypatch):
    monkeypatch.setattr(clients_module, "PER_REQUEST_READ_TIMEOUT", False)
    budget, _ = lambda_budget(KEPT + LAMBDA_POLICY.connect_timeout + LAMBDA_POLICY.read_timeout - 0.5)
    with AwsClients(region="us-east-1", budget=budget) as clients, pytest.raises(DeadlineReachedError):
        clients.build_client("iam").get_account_summary()
    assert attempts == []


def test_outside_an_invocation_clients_apply_no_budget(attempts, monkeypatch):
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0)
    budget, _ = lambda_budget(0.0)
    client = AwsClients(region="us-east-1", budget=budget).build_client("iam")  # not entered
    with pytest.raises(client.exceptions.ClientError, match="ServiceUnavailable"):
        client.get_account_summary()
    assert len(attempts) == LAMBDA_POLICY.max_attempts
