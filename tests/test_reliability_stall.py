"""Slow answers for real: a local HTTP front that forwards to moto but accepts some requests and
never answers them. The handler runs with a scaled-down budget policy (fractions of a second
instead of seconds) and a real Lambda deadline of a few seconds, so each case ends in real time:
before the deadline, with the right verdict, a NON_COMPLIANT that names what was slow, or a
raised error and its log line.
"""

import json
import logging
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import ACCOUNT_ID, make_event
from moto.server import ThreadedMotoServer
from root_access_keys.budget import BudgetPolicy
from root_access_keys.errors import AccountSummaryUnavailableError
from root_access_keys.handler import Handler
from root_access_keys.rule import RootAccessKeysRule

from rootkeys_dev.emulator import RootKey, RootState, RootUserModel
from rootkeys_dev.lambda_runtime import FakeLambdaContext

pytestmark = pytest.mark.server

# The Lambda policy's shape at a tenth of its size: attempts, reserve and margin in proportion.
FAST = BudgetPolicy(
    connect_timeout=0.3,
    read_timeout=1.0,
    min_read_timeout=0.1,
    max_attempts=5,
    record_reserve=1.5,
    exit_margin=0.1,
)
DEADLINE_SECONDS = 4.0


class StallingFront(ThreadingHTTPServer):
    """Forwards every request to moto, except those whose body names a stalled action: those are
    accepted and never answered (until the front shuts down)."""

    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        self.upstream = upstream
        self.stalled_actions: set[str] = set()
        self.stalled: list[str] = []
        self.released = threading.Event()


class _Forward(BaseHTTPRequestHandler):
    server: StallingFront

    def log_message(self, *_args) -> None:  # keep test output clean
        return

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        target = self.headers.get("X-Amz-Target", "")
        stalled = self.server.stalled_actions
        action = next((name for name in stalled if _names(name, body, target, self.path)), None)
        if action is not None:
            self.server.stalled.append(action)
            self.server.released.wait(30)
            return
        request = urllib.request.Request(
            self.server.upstream + self.path,
            data=body,
            headers={key: value for key, value in self.headers.items() if key.lower() != "host"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                status, headers, payload = answer.status, answer.headers.items(), answer.read()
        except urllib.error.HTTPError as error:
            status, headers, payload = error.code, error.headers.items(), error.read()
        self.send_response(status)
        for key, value in headers:
            if key.lower() not in {"transfer-encoding", "connection", "content-length"}:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


# REST-JSON services name the action in the path, query services in the body, JSON ones in a header.
REST_PATHS = {"BatchImportFindings": "/findings/import"}


def _names(action: str, body: bytes, target: str, path: str) -> bool:
    rest = REST_PATHS.get(action)
    return (
        f"Action={action}".encode() in body
        or target.endswith(action)
        or (rest is not None and path.startswith(rest))
    )


@pytest.fixture
def front(monkeypatch) -> Iterator[StallingFront]:
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    upstream = f"http://{host}:{port}"
    server = StallingFront(upstream)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{server.server_address[1]}")
    model = RootUserModel()
    try:
        with model.install():
            server.model = model
            yield server
    finally:
        server.released.set()
        server.shutdown()
        server.server_close()
        moto.stop()


def invoke(caplog) -> tuple[list[dict] | None, BaseException | None, float, list[dict]]:
    caplog.set_level(logging.INFO, logger="root_access_keys")
    handler = Handler(RootAccessKeysRule(), policy=FAST)
    started = time.monotonic()
    result, error = None, None
    try:
        result = handler.handle(make_event(), FakeLambdaContext(ACCOUNT_ID, DEADLINE_SECONDS))
    except Exception as raised:
        error = raised
    elapsed = time.monotonic() - started
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "root_access_keys"]
    return result, error, elapsed, lines


def test_a_stalled_summary_fails_visibly_before_the_deadline(front, caplog):
    front.model.set(ACCOUNT_ID, RootState(keys=[RootKey(active=True)]))
    front.stalled_actions = {"GetAccountSummary"}
    result, error, elapsed, lines = invoke(caplog)
    assert result is None
    assert isinstance(error, AccountSummaryUnavailableError)
    assert "iam:GetAccountSummary" in str(error)
    assert elapsed < DEADLINE_SECONDS - FAST.exit_margin
    [line] = lines
    assert line["message"] == "evaluation failed"
    assert "iam:GetAccountSummary" in line["reason"]
    assert front.stalled  # the requests did reach the stalling server


def test_a_stalled_credential_report_gives_a_non_compliant_that_says_what_was_slow(front, caplog):
    front.model.set(ACCOUNT_ID, RootState(keys=[RootKey(active=False)]))
    front.stalled_actions = {"GetCredentialReport"}
    result, error, elapsed, lines = invoke(caplog)
    assert error is None, error
    [evaluation] = result
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert "detail unavailable" in evaluation["Annotation"]
    assert "iam:GetCredentialReport" in evaluation["Annotation"]
    assert elapsed < DEADLINE_SECONDS - FAST.exit_margin
    assert [line["message"] for line in lines] == ["evaluation recorded"]


def test_a_stalled_security_hub_leaves_the_recorded_evaluation_and_the_deadline_alone(front, caplog):
    front.model.set(ACCOUNT_ID, RootState(keys=[]))
    front.stalled_actions = {"BatchImportFindings"}
    caplog.set_level(logging.INFO, logger="root_access_keys")
    handler = Handler(RootAccessKeysRule(), policy=FAST)
    started = time.monotonic()
    [evaluation] = handler.handle(
        make_event(rule_parameters={"SecurityHubFindings": "true"}),
        FakeLambdaContext(ACCOUNT_ID, DEADLINE_SECONDS),
    )
    elapsed = time.monotonic() - started
    assert evaluation["ComplianceType"] == "COMPLIANT"
    assert elapsed < DEADLINE_SECONDS - FAST.exit_margin
    recorded = [json.loads(r.getMessage()) for r in caplog.records if "evaluation recorded" in r.getMessage()]
    assert recorded[0]["security_hub"] == "failed"
    assert "securityhub:BatchImportFindings" in recorded[0]["security_hub_error"]
