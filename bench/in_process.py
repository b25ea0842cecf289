"""Measurements that run the handler inside the benchmark process: API calls and warm invocations.

The moto server runs in a child process, so this process's CPU time is the client's alone.
"""

import logging
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import boto3
from root_access_keys.budget import FUNCTION_TIMEOUT_SECONDS

from rootkeys_dev.config_events import plain_evaluation, scheduled_event
from rootkeys_dev.lambda_runtime import FakeLambdaContext, Handler
from rootkeys_dev.lambda_runtime import load_handler as load_rule_handler

from .aws_env import reset_moto
from .moto_host import LoggedRequest, MotoHost
from .scenarios import OWN_ACCOUNT, api_call_scenarios
from .stats import median


def load_handler() -> Handler:
    # Lambda's runtime gives the root logger a handler; log lines are formatted, then discarded.
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler(open(os.devnull, "w")))  # noqa: SIM115 - process lifetime
    return load_rule_handler()


class PlainTwoCalls:
    """The baseline: what any rule must do at least, written with plain boto3 and nothing else."""

    def __init__(self) -> None:
        self.iam = boto3.client("iam")
        self.config = boto3.client("config")

    def __call__(self, account_id: str) -> str:
        summary = self.iam.get_account_summary()["SummaryMap"]
        compliance = "NON_COMPLIANT" if summary["AccountAccessKeysPresent"] else "COMPLIANT"
        self.config.put_evaluations(
            Evaluations=[plain_evaluation(account_id, compliance)], ResultToken="TESTMODE", TestMode=True
        )
        return compliance


def action_names(entries: list[LoggedRequest]) -> list[str]:
    return [f"{entry.service}:{entry.action}" for entry in entries]


@dataclass(frozen=True)
class ApiCallResult:
    scenario: str
    calls: float
    actions: list[str]
    verdict_ok: bool


def api_calls(host: MotoHost, handler: Handler, repeats: int) -> tuple[int, list[ApiCallResult]]:
    """Requests per evaluation as the server counted them, per scenario; and the baseline's count."""
    reset_moto(host.endpoint)
    host.set_states({OWN_ACCOUNT: api_call_scenarios()[0].state})
    host.drain()
    PlainTwoCalls()(OWN_ACCOUNT)
    baseline = len(host.drain())
    results = []
    for scenario in api_call_scenarios():
        counts, actions, correct = [], [], True
        for _ in range(repeats):
            reset_moto(host.endpoint)
            host.set_states({OWN_ACCOUNT: scenario.state})
            if scenario.report_exists:
                boto3.client("iam").generate_credential_report()
            host.drain()
            [evaluation] = handler(
                scheduled_event(OWN_ACCOUNT, config_rule_id="config-rule-bench"),
                FakeLambdaContext(OWN_ACCOUNT, FUNCTION_TIMEOUT_SECONDS),
            )
            entries = host.drain()
            counts.append(len(entries))
            actions = action_names(entries)
            correct = correct and evaluation["ComplianceType"] == scenario.expected
        results.append(ApiCallResult(scenario.name, median(counts), actions, correct))
    return baseline, results


@dataclass(frozen=True)
class WarmResult:
    rule_wall_ms: float
    baseline_wall_ms: float
    rule_cpu_ms: float
    baseline_cpu_ms: float
    requests_per_invocation: float
    cached_clients: int
    invocations: int


def _timed(action: Callable[[], object]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def warm(host: MotoHost, handler: Handler, repeats: int, per_repeat: int) -> WarmResult:
    """Per-invocation time of the warm handler against the warm plain-boto3 baseline, interleaved."""
    reset_moto(host.endpoint)
    host.set_states({OWN_ACCOUNT: api_call_scenarios()[0].state})
    event, context = (
        scheduled_event(OWN_ACCOUNT, config_rule_id="config-rule-bench"),
        FakeLambdaContext(OWN_ACCOUNT, FUNCTION_TIMEOUT_SECONDS),
    )
    baseline = PlainTwoCalls()

    def rule_once() -> None:
        [evaluation] = handler(event, context)
        if evaluation["ComplianceType"] != "COMPLIANT":
            raise AssertionError(f"warm run gave {evaluation['ComplianceType']}")

    def baseline_once() -> None:
        baseline(OWN_ACCOUNT)

    for _ in range(5):
        rule_once()
        baseline_once()
    host.drain()
    # Calls alternate one by one, so load from elsewhere on the machine hits both sides alike;
    # each repeat contributes the median of its per-call times.
    rule_wall, rule_cpu, base_wall, base_cpu, requests = [], [], [], [], []
    for repeat in range(repeats):
        samples: dict[str, list[tuple[float, float]]] = {"rule": [], "baseline": []}
        for call in range(per_repeat):
            pair = [("rule", rule_once), ("baseline", baseline_once)]
            for name, action in pair if (repeat + call) % 2 == 0 else reversed(pair):
                samples[name].append(_timed(action))
        served = len(host.drain())
        requests.append((served - 2 * per_repeat) / per_repeat)  # the baseline's two calls each time
        rule_wall.append(median(wall for wall, _ in samples["rule"]))
        rule_cpu.append(median(cpu for _, cpu in samples["rule"]))
        base_wall.append(median(wall for wall, _ in samples["baseline"]))
        base_cpu.append(median(cpu for _, cpu in samples["baseline"]))
    return WarmResult(
        rule_wall_ms=median(rule_wall),
        baseline_wall_ms=median(base_wall),
        rule_cpu_ms=median(rule_cpu),
        baseline_cpu_ms=median(base_cpu),
        requests_per_invocation=median(requests),
        cached_clients=len(_cached_clients()),
        invocations=repeats * per_repeat,
    )


def _cached_clients() -> dict[object, object]:
    from root_access_keys import clients  # noqa: PLC0415 - importable only after load_handler()

    return clients._own_role_clients


def count_actions(entries: list[LoggedRequest]) -> Counter[str]:
    return Counter(action_names(entries))
