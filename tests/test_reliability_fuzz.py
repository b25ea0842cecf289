"""Hypothesis fuzzing of the whole Lambda invocation: events and credential report bytes.

The handler runs end to end on moto (in process) with the root-user model. For any event it either
returns the one correct evaluation (and sent exactly one PutEvaluations) or raises a RuleError
and sent no PutEvaluations at all. Any other exception type is a failure. Credential report bytes
are served in place of IAM's through a `before-send` hook: a root key shown by the live summary
is never turned into COMPLIANT by whatever the report contains.
"""

import base64
import json
from collections import Counter
from datetime import UTC, datetime

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from conftest import ACCOUNT_ID, make_event, patch_report_polling_sleep, write_reliability_tally
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from root_access_keys.credential_report import parse_root_credentials
from root_access_keys.errors import CredentialReportError, RuleError

from rootkeys_dev.emulator import RootKey, RootState

TALLY: Counter[str] = Counter()
FUZZ = settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/"
REPORT_HEADER = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,"
    "cert_2_active,cert_2_last_rotated"
)
ROOT_ROW = (
    f"<root_account>,arn:aws:iam::{ACCOUNT_ID}:root,2020-01-01T00:00:00+00:00,not_supported,"
    "2026-11-01T00:00:00+00:00,not_supported,not_supported,true,true,2024-03-01T09:30:00+00:00,"
    "2026-11-20T08:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"
)
USER_ROW = (
    f"alice,arn:aws:iam::{ACCOUNT_ID}:user/alice,2021-05-01T00:00:00+00:00,true,N/A,N/A,N/A,false,"
    "false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"
)


# --- recording hook on a shared session --------------------------------------------------------


class Wire:
    def __init__(self) -> None:
        self.sent: Counter[str] = Counter()
        self.put_compliance: list[str] = []
        self.report: bytes | None = None

    def before_send(self, request, event_name: str, **_):
        operation = event_name.split(".")[2]
        self.sent[operation] += 1
        if operation == "PutEvaluations":
            body = json.loads(request.body)
            self.put_compliance += [e["ComplianceType"] for e in body["Evaluations"]]
            if not body.get("TestMode"):
                # moto implements PutEvaluations in TestMode only; the rule's request is recorded
                # above, and moto gets the same request with the flag set.
                request.body = json.dumps({**body, "TestMode": True}).encode()
                request.headers["Content-Length"] = str(len(request.body))
        if operation == "GetCredentialReport" and self.report is not None:
            return _report_response(self.report)
        return None


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_):
        yield self._data


def _report_response(content: bytes) -> AWSResponse:
    body = (
        f'<GetCredentialReportResponse xmlns="{IAM_NS}"><GetCredentialReportResult>'
        f"<Content>{base64.b64encode(content).decode()}</Content><ReportFormat>text/csv</ReportFormat>"
        f"<GeneratedTime>{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}</GeneratedTime></GetCredentialReportResult>"
        "<ResponseMetadata><RequestId>fuzz</RequestId></ResponseMetadata></GetCredentialReportResponse>"
    )
    return AWSResponse("https://aws.invalid/", 200, {"Content-Type": "text/xml"}, _Body(body.encode()))


class Dispatch:
    def __init__(self) -> None:
        self.wire: Wire | None = None

    def before_send(self, **kwargs):
        return self.wire.before_send(**kwargs) if self.wire else None


@pytest.fixture(scope="module")
def shared_session():
    import moto.core.models  # noqa: F401 - moto's before-send stub must be registered as a builtin first

    session = boto3.Session()
    dispatch = Dispatch()
    session.events.register_first("before-send", dispatch.before_send)
    return session, dispatch


@pytest.fixture
def fresh_wire(monkeypatch, shared_session):
    """Returns a function that starts a new recording for one Hypothesis example."""
    patch_report_polling_sleep(monkeypatch, CLOCK.sleep)
    session, dispatch = shared_session
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", session)
    monkeypatch.setattr(dispatch, "wire", None)

    def start() -> Wire:
        from root_access_keys.clients import clear_client_cache

        clear_client_cache()
        dispatch.wire = Wire()
        return dispatch.wire

    return start


@pytest.fixture(scope="module", autouse=True)
def tally_file():
    yield
    write_reliability_tally("fuzzing", TALLY)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)


CLOCK = FakeClock()


class Context:
    """A Lambda context whose remaining time runs on the fake clock the report polling sleeps on."""

    invoked_function_arn = f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:IAM_ROOT_NO_ACCESS_KEYS"

    def __init__(self) -> None:
        self.deadline = CLOCK.now + 60.0

    def get_remaining_time_in_millis(self) -> int:
        return int((self.deadline - CLOCK.now) * 1000)


# --- event strategies ---------------------------------------------------------------------------

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
wrong_json_types = st.one_of(
    st.none(),
    st.integers(),
    st.booleans(),
    st.floats(allow_nan=False),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
wrong_types = st.one_of(
    st.none(),
    st.integers(),
    st.booleans(),
    st.floats(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.binary(max_size=20),
)
surrogate_text = st.builds(
    lambda head, tail: f"{head}\udcff\ud800{tail}", st.text(max_size=10), st.text(max_size=10)
)
huge_text = st.builds(lambda size, char: char * size, st.integers(8_000, 400_000), st.sampled_from('x9{"é'))
odd_strings = st.one_of(st.text(max_size=40), surrogate_text, huge_text)
bad_timestamps = st.one_of(
    st.sampled_from(
        ["", "yesterday", "2026-13-01T00:00:00Z", "2026-02-30T10:00:00.000Z", "10:00", "2026-11-28T25:61:00Z"]
    ),
    st.text(max_size=30),
    wrong_json_types,
)
message_types = st.one_of(
    st.sampled_from(
        [
            "ConfigurationItemChangeNotification",
            "OversizedConfigurationItemChangeNotification",
            "ConfigurationSnapshotDeliveryCompleted",
            "scheduledNotification",
            "ScheduledNotification ",
        ]
    ),
    wrong_json_types,
    st.text(max_size=20),
)
TOP_FIELDS = (
    "invokingEvent",
    "ruleParameters",
    "resultToken",
    "eventLeftScope",
    "executionRoleArn",
    "configRuleArn",
    "configRuleName",
    "configRuleId",
    "accountId",
    "version",
)
INVOKING_FIELDS = ("awsAccountId", "notificationCreationTime", "messageType", "recordVersion")
PARAMETER_NAMES = (
    "IgnoreInactiveKeys",
    "IncludeSigningCertificates",
    "AssumeRoleMode",
    "ExecutionRoleName",
    "ExecutionRoleRegion",
    "Unknown",
)
rule_parameters = st.one_of(
    st.dictionaries(
        st.sampled_from(PARAMETER_NAMES),
        st.one_of(
            st.sampled_from(["true", "false", "TRUE", " yes ", "", "role/x"]), wrong_json_types, odd_strings
        ),
        max_size=4,
    ),
    st.builds(lambda n: {f"P{i}": "x" * 50 for i in range(n)}, st.integers(100, 3_000)),
)


valid_parameters = st.fixed_dictionaries(
    {},
    optional={
        "IgnoreInactiveKeys": st.sampled_from(["true", "false", "TRUE", " False "]),
        "IncludeSigningCertificates": st.sampled_from(["true", "false"]),
        "AssumeRoleMode": st.just("false"),
        "ExecutionRoleRegion": st.just(""),
    },
)
valid_times = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
).map(lambda moment: moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"))


@st.composite
def mutated_events(draw):
    """A real periodic event with a few of its fields dropped, added, retyped or made strange."""
    account = draw(st.sampled_from([ACCOUNT_ID, ACCOUNT_ID, "210987654321", "12345678901", "abcdefghijkl"]))
    event = make_event(ACCOUNT_ID)
    invoking = json.loads(event["invokingEvent"])
    event["accountId"] = account
    invoking["awsAccountId"] = account
    raw_invoking = None
    if draw(st.integers(0, 2)) == 0:
        # Only changes a real event may carry: extra fields, other valid parameters, other times.
        for _ in range(draw(st.integers(0, 3))):
            event[draw(st.text(min_size=1, max_size=12).filter(lambda name: name not in TOP_FIELDS))] = draw(
                json_values
            )
            invoking[
                draw(st.text(min_size=1, max_size=12).filter(lambda name: name not in INVOKING_FIELDS))
            ] = draw(json_values)
        event["ruleParameters"] = json.dumps(draw(valid_parameters))
        event["eventLeftScope"] = draw(json_values)
        invoking["notificationCreationTime"] = draw(valid_times)
        event["invokingEvent"] = json.dumps(invoking)
        return event
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(
            st.sampled_from(
                [
                    "drop",
                    "drop invoking",
                    "extra",
                    "retype",
                    "odd string",
                    "timestamp",
                    "message type",
                    "parameters",
                    "raw invoking",
                    "raw parameters",
                ]
            )
        )
        if kind == "drop":
            event.pop(draw(st.sampled_from(TOP_FIELDS)), None)
        elif kind == "drop invoking":
            invoking.pop(draw(st.sampled_from(INVOKING_FIELDS)), None)
        elif kind == "extra":
            event[draw(st.text(min_size=1, max_size=12))] = draw(json_values)
            invoking[draw(st.text(min_size=1, max_size=12))] = draw(json_values)
        elif kind == "retype":
            event[draw(st.sampled_from(TOP_FIELDS))] = draw(wrong_types)
        elif kind == "odd string":
            event[draw(st.sampled_from(TOP_FIELDS))] = draw(odd_strings)
        elif kind == "timestamp":
            invoking["notificationCreationTime"] = draw(bad_timestamps)
        elif kind == "message type":
            invoking["messageType"] = draw(message_types)
        elif kind == "parameters":
            event["ruleParameters"] = json.dumps(draw(rule_parameters))
        elif kind == "raw invoking":
            raw_invoking = draw(st.one_of(odd_strings, st.just("[" * 50_000), wrong_types))
        else:
            event["ruleParameters"] = draw(st.one_of(odd_strings, st.just("{" * 50_000), st.just("[]")))
    if raw_invoking is not None:
        event["invokingEvent"] = raw_invoking
    elif isinstance(event.get("invokingEvent"), str) and len(event["invokingEvent"]) < 8_000:
        event["invokingEvent"] = json.dumps(invoking)  # not when a mutation replaced it
    return event


def _truth(state: RootState) -> str:
    return "NON_COMPLIANT" if state.keys else "COMPLIANT"


@FUZZ
@given(event=mutated_events(), has_key=st.booleans())
# Another account, evaluated through a role assumed in it, with its own (default) root state.
@example(
    event={
        **make_event("210987654321", rule_parameters={"ExecutionRoleName": "true"}),
        "executionRoleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/config-role",
    },
    has_key=False,
)
# Found by this test: a number too long for int() made json.loads raise a bare ValueError.
@example(event={**make_event(), "invokingEvent": "9" * 8000}, has_key=False)
@example(event={**make_event(), "ruleParameters": '{"IgnoreInactiveKeys": ' + "1" * 5000 + "}"}, has_key=True)
def test_any_event_gets_the_right_verdict_or_a_clear_error(root_model, handler, fresh_wire, event, has_key):
    state = root_model.set(ACCOUNT_ID, RootState(keys=[RootKey(active=True)] if has_key else []))
    wire = fresh_wire()
    TALLY["events tried"] += 1
    try:
        [evaluation] = handler(event, Context())
    except RuleError:
        TALLY["events rejected (RuleError)"] += 1
        assert wire.sent["PutEvaluations"] == 0, "an evaluation was written for a rejected event"
        return
    TALLY["events evaluated"] += 1
    assert wire.sent["PutEvaluations"] == 1
    # Another account is evaluated only through a role assumed in it (ExecutionRoleName): its own state.
    evaluated = evaluation["ComplianceResourceId"]
    assert evaluated == event["accountId"]
    if evaluated != ACCOUNT_ID:
        assert wire.sent["AssumeRole"] == 1
        state = root_model.state(evaluated)
    assert wire.put_compliance == [evaluation["ComplianceType"]]
    wrong = evaluation["ComplianceType"] != _truth(state)
    TALLY["wrong_verdicts"] += wrong
    assert not wrong


def test_a_non_mapping_event_is_a_clear_error(root_model, handler, fresh_wire):
    for event in (None, "event", 42, ["invokingEvent"], b"\xff\xfe"):
        wire = fresh_wire()
        TALLY["events tried"] += 1
        with pytest.raises(RuleError):
            handler(event, Context())
        TALLY["events rejected (RuleError)"] += 1
        assert wire.sent["PutEvaluations"] == 0


# --- credential report bytes --------------------------------------------------------------------


@st.composite
def report_bytes(draw):
    """Valid-looking reports damaged in one or more ways, plus arbitrary bytes."""
    if draw(st.integers(0, 5)) == 0:
        return draw(st.binary(max_size=3_000))
    header = REPORT_HEADER.split(",")
    root = ROOT_ROW.split(",")
    user = USER_ROW.split(",")
    for _ in range(draw(st.integers(1, 3))):
        damage = draw(
            st.sampled_from(["value", "drop column", "swap columns", "drop field", "case", "bytes"])
        )
        if damage == "value" and root:
            index = draw(st.integers(0, len(root) - 1))
            root[index] = draw(st.one_of(st.text(max_size=12), st.sampled_from(["TRUE", "FALSE", "", "N/A"])))
        elif damage == "drop column" and len(header) > 1:
            index = draw(st.integers(0, len(header) - 1))
            for row in (header, root, user):
                if index < len(row):
                    del row[index]
        elif damage == "swap columns":
            first, second = draw(st.integers(0, len(header) - 1)), draw(st.integers(0, len(header) - 1))
            header[first], header[second] = header[second], header[first]
        elif damage == "drop field" and root:
            root.pop()
        elif damage == "case":
            header = [name.upper() for name in header]
    rows = [",".join(header), ",".join(user), ",".join(root)]
    if draw(st.booleans()):
        rows.append(",".join(root))  # a second root row
    text = "\r\n".join(draw(st.permutations(rows[1:])) and [rows[0], *rows[1:]]) + "\n"
    content = text.encode()
    if draw(st.booleans()):
        position = draw(st.integers(0, len(content)))
        content = content[:position] + draw(st.binary(min_size=1, max_size=8)) + content[position:]
    return content


@settings(max_examples=600, deadline=None)
@given(content=report_bytes())
def test_report_bytes_parse_or_raise_a_report_error(content):
    TALLY["report bytes parsed"] += 1
    try:
        root = parse_root_credentials(content)
    except CredentialReportError:
        TALLY["report bytes rejected (CredentialReportError)"] += 1
        return
    # The parser does not check the ARN (the handler compares it with the evaluated account).
    assert root is None or all(isinstance(key.active, bool) for key in root.access_keys)


@FUZZ
@given(content=report_bytes(), ignore_inactive=st.booleans())
def test_report_bytes_never_turn_an_active_root_key_compliant(
    root_model, handler, fresh_wire, content, ignore_inactive
):
    root_model.set(ACCOUNT_ID, RootState(keys=[RootKey(active=True)]))
    wire = fresh_wire()
    wire.report = content
    parameters = {"IgnoreInactiveKeys": "true"} if ignore_inactive else {}
    TALLY["reports served to the handler"] += 1
    try:
        [evaluation] = handler(make_event(rule_parameters=parameters), Context())
    except RuleError:
        TALLY["reports failing the invocation (RuleError)"] += 1
        assert wire.sent["PutEvaluations"] == 0
        return
    compliance = evaluation["ComplianceType"]
    if compliance == "COMPLIANT":
        # Only a readable report listing every root key as inactive may, with IgnoreInactiveKeys.
        root = parse_root_credentials(content)
        legitimate = ignore_inactive and root is not None and root.access_keys and not root.active_keys
        TALLY["wrong_verdicts"] += not legitimate
        assert legitimate, f"COMPLIANT from report {content[:200]!r}"
        TALLY["compliant: report shows every key inactive"] += 1
    assert wire.put_compliance == [compliance]
