"""Concurrent invocations in one process never mix accounts, credentials, verdicts or call logs.

A real moto HTTP server (ThreadedMotoServer on 127.0.0.1, in this process so the root-user model
applies) serves many handler invocations running in threads. Each member account has its own
RootState. The server, not the client, says which account each request was served for: moto
resolves it from the access key that signed the request (an assumed-role key belongs to the
member account it was issued for).
"""

import json
import logging
import time
import urllib.request
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import make_event, patch_report_polling_sleep, write_reliability_tally

from rootkeys_dev.emulator import RootKey, RootState

pytestmark = pytest.mark.server

FUNCTION_ACCOUNT = "123456789012"
MEMBERS = [str(300_000_000_000 + index) for index in range(50)]
THREADS = 8
ROLE_NAME = "rootkeys-org-evaluation"
TALLY: Counter[str] = Counter()


class Context:
    invoked_function_arn = f"arn:aws:lambda:us-east-1:{FUNCTION_ACCOUNT}:function:IAM_ROOT_NO_ACCESS_KEYS"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 60_000


class PutLog:
    """Server side: which account moto served each PutEvaluations for, and for which resources."""

    def __init__(self) -> None:
        self.served: list[tuple[str, list[str], list[str]]] = []

    def install(self, monkeypatch) -> None:
        from moto.config.responses import ConfigResponse

        original = ConfigResponse.put_evaluations
        log = self

        def put_evaluations(response):
            evaluations = response._get_param("Evaluations") or []
            log.served.append(
                (
                    response.current_account,
                    [item["ComplianceResourceId"] for item in evaluations],
                    [item["ComplianceType"] for item in evaluations],
                )
            )
            return original(response)

        monkeypatch.setattr(ConfigResponse, "put_evaluations", put_evaluations)


@pytest.fixture(scope="module", autouse=True)
def tally_file():
    yield
    write_reliability_tally("concurrency", TALLY)


@pytest.fixture
def endpoint(root_model_server, monkeypatch):
    url, model = root_model_server
    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:  # local moto server
        response.read()
    model.clear()
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    # Report polling: real sleeps, a hundred times shorter (moto answers STARTED, then COMPLETE).
    patch_report_polling_sleep(monkeypatch, lambda seconds: time.sleep(seconds / 100))
    return model


def member_state(index: int) -> tuple[RootState, str, list[str]]:
    """(state, expected verdict, the root-user actions the server must serve for this account)."""
    with_report = ["GetAccountSummary", "GetCredentialReport", "GenerateCredentialReport"]
    if index % 3 == 0:
        return RootState(keys=[RootKey(active=True)]), "NON_COMPLIANT", with_report
    if index % 3 == 1:
        return RootState(keys=[RootKey(active=False)], mfa=False), "NON_COMPLIANT", with_report
    return RootState(keys=[]), "COMPLIANT", ["GetAccountSummary"]


def recorded_lines(caplog) -> list[dict]:
    lines = [
        json.loads(record.getMessage()) for record in caplog.records if record.name == "root_access_keys"
    ]
    return [line for line in lines if line.get("message") == "evaluation recorded"]


def test_threads_evaluating_different_accounts_share_nothing(endpoint, handler, monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger="root_access_keys")
    model = endpoint
    puts = PutLog()
    puts.install(monkeypatch)
    expected = {}
    for index, account in enumerate(MEMBERS):
        state, verdict, actions = member_state(index)
        model.set(account, state)
        expected[account] = (verdict, actions)

    def invoke(account: str) -> list[dict]:
        event = make_event(account, rule_parameters={"ExecutionRoleName": ROLE_NAME})
        return handler(event, Context())

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = dict(zip(MEMBERS, pool.map(invoke, MEMBERS), strict=True))

    wrong = []
    for account, evaluations in results.items():
        TALLY["invocations"] += 1
        verdict = expected[account][0]
        if [(e["ComplianceResourceId"], e["ComplianceType"]) for e in evaluations] != [(account, verdict)]:
            wrong.append((account, evaluations))
    TALLY["wrong_verdicts"] += len(wrong)
    assert not wrong

    # Server side: exactly one PutEvaluations per member, served for that member, about that member.
    served = defaultdict(list)
    for served_for, resources, compliance in puts.served:
        served[served_for].append((resources, compliance))
    assert set(served) == set(MEMBERS)
    for account in MEMBERS:
        assert served[account] == [([account], [expected[account][0]])]
    # The root-user actions each account's state saw were that account's own, once each.
    for account in MEMBERS:
        assert sorted(set(model.state(account).calls)) == sorted(expected[account][1])
        assert model.state(account).calls.count("GetAccountSummary") == 1
    assert model.state(FUNCTION_ACCOUNT).calls == []  # nothing ran with the function's own credentials

    # Each invocation's log line lists its own API calls only (the per-invocation call record).
    lines = {line["account"]: line for line in recorded_lines(caplog)}
    assert set(lines) == set(MEMBERS)
    for account, line in lines.items():
        calls = Counter(line["api_calls"])
        assert calls["sts:AssumeRole"] == 1
        assert calls["iam:GetAccountSummary"] == 1
        assert calls["config:PutEvaluations"] == 1
        assert line["compliance"] == expected[account][0]
    TALLY["accounts checked at the server"] += len(MEMBERS)


def test_threads_sharing_the_cached_own_role_clients(endpoint, handler, caplog):
    caplog.set_level(logging.INFO, logger="root_access_keys")
    model = endpoint
    model.set(FUNCTION_ACCOUNT, RootState(keys=[]))
    invocations = 40

    def invoke(_: int) -> list[dict]:
        return handler(make_event(FUNCTION_ACCOUNT), Context())

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(invoke, range(invocations)))

    TALLY["invocations"] += invocations
    verdicts = Counter(e["ComplianceType"] for evaluations in results for e in evaluations)
    TALLY["wrong_verdicts"] += invocations - verdicts["COMPLIANT"]
    assert verdicts == Counter({"COMPLIANT": invocations})
    assert model.state(FUNCTION_ACCOUNT).calls == ["GetAccountSummary"] * invocations
    lines = recorded_lines(caplog)
    assert len(lines) == invocations
    assert all(line["api_calls"] == ["iam:GetAccountSummary", "config:PutEvaluations"] for line in lines)
