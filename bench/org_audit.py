"""`rootkeys org-audit` at organization scale (issue 10: "design for 1,000 in the tests and the bench").

An emulated organization (bench/org_host.py, a child process) of `members` member accounts with
mixed root states (bench/org_audit_fleet.py), every AWS request answered after a fixed latency.
Each audit is the real command, `rootkeys org-audit --json`, run through the CLI's entry point
in a fresh interpreter (bench/org_audit_probe.py), so its peak memory is its own. Runs:
- sequential: `--concurrency 1` over a sample of members;
- baseline (the same sample and server; at each other sweep latency, 20 of them): plain boto3,
  one account after another, making the calls the audit makes (issue 10: "a plain boto3
  sequential loop doing the same calls"): sts:AssumeRoot, then with the session's credentials
  sts:GetCallerIdentity, iam:ListAccessKeys, iam:GetAccessKeyLastUsed for each key,
  iam:ListSigningCertificates, iam:ListMFADevices and iam:GetLoginProfile;
- sweep: a larger scope at several concurrencies, to see where more workers stop paying;
- full: every account of the organization at the default concurrency.
Every run is checked (bench/org_audit_checks.py): verdicts and key ids against the fleet, each
member's requests signed only by its own root session, suspended and denied members untouched,
no issued credential in the output, and the exit code.
"""

import contextlib
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import boto3
from root_access_keys.clients import credentials_client

from rootkeys.org.audit import DEFAULT_CONCURRENCY, ORG_POLICY

from .aws_env import REGION, aws_environment
from .org_audit_checks import (
    IssuedSession,
    ServedRequest,
    cross_account_uses,
    untouched_accounts,
    verdict_mismatches,
)
from .org_audit_fleet import EXPECTED, MANAGEMENT_STATE_EXPECTED, Expected, Kind, plan_fleet
from .org_audit_results import AuditRun, OrgAuditResult, OrgAuditSettings
from .org_host import BuiltOrganization, OrgHost

ROOT = Path(__file__).resolve().parent.parent
AUDIT_TASK_ARN = "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"
MANAGEMENT_KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
# The baseline at another sweep latency: fewer accounts (it is sequential, so slow at high latency).
SWEEP_BASELINE_ACCOUNTS = 20
ORDINARY = {kind for kind in Kind if kind not in (Kind.SUSPENDED, Kind.ASSUME_ROOT_DENIED)}


def expected_rows(org: BuiltOrganization, scope: list[str] | None) -> dict[str, Expected]:
    """What every account in scope must show (no scope: the whole organization, management included)."""
    if scope is None:
        rows = {account: EXPECTED[plan.kind] for account, plan in org.members.items()}
        rows[org.management_account_id] = MANAGEMENT_STATE_EXPECTED
        return rows
    return {account: EXPECTED[org.members[account].kind] for account in scope}


def expected_exit_code(rows: dict[str, Expected]) -> int:
    if any(row.status == "could_not_audit" for row in rows.values()):
        return 2
    return 1 if any(row.compliance == "NON_COMPLIANT" for row in rows.values()) else 0


class Bench:
    def __init__(self, host: OrgHost, org: BuiltOrganization, result_problems: dict[str, list[str]]) -> None:
        self.host = host
        self.org = org
        self.problems = result_problems

    def audit(self, label: str, latency_ms: float, concurrency: int, scope: list[str] | None) -> AuditRun:
        arguments = ["org-audit", "--json", "--region", REGION, "--concurrency", str(concurrency)]
        if scope is not None:
            arguments += ["--accounts", ",".join(scope)]
        self.host.set_latency(latency_ms / 1000)
        self.host.begin_run()
        with tempfile.TemporaryDirectory() as scratch:
            output = Path(scratch) / "org-audit.json"
            done = subprocess.run(  # noqa: S603 - our own interpreter and probe
                [sys.executable, "-m", "bench.org_audit_probe", str(output), *arguments],
                cwd=ROOT,
                env=aws_environment(self.org.endpoint),
                capture_output=True,
                text=True,
                check=False,
                timeout=1800,
            )
            if done.returncode != 0:
                raise RuntimeError(f"org-audit probe ({label}) failed:\n{done.stderr[-3000:]}")
            text = output.read_text(encoding="utf-8")
        measured = json.loads(done.stdout.strip().splitlines()[-1])
        requests, sessions, server_cpu_s = self.host.collect_run()
        rows = expected_rows(self.org, scope)
        self._check(label, json.loads(text), rows, exit_code=measured["exit_code"])
        self._check_isolation(label, rows, requests, sessions)
        self.problems["leaks"] += [f"{label}: {name}" for name in self.host.leaks([text, done.stderr])]
        return AuditRun(
            label,
            latency_ms,
            concurrency,
            len(rows),
            float(measured["wall_s"]),
            float(measured["setup_s"]),
            float(measured["cpu_s"]),
            int(measured["max_rss_kb"]),
            int(measured["exit_code"]),
            server_cpu_s,
            Counter(f"{request.service}:{request.action}" for request in requests),
        )

    def _check(
        self, label: str, document: dict[str, Any], rows: dict[str, Expected], *, exit_code: int
    ) -> None:
        wrong = verdict_mismatches(document, rows, self.org.key_ids)
        if exit_code != expected_exit_code(rows):
            wrong.append(f"exit code {exit_code}, expected {expected_exit_code(rows)}")
        self.problems["wrong_verdicts"] += [f"{label}: {problem}" for problem in wrong]

    def _check_isolation(
        self,
        label: str,
        rows: dict[str, Expected],
        requests: list[ServedRequest],
        sessions: list[IssuedSession],
    ) -> None:
        management = self.org.management_account_id
        members = [
            account for account, row in rows.items() if row.status == "audited" and account != management
        ]
        suspended = [account for account, row in rows.items() if row.status == "skipped"]
        denied = [account for account, row in rows.items() if row.status == "could_not_audit"]
        isolation = cross_account_uses(members, requests, sessions)
        self.problems["cross_account"] += [f"{label}: {problem}" for problem in isolation]
        # A suspended member gets no request at all; a denied one only the refused AssumeRoot.
        touched = untouched_accounts(suspended, requests, allowed=()) + untouched_accounts(denied, requests)
        strays = [s for s in sessions if s.account not in members]
        touched += [f"{s.account}: a root session was issued for an account not audited" for s in strays]
        self.problems["touched"] += [f"{label}: {problem}" for problem in touched]

    def baseline(self, latency_ms: float, scope: list[str]) -> tuple[list[float], float, int]:
        """Plain boto3, one account after another, the audit's calls. Returns each account's wall
        time, the CPU seconds and the API calls of them all."""
        self.host.set_latency(latency_ms / 1000)
        endpoint = {"endpoint_url": self.org.endpoint, "region_name": REGION}
        sts = boto3.client("sts", **endpoint, **MANAGEMENT_KEYS)
        durations = []
        cpu_s = 0.0
        calls = 0
        for index, account in enumerate([scope[0], *scope]):
            cpu_started = time.process_time()
            started = time.perf_counter()
            credentials = sts.assume_root(
                TargetPrincipal=account, TaskPolicyArn={"arn": AUDIT_TASK_ARN}, DurationSeconds=900
            )["Credentials"]
            keys, made = _read_root_credentials_plainly(endpoint, credentials)
            elapsed = time.perf_counter() - started
            if index:  # the first account only warms the STS client, as the audit's is warm
                durations.append(elapsed)
                cpu_s += time.process_time() - cpu_started
                calls += 1 + made
            if sorted(key["AccessKeyId"] for key in keys) != sorted(self.org.key_ids[account]):
                self.problems["wrong_verdicts"].append(f"baseline: {account} listed other keys")
        return durations, cpu_s, calls


def _read_root_credentials_plainly(endpoint: dict[str, str], credentials: dict[str, Any]) -> tuple[list, int]:
    """The audit's in-session calls with plain boto3 clients, no checks: the access keys, and how
    many calls were made."""
    session = {
        "aws_access_key_id": credentials["AccessKeyId"],
        "aws_secret_access_key": credentials["SecretAccessKey"],
        "aws_session_token": credentials["SessionToken"],
    }
    boto3.client("sts", **endpoint, **session).get_caller_identity()
    iam = boto3.client("iam", **endpoint, **session)
    keys = iam.list_access_keys()["AccessKeyMetadata"]
    for key in keys:
        iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])
    iam.list_signing_certificates()
    iam.list_mfa_devices()
    with contextlib.suppress(iam.exceptions.NoSuchEntityException):  # no console password
        iam.get_login_profile()
    return keys, 5 + len(keys)


def client_setup_cpu_ms(rounds: int = 20) -> float:
    """CPU milliseconds to build the two clients the audit builds per member (sts and iam, signed
    with the root session's credentials), measured in this process with placeholder credentials."""
    placeholder = {"AccessKeyId": "ASIAPLACEHOLDER", "SecretAccessKey": "-", "SessionToken": "-"}
    for service in ("sts", "iam"):  # the first of each loads the service model
        credentials_client(service, REGION, placeholder, ORG_POLICY)
    started = time.process_time()
    for _ in range(rounds):
        for service in ("sts", "iam"):
            credentials_client(service, REGION, placeholder, ORG_POLICY)
    return (time.process_time() - started) * 1000 / rounds


def _spread(accounts: list[str], count: int) -> list[str]:
    """`count` accounts spread evenly through the list."""
    count = min(count, len(accounts))
    return [accounts[index * len(accounts) // count] for index in range(count)]


def org_audit(settings: OrgAuditSettings) -> OrgAuditResult:
    plans = plan_fleet(settings.members)
    host = OrgHost()
    try:
        org = host.build(plans)
        problems: dict[str, list[str]] = {
            "wrong_verdicts": [],
            "cross_account": [],
            "touched": [],
            "leaks": [],
        }
        bench = Bench(host, org, problems)
        ordinary = [account for account, plan in org.members.items() if plan.kind in ORDINARY]
        sample = _spread(ordinary, settings.sample)
        latency = settings.latency_ms
        sequential = bench.audit("sequential", latency, 1, sample)
        baseline, baseline_cpu_s, baseline_calls = bench.baseline(latency, sample)
        sweeps = [
            [
                bench.audit(f"{sweep.latency_ms:g} ms, --concurrency {c}", sweep.latency_ms, c, scope)
                for c in sweep.concurrencies
            ]
            for sweep in settings.sweeps
            for scope in [_spread(list(org.members), sweep.accounts)]
        ]
        full = bench.audit("full", latency, DEFAULT_CONCURRENCY, None)
        sweep_baseline_rates = {latency: len(baseline) / sum(baseline)}
        for sweep in settings.sweeps:
            if sweep.latency_ms not in sweep_baseline_rates:
                durations, _cpu, _calls = bench.baseline(sweep.latency_ms, sample[:SWEEP_BASELINE_ACCOUNTS])
                sweep_baseline_rates[sweep.latency_ms] = len(durations) / sum(durations)
    finally:
        host.close()
    return OrgAuditResult(
        settings=settings,
        kinds=Counter(plan.kind.value for plan in plans),
        baseline_durations=baseline,
        baseline_cpu_s=baseline_cpu_s,
        baseline_calls=baseline_calls,
        client_setup_cpu_ms=client_setup_cpu_ms(),
        sequential=sequential,
        sweeps=sweeps,
        full=full,
        sweep_baseline_rates=sweep_baseline_rates,
        **problems,
    )
