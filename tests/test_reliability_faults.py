"""Fault injection at the HTTP layer: whatever AWS does, the verdict is right or the invocation fails.

A `before-send` hook registered first on a fresh boto3 default session (every client the rule
creates copies its handlers) sees every HTTP attempt, retries included, and answers some of them
with a crafted response or raises what botocore raises for a broken connection or a read timeout.
Everything else goes to moto with the root-user model. botocore's retry sleeps and the report
reader's polling sleeps advance a fake clock, which the fake Lambda context reads, so deadlines are
exercised without waiting.

For every case: a returned evaluation carries the true verdict (or NON_COMPLIANT with the report
named as unavailable, when only the report could have proved compliance); otherwise a RuleError is
raised. Never COMPLIANT for a root key that counts; never more HTTP attempts per operation than
the retry budget (max attempts times the number of API calls).
"""

import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import boto3
import botocore.endpoint
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import (
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from conftest import ACCOUNT_ID, make_event, patch_report_polling_sleep, write_reliability_tally
from root_access_keys.budget import FUNCTION_TIMEOUT_SECONDS, LAMBDA_POLICY
from root_access_keys.errors import (
    AccountSummaryUnavailableError,
    EvaluationNotRecordedError,
    ExecutionRoleError,
    RuleError,
)

from rootkeys_dev.emulator import RootKey, RootState

MEMBER_ID = "111122223333"
IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/"
TALLY = Counter()
# HTTP requests botocore may make for one call (retries={"total_max_attempts": N}).
ATTEMPT_BUDGET = LAMBDA_POLICY.max_attempts


# --- crafted responses -------------------------------------------------------------------


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_):
        yield self._data


def _response(status: int, body: bytes, content_type: str) -> AWSResponse:
    return AWSResponse("https://aws.invalid/", status, {"Content-Type": content_type}, _Body(body))


def _query_error(status: int, code: str, message: str) -> AWSResponse:
    kind = "Receiver" if status >= 500 else "Sender"
    body = (
        f'<ErrorResponse xmlns="{IAM_NS}"><Error><Type>{kind}</Type><Code>{code}</Code>'
        f"<Message>{message}</Message></Error><RequestId>fault</RequestId></ErrorResponse>"
    )
    return _response(status, body.encode(), "text/xml")


def _json_error(status: int, code: str, message: str) -> AWSResponse:
    body = json.dumps({"__type": code, "message": message}).encode()
    return _response(status, body, "application/x-amz-json-1.1")


def _error(service: str, status: int, query_code: str, json_code: str, message: str) -> AWSResponse:
    if service == "config":
        return _json_error(status, json_code, message)
    return _query_error(status, query_code, message)


def _generate_state(state: str) -> AWSResponse:
    body = (
        f'<GenerateCredentialReportResponse xmlns="{IAM_NS}"><GenerateCredentialReportResult>'
        f"<State>{state}</State><Description>fault</Description></GenerateCredentialReportResult>"
        "<ResponseMetadata><RequestId>fault</RequestId></ResponseMetadata></GenerateCredentialReportResponse>"
    )
    return _response(200, body.encode(), "text/xml")


def _failed_evaluations(request) -> AWSResponse:
    sent = json.loads(request.body)["Evaluations"]
    failed = [{**evaluation, "OrderingTimestamp": 1764324000} for evaluation in sent]
    return _response(200, json.dumps({"FailedEvaluations": failed}).encode(), "application/x-amz-json-1.1")


# --- faults --------------------------------------------------------------------------------

FaultAction = Callable[[str, object], AWSResponse]  # (service, request) -> response, or raises


def _throttle(service, _request):
    return _error(service, 400, "Throttling", "ThrottlingException", "Rate exceeded")


def _status_500(service, _request):
    return _error(service, 500, "ServiceFailure", "InternalFailure", "Internal failure")


def _status_503(service, _request):
    return _error(service, 503, "ServiceUnavailable", "ServiceUnavailableException", "Unavailable")


def _reset(_service, request):
    raise ConnectionClosedError(endpoint_url=request.url)


def _unreachable(_service, request):
    raise EndpointConnectionError(endpoint_url=request.url)


def _read_timeout(_service, request):
    raise ReadTimeoutError(endpoint_url=request.url)


def _denied(service, _request):
    return _error(service, 403, "AccessDenied", "AccessDeniedException", "not authorized")


def _report_expired(_service, _request):
    return _query_error(410, "ReportExpired", "The credential report has expired")


def _report_in_progress(_service, _request):
    return _query_error(404, "ReportInProgress", "The credential report is being generated")


def _limit_exceeded(_service, _request):
    return _query_error(409, "LimitExceeded", "Too many report generations")


def _in_progress_state(_service, _request):
    return _generate_state("INPROGRESS")


def _put_failed(_service, request):
    return _failed_evaluations(request)


@dataclass(frozen=True)
class Fault:
    name: str
    action: FaultAction | None  # None: the request then goes through
    times: int | None  # attempts that get the fault before requests pass again; None: every attempt
    retryable: bool
    # Seconds each faulted attempt takes on the fake clock, given the attempt's request.
    seconds: Callable[[object], float] | None = None


ALWAYS = None
GENERIC_FAULTS = (
    Fault("throttling x2", _throttle, 2, True),
    Fault("throttling burst x12", _throttle, 12, True),
    Fault("HTTP 500 x1", _status_500, 1, True),
    Fault("HTTP 500 always", _status_500, ALWAYS, True),
    Fault("HTTP 503 x3", _status_503, 3, True),
    Fault("HTTP 503 always", _status_503, ALWAYS, True),
    Fault("connection reset x1", _reset, 1, True),
    Fault("connection reset always", _reset, ALWAYS, True),
    Fault("endpoint unreachable always", _unreachable, ALWAYS, True),
    Fault("read timeout x2", _read_timeout, 2, True),
    Fault("read timeout always", _read_timeout, ALWAYS, True),
    Fault("AccessDenied", _denied, ALWAYS, False),
)


def _read_timeout_of(request) -> float:
    """The read timeout the budget gave this attempt (what a stalled server would cost it)."""
    return request.context.get("read_timeout", LAMBDA_POLICY.read_timeout)


def _connect_timeout_of(_request) -> float:
    return LAMBDA_POLICY.connect_timeout


def _connect_timeout(_service, request):
    raise ConnectTimeoutError(endpoint_url=request.url)


# Slow answers, modelled on the fake clock: a server that accepts and never answers costs each
# attempt its whole read timeout; an unreachable host costs the connect timeout; a slow server
# answers after some seconds.
SLOW_FAULTS = (
    Fault("stalled until the read timeout x2", _read_timeout, 2, True, _read_timeout_of),
    Fault("stalled until the read timeout always", _read_timeout, ALWAYS, True, _read_timeout_of),
    Fault("connect timeout always", _connect_timeout, ALWAYS, True, _connect_timeout_of),
    Fault("slow answer 9 s always", None, ALWAYS, False, lambda _request: 9.0),
)
SPECIFIC_FAULTS = {
    "GetCredentialReport": (
        Fault("ReportExpired always", _report_expired, ALWAYS, False),
        Fault("ReportExpired x1", _report_expired, 1, False),
        Fault("ReportInProgress always", _report_in_progress, ALWAYS, False),
    ),
    "GenerateCredentialReport": (
        Fault("LimitExceeded always", _limit_exceeded, ALWAYS, False),
        Fault("LimitExceeded x2", _limit_exceeded, 2, False),
        Fault("INPROGRESS forever", _in_progress_state, ALWAYS, False),
    ),
    "PutEvaluations": (
        Fault("FailedEvaluations", _put_failed, ALWAYS, False),
        Fault("FailedEvaluations x1", _put_failed, 1, False),
    ),
}


# --- the account states and their true verdicts ------------------------------------------------


@dataclass(frozen=True)
class Account:
    name: str
    keys: tuple[bool, ...]  # active flag per root key
    parameters: tuple[tuple[str, str], ...] = ()

    @property
    def truth(self) -> str:
        ignore_inactive = dict(self.parameters).get("IgnoreInactiveKeys") == "true"
        counted = [active for active in self.keys if active or not ignore_inactive]
        return "NON_COMPLIANT" if counted else "COMPLIANT"

    def state(self) -> RootState:
        return RootState(keys=[RootKey(active=active) for active in self.keys])


NO_KEYS = Account("no keys", ())
ACTIVE = Account("active key", (True,))
INACTIVE_ACCEPTED = Account("inactive key, IgnoreInactiveKeys", (False,), (("IgnoreInactiveKeys", "true"),))
MIXED_IGNORING = Account(
    "active+inactive, IgnoreInactiveKeys", (False, True), (("IgnoreInactiveKeys", "true"),)
)
REPORT_OPERATIONS = ("GetCredentialReport", "GenerateCredentialReport")


def _cases():
    accounts_by_operation = {
        "GetAccountSummary": (NO_KEYS, ACTIVE, INACTIVE_ACCEPTED),
        "GetCredentialReport": (ACTIVE, INACTIVE_ACCEPTED, MIXED_IGNORING),
        "GenerateCredentialReport": (ACTIVE, INACTIVE_ACCEPTED, MIXED_IGNORING),
        "PutEvaluations": (NO_KEYS, ACTIVE),
    }
    for operation, accounts in accounts_by_operation.items():
        for fault in GENERIC_FAULTS + SPECIFIC_FAULTS.get(operation, ()):
            for account in accounts:
                yield pytest.param(
                    operation, fault, account, False, id=f"{operation}-{fault.name}-{account.name}"
                )
    for fault in GENERIC_FAULTS:
        for account in (NO_KEYS, ACTIVE):
            yield pytest.param(
                "AssumeRole", fault, account, True, id=f"AssumeRole-{fault.name}-{account.name}"
            )
    for fault in (GENERIC_FAULTS[1], GENERIC_FAULTS[5], GENERIC_FAULTS[11]):
        yield pytest.param(
            "GetAccountSummary", fault, ACTIVE, True, id=f"member GetAccountSummary-{fault.name}-active key"
        )


# --- harness ---------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)


class FakeLambdaContext:
    def __init__(self, clock: FakeClock, budget_seconds: float) -> None:
        self.clock = clock
        self.budget_seconds = budget_seconds
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:IAM_ROOT_NO_ACCESS_KEYS"

    def get_remaining_time_in_millis(self) -> int:
        return int((self.budget_seconds - self.clock.now) * 1000)


class Injector:
    """Counts attempts and API calls per operation; answers the targeted operation with the fault."""

    def __init__(self, operation: str, fault: Fault, clock=None) -> None:
        self.operation = operation
        self.fault = fault
        self.clock = clock
        self.attempts: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self.injected = 0
        self.put_compliance: list[str] = []

    def before_call(self, model, **_):
        self.calls[model.name] += 1

    def before_send(self, request, event_name: str, **_):
        service, operation = event_name.split(".")[1:3]
        self.attempts[operation] += 1
        if operation == "PutEvaluations":
            body = json.loads(request.body)
            self.put_compliance += [item["ComplianceType"] for item in body["Evaluations"]]
        if operation != self.operation:
            return None
        if self.fault.times is not None and self.injected >= self.fault.times:
            return None
        self.injected += 1
        if self.fault.seconds is not None:
            self.clock.sleep(self.fault.seconds(request))
        if self.fault.action is None:
            return None
        return self.fault.action("config" if service == "config-service" else service, request)


@pytest.fixture(scope="module", autouse=True)
def tally_file():
    yield
    write_reliability_tally("fault injection", TALLY)


@pytest.fixture
def clock(monkeypatch):
    """botocore's retry backoff and the report reader's polling both sleep on the fake clock."""
    fake = FakeClock()
    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=fake.sleep))
    patch_report_polling_sleep(monkeypatch, fake.sleep)
    return fake


class Dispatch:
    """Hooks registered once on a shared session (its loader caches the service models, which keeps
    each case fast); each case points them at its own injector."""

    def __init__(self) -> None:
        self.injector: Injector | None = None

    def before_send(self, **kwargs):
        return self.injector.before_send(**kwargs) if self.injector else None

    def before_call(self, **kwargs):
        if self.injector:
            self.injector.before_call(**kwargs)


@pytest.fixture(scope="module")
def shared_session():
    import moto.core.models  # noqa: F401 - moto's own before-send stub must be a builtin handler first

    session = boto3.Session()
    dispatch = Dispatch()
    session.events.register_first("before-send", dispatch.before_send)
    session.events.register("before-call", dispatch.before_call)
    return session, dispatch


def install(monkeypatch, shared_session, injector: Injector) -> None:
    session, dispatch = shared_session
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", session)
    monkeypatch.setattr(dispatch, "injector", injector)


def classify(evaluation: dict | None, account: Account) -> str:
    if evaluation is None:
        return "failed visibly"
    compliance = evaluation["ComplianceType"]
    if compliance == account.truth:
        return "right"
    if compliance == "NON_COMPLIANT" and "unavailable" in evaluation["Annotation"]:
        return "conservative"  # only the report could have shown every key inactive
    return "wrong"


def max_report_polls(budget_seconds: float) -> int:
    """Upper bound on GenerateCredentialReport calls the polling policy allows in a time budget
    (the first wait is 1 s and waits only grow)."""
    return 2 + int(max(budget_seconds, 0.0))


def run_case(
    monkeypatch, session, root_model, handler, clock, operation, fault, account, assume_role, budget=60.0
):
    injector = Injector(operation, fault, clock)
    install(monkeypatch, session, injector)
    evaluated = MEMBER_ID if assume_role else ACCOUNT_ID
    root_model.set(evaluated, account.state())
    parameters = dict(account.parameters)
    if assume_role:
        parameters["ExecutionRoleName"] = "rootkeys-evaluation"
    context = FakeLambdaContext(clock, budget)
    evaluation, error = None, None
    try:
        [evaluation] = handler(make_event(evaluated, rule_parameters=parameters), context)
    except RuleError as raised:
        error = raised
    outcome = classify(evaluation, account)

    TALLY["cases"] += 1
    TALLY["faults injected"] += injector.injected
    TALLY["wrong_verdicts"] += outcome == "wrong"
    TALLY["failed_visibly"] += outcome == "failed visibly"
    TALLY["conservative"] += outcome == "conservative"
    TALLY["survived"] += outcome in {"right", "conservative"}

    assert outcome != "wrong", f"{fault.name} on {operation} gave {evaluation} for {account.name}"
    if account.truth == "NON_COMPLIANT":
        assert "COMPLIANT" not in injector.put_compliance, "a COMPLIANT evaluation was sent for a root key"
    if evaluation is not None:
        assert set(injector.put_compliance) == {evaluation["ComplianceType"]}
        assert evaluation["ComplianceResourceId"] == evaluated
    for name, attempts in injector.attempts.items():
        assert attempts <= ATTEMPT_BUDGET * injector.calls[name], (name, attempts, injector.calls[name])
    assert injector.calls["GetAccountSummary"] <= 1
    assert injector.calls["PutEvaluations"] <= 1
    assert injector.calls["AssumeRole"] <= 1
    assert injector.calls["GenerateCredentialReport"] <= max_report_polls(budget)
    assert injector.calls["GetCredentialReport"] <= 1 + injector.calls["GenerateCredentialReport"]
    assert clock.now < budget, "the invocation ran past the Lambda deadline"
    # The budget keeps its exit margin for the log line and the return, whatever was slow.
    assert clock.now <= budget - LAMBDA_POLICY.exit_margin
    return outcome, error, injector


@pytest.mark.parametrize(("operation", "fault", "account", "assume_role"), list(_cases()))
def test_fault_never_yields_a_wrong_verdict(
    monkeypatch, shared_session, root_model, handler, clock, operation, fault, account, assume_role
):
    outcome, error, injector = run_case(
        monkeypatch, shared_session, root_model, handler, clock, operation, fault, account, assume_role
    )
    transient = fault.retryable and fault.times is not None and fault.times < ATTEMPT_BUDGET
    persistent = fault.times is None
    if injector.injected == 0:
        assert outcome == "right"  # the operation was not needed for this account
        return
    if transient:
        assert outcome == "right", "a fault within the retry budget must be retried away"
    if fault.retryable and (fault.times is None or fault.times >= ATTEMPT_BUDGET):
        assert injector.attempts[operation] == ATTEMPT_BUDGET * injector.calls[operation]
    if persistent and operation == "GetAccountSummary":
        assert isinstance(error, AccountSummaryUnavailableError)
    if persistent and operation == "PutEvaluations":
        assert isinstance(error, EvaluationNotRecordedError)
    if persistent and operation == "AssumeRole":
        assert isinstance(error, ExecutionRoleError)
    if persistent and operation in REPORT_OPERATIONS:
        assert outcome in {"right", "conservative"}, "a key was shown by the summary: decide NON_COMPLIANT"


# What the budget keeps back from evidence gathering: the PutEvaluations reserve and the exit margin.
KEPT = LAMBDA_POLICY.record_reserve + LAMBDA_POLICY.exit_margin


@pytest.mark.parametrize("spare", [4.5, 6.0, 9.5, 20.0])
@pytest.mark.parametrize("account", [ACTIVE, INACTIVE_ACCEPTED], ids=lambda account: account.name)
def test_report_generating_beyond_the_lambda_deadline(
    monkeypatch, shared_session, root_model, handler, clock, spare, account
):
    budget = KEPT + spare
    fault = SPECIFIC_FAULTS["GenerateCredentialReport"][2]  # INPROGRESS forever
    outcome, error, injector = run_case(
        monkeypatch,
        shared_session,
        root_model,
        handler,
        clock,
        "GenerateCredentialReport",
        fault,
        account,
        False,
        budget,
    )
    assert error is None
    assert outcome == ("right" if account.truth == "NON_COMPLIANT" else "conservative")
    assert injector.calls["PutEvaluations"] == 1  # the verdict was still recorded in time


def test_the_attempt_budget_is_what_botocore_applies(monkeypatch, root_model, clock):
    from root_access_keys.clients import own_role_client

    iam = own_role_client("iam", "us-east-1", LAMBDA_POLICY)
    assert iam.meta.config.retries["total_max_attempts"] == ATTEMPT_BUDGET


SLOW_OPERATIONS = {
    "GetAccountSummary": (NO_KEYS, ACTIVE),
    "GetCredentialReport": (ACTIVE, INACTIVE_ACCEPTED),
    "GenerateCredentialReport": (INACTIVE_ACCEPTED,),
    "PutEvaluations": (NO_KEYS, ACTIVE),
    "AssumeRole": (ACTIVE,),
}


def _slow_cases():
    for operation, accounts in SLOW_OPERATIONS.items():
        for fault in SLOW_FAULTS:
            for account in accounts:
                yield pytest.param(operation, fault, account, id=f"{operation}-{fault.name}-{account.name}")


@pytest.mark.parametrize(("operation", "fault", "account"), list(_slow_cases()))
@pytest.mark.parametrize("budget", [FUNCTION_TIMEOUT_SECONDS, 45.0], ids=["function timeout", "45 s left"])
def test_slow_answers_end_before_the_deadline_with_a_verdict_or_a_visible_failure(
    monkeypatch, shared_session, root_model, handler, clock, caplog, operation, fault, account, budget
):
    assume_role = operation == "AssumeRole"
    caplog.set_level(logging.INFO, logger="root_access_keys")
    outcome, error, injector = run_case(
        monkeypatch,
        shared_session,
        root_model,
        handler,
        clock,
        operation,
        fault,
        account,
        assume_role,
        budget,
    )
    assert injector.injected >= 1, "every chosen account needs the slowed operation"
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "root_access_keys"]
    if error is not None:
        # A raised error always leaves its structured line, naming the slow operation or its cause.
        [line] = [line for line in lines if line["message"] == "evaluation failed"]
        assert line["reason"]
    else:
        assert outcome in {"right", "conservative"}
        [line] = [line for line in lines if line["message"] == "evaluation recorded"]
        if outcome == "conservative":
            assert "unavailable" in line["annotation"]
    if fault.action is None:  # slow but answering: within the budget the right verdict still comes
        assert outcome == "right" or error is not None
    TALLY["slow-answer cases"] += 1
    TALLY["slow-answer seconds on the fake clock"] += round(clock.now)


def test_a_stalled_security_hub_never_delays_the_invocation_past_its_deadline(
    monkeypatch, shared_session, root_model, handler, clock, caplog
):
    caplog.set_level(logging.INFO, logger="root_access_keys")
    fault = SLOW_FAULTS[1]  # every attempt stalls until its read timeout
    injector = Injector("BatchImportFindings", fault, clock)
    install(monkeypatch, shared_session, injector)
    root_model.set(ACCOUNT_ID, ACTIVE.state())
    import boto3

    boto3.client("securityhub", region_name="us-east-1").enable_security_hub()
    context = FakeLambdaContext(clock, FUNCTION_TIMEOUT_SECONDS)
    [evaluation] = handler(make_event(rule_parameters={"SecurityHubFindings": "true"}), context)
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert injector.injected >= 1
    assert clock.now <= FUNCTION_TIMEOUT_SECONDS - LAMBDA_POLICY.exit_margin
    [line] = [json.loads(r.getMessage()) for r in caplog.records if "evaluation recorded" in r.getMessage()]
    assert line["security_hub"] == "failed"
    assert "BatchImportFindings" in line["security_hub_error"]
