"""The handler over real HTTP: moto's server on 127.0.0.1 (random port), reached via AWS_ENDPOINT_URL.

The root-user model is installed in this process, where the server thread answers, so the server
sees the modelled root state. What the server received is read on its side: the model records
IAM actions per account, and a wrapper records the PutEvaluations requests Config's handler gets.
"""

import functools
import json
import urllib.request
from collections.abc import Iterator

import pytest
from conftest import ACCOUNT_ID, make_event
from moto.config.responses import ConfigResponse
from root_access_keys import iam_evidence
from root_access_keys.errors import AccountSummaryUnavailableError

from rootkeys_dev.emulator import RootKey, RootState, RootUserModel
from rootkeys_dev.local_aws import local_emulator

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def moto_server() -> Iterator[str]:
    with local_emulator() as endpoint:
        yield endpoint


@pytest.fixture
def server_model(moto_server, monkeypatch) -> Iterator[tuple[RootUserModel, list[dict]]]:
    """A clean server, every client pointed at it, the root model installed, PutEvaluations recorded."""
    request = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    monkeypatch.setattr(
        iam_evidence,
        "PollingPolicy",
        functools.partial(iam_evidence.PollingPolicy, first_delay=0.005, max_delay=0.02),
    )
    received: list[dict] = []
    original = ConfigResponse.put_evaluations

    def recording_put_evaluations(self):
        received.append(json.loads(self.body))
        return original(self)

    monkeypatch.setattr(ConfigResponse, "put_evaluations", recording_put_evaluations)
    model = RootUserModel()
    with model.install():
        yield model, received


def test_compliant_account_over_http(server_model, handler):
    model, received = server_model
    state = model.set(ACCOUNT_ID, RootState(keys=[]))
    [evaluation] = handler(make_event(), None)
    assert evaluation["ComplianceType"] == "COMPLIANT"
    assert evaluation["ComplianceResourceId"] == ACCOUNT_ID
    assert state.calls == ["GetAccountSummary"]
    [request] = received
    assert request["TestMode"] is True
    assert request["Evaluations"][0]["ComplianceType"] == "COMPLIANT"
    assert request["Evaluations"][0]["ComplianceResourceType"] == "AWS::::Account"


def test_active_key_over_http(server_model, handler):
    model, received = server_model
    state = model.set(
        ACCOUNT_ID, RootState(keys=[RootKey(True, last_used_service="iam")], generation_polls=1)
    )
    [evaluation] = handler(make_event(), None)
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert "1 active, 0 inactive" in evaluation["Annotation"]
    assert state.calls[:3] == ["GetAccountSummary", "GetCredentialReport", "GenerateCredentialReport"]
    assert state.calls[-1] == "GetCredentialReport"
    [request] = received
    assert request["Evaluations"][0]["Annotation"] == evaluation["Annotation"]


def test_inactive_key_accepted_over_http(server_model, handler):
    model, received = server_model
    model.set(ACCOUNT_ID, RootState(keys=[RootKey(False)]))
    [evaluation] = handler(make_event(rule_parameters={"IgnoreInactiveKeys": "true"}), None)
    assert evaluation["ComplianceType"] == "COMPLIANT"
    assert received[0]["Evaluations"][0]["ComplianceType"] == "COMPLIANT"


def test_denied_summary_over_http_records_nothing(server_model, handler):
    model, received = server_model
    state = model.set(ACCOUNT_ID, RootState(keys=[], denied_actions=frozenset({"GetAccountSummary"})))
    with pytest.raises(AccountSummaryUnavailableError, match="iam:GetAccountSummary denied"):
        handler(make_event(), None)
    assert state.calls == ["GetAccountSummary"]
    assert received == []


def test_no_secret_reaches_the_logs_at_debug_level(server_model, monkeypatch, handler):
    """ApplicationLogLevel DEBUG: the function's root logger at DEBUG, every record captured. The
    member role's secret key and session token, the function's own secret, the resultToken and the
    credential report's content must appear in no line."""
    import base64
    import logging

    from moto.sts.models import sts_backends

    model, _ = server_model
    member = "210987654321"
    model.set(member, RootState(keys=[RootKey(active=True)]))
    own_secret = "own-function-secret-0123456789abcdefABCDEF"
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", own_secret)
    monkeypatch.setenv("AWS_LAMBDA_LOG_LEVEL", "DEBUG")
    records: list[logging.LogRecord] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    capture = Capture(logging.DEBUG)
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    for name in ("botocore", "boto3", "urllib3"):  # what a DEBUG configuration would do to them
        monkeypatch.setattr(logging.getLogger(name), "level", logging.DEBUG)
    token = "result-token-" + "Q" * 40
    event = make_event(member, rule_parameters={"ExecutionRoleName": "rootkeys-member"}, result_token=token)
    try:
        [evaluation] = handler(event, None)
    except Exception:  # moto accepts PutEvaluations only in TestMode; the logs are what matter here
        evaluation = None
    finally:
        root.removeHandler(capture)
        root.setLevel(previous_level)

    sessions = [
        role for backend in sts_backends.values() for sts in backend.values() for role in sts.assumed_roles
    ]
    assert sessions, "the member role was assumed"
    report = boto3_report_content(member)
    secrets = {
        "own secret key": own_secret,
        "result token": token,
        "credential report (base64)": base64.b64encode(report).decode()[:60],
        "credential report (csv)": report.decode().splitlines()[1][:60],
    }
    for number, session in enumerate(sessions):
        secrets[f"member secret key {number}"] = session.secret_access_key
        secrets[f"member session token {number}"] = session.session_token[:60]
    lines = [record.getMessage() for record in records]
    assert any('"message": "evaluation' in line for line in lines), "the rule's own line is still written"
    leaked = {name for name, secret in secrets.items() for line in lines if secret in line}
    assert leaked == set(), leaked
    del evaluation


def boto3_report_content(account: str) -> bytes:
    """The credential report the server holds for the account (as the handler read it)."""
    from moto.iam.models import iam_backends

    return iam_backends[account]["global"].get_credential_report().encode()
