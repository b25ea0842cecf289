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
from moto.server import ThreadedMotoServer
from root_access_keys import iam_evidence
from root_access_keys.errors import AccountSummaryUnavailableError

from rootkeys_dev.emulator import RootKey, RootState, RootUserModel

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def moto_server() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


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
