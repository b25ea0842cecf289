"""Organization scale: every member account evaluated through one warm process, as Config would.

Each member gets its own RootState. For every evaluation the server's request log must show the
member's IAM and Config requests signed with an access key that moto issued to an assumed role in
that member account, a key never seen for any other account, and the verdict must match the
member's own state.
"""

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import boto3
from root_access_keys.budget import FUNCTION_TIMEOUT_SECONDS

from rootkeys_dev.config_events import plain_evaluation, scheduled_event
from rootkeys_dev.lambda_runtime import FakeLambdaContext

from .aws_env import reset_moto
from .in_process import Handler
from .moto_host import LoggedRequest, MotoHost
from .scenarios import ORG_ROLE_NAME, OWN_ACCOUNT, member_accounts, member_state

BASELINE_ACCOUNT_OFFSET = 500_000_000_000


@dataclass
class OrgResult:
    accounts: int
    baseline_durations: list[float]
    durations: dict[str, float] = field(default_factory=dict)
    compliant_accounts: set[str] = field(default_factory=set)
    requests: Counter[str] = field(default_factory=Counter)
    wrong_verdicts: list[str] = field(default_factory=list)
    isolation_failures: list[str] = field(default_factory=list)
    distinct_member_keys: int = 0
    root_model_mismatches: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.accounts / sum(self.durations.values())

    @property
    def baseline_rate(self) -> float:
        return len(self.baseline_durations) / sum(self.baseline_durations)


def _check_isolation(account: str, entries: list[LoggedRequest], seen_keys: dict[str, str]) -> list[str]:
    problems = []
    member_requests = [entry for entry in entries if entry.service in {"iam", "config"}]
    if not member_requests:
        problems.append(f"{account}: no IAM or Config request")
    for entry in member_requests:
        if entry.account != account:
            problems.append(f"{account}: {entry.service}:{entry.action} served for account {entry.account}")
        if entry.access_key == "testing":
            problems.append(f"{account}: {entry.service}:{entry.action} used the function's own key")
        owner = seen_keys.setdefault(entry.access_key, account)
        if owner != account:
            problems.append(f"{account}: reused the access key first used for {owner}")
    return problems


def _member_keys(sts: Any, account: str, session: str) -> dict[str, str]:
    credentials = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{ORG_ROLE_NAME}", RoleSessionName=session
    )["Credentials"]
    return {
        "aws_access_key_id": credentials["AccessKeyId"],
        "aws_secret_access_key": credentials["SecretAccessKey"],
        "aws_session_token": credentials["SessionToken"],
    }


class PlainOrgBaseline:
    """AssumeRole plus the two calls, plain boto3, fresh member clients each time (the minimum)."""

    def __init__(self) -> None:
        self._boto3 = boto3
        self._sts = boto3.client("sts")

    def __call__(self, account: str) -> float:
        started = time.perf_counter()
        keys = _member_keys(self._sts, account, "baseline")
        summary = self._boto3.client("iam", **keys).get_account_summary()["SummaryMap"]
        compliance = "NON_COMPLIANT" if summary["AccountAccessKeysPresent"] else "COMPLIANT"
        self._boto3.client("config", **keys).put_evaluations(
            Evaluations=[plain_evaluation(account, compliance)], ResultToken="TESTMODE", TestMode=True
        )
        return time.perf_counter() - started


def _generate_reports(accounts: list[str]) -> None:
    """Steady state: yesterday's run left a credential report in every account with a root key."""
    sts = boto3.client("sts")
    for account in accounts:
        boto3.client("iam", **_member_keys(sts, account, "setup")).generate_credential_report()


def organization(host: MotoHost, handler: Handler, count: int, baseline_every: int) -> OrgResult:
    """Evaluate `count` members; every `baseline_every`-th one is followed by a baseline evaluation of a
    separate account, so that both face the same server (moto slows down as accounts accumulate)."""
    reset_moto(host.endpoint)
    accounts = member_accounts(count)
    baseline_accounts = [
        str(int(account) + BASELINE_ACCOUNT_OFFSET) for account in accounts[::baseline_every]
    ]
    states = {account: member_state(index) for index, account in enumerate(accounts)}
    host.set_states({account: state for account, (state, _) in states.items()})
    host.set_states({account: member_state(2)[0] for account in baseline_accounts})
    _generate_reports([account for account, (state, _) in states.items() if state.keys])
    host.set_states({account: state for account, (state, _) in states.items()})  # fresh call records
    parameters = {"ExecutionRoleName": ORG_ROLE_NAME}
    baseline = PlainOrgBaseline()
    baseline(baseline_accounts[-1])  # warm the baseline's STS client as the rule's is warm

    result = OrgResult(count, [])
    result.compliant_accounts = {
        account for account, (_, verdict) in states.items() if verdict == "COMPLIANT"
    }
    seen_keys: dict[str, str] = {}
    for index, account in enumerate(accounts):
        host.drain()
        event = scheduled_event(account, rule_parameters=parameters, config_rule_id="config-rule-bench")
        event["executionRoleArn"] = f"arn:aws:iam::{account}:role/aws-service-role/config-role"
        started = time.perf_counter()
        # Every invocation gets its own context: Config invokes the function once per member.
        [evaluation] = handler(event, FakeLambdaContext(OWN_ACCOUNT, FUNCTION_TIMEOUT_SECONDS))
        result.durations[account] = time.perf_counter() - started
        entries = host.drain()
        result.requests.update(f"{entry.service}:{entry.action}" for entry in entries)
        expected = states[account][1]
        if evaluation["ComplianceResourceId"] != account or evaluation["ComplianceType"] != expected:
            result.wrong_verdicts.append(
                f"{account}: {evaluation['ComplianceResourceId']} {evaluation['ComplianceType']}, "
                f"expected {expected}"
            )
        result.isolation_failures += _check_isolation(account, entries, seen_keys)
        if index % baseline_every == 0:
            result.baseline_durations.append(baseline(baseline_accounts[index // baseline_every]))
    result.distinct_member_keys = len(seen_keys)

    # The emulator records, per account, which root-state actions moto served for that account.
    recorded = host.root_calls(accounts)
    for account in accounts:
        state = states[account][0]
        wanted = ["GetAccountSummary", "GetCredentialReport"] if state.keys else ["GetAccountSummary"]
        calls = recorded[account]
        if calls != wanted:
            result.root_model_mismatches.append(f"{account}: {calls}")
    return result
