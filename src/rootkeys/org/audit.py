"""`rootkeys org-audit`: the root credentials of every account of an organization, right now.

Preflight (who, which organization, trusted access for IAM, centralized root access), then the
accounts in scope, each audited in a worker thread (bounded by `concurrency`):
- not ACTIVE: skipped, with its state;
- the caller's own account (AssumeRoot cannot target it): the rule's own assessment with the
  caller's credentials (live summary, then the credential report);
- the management account when the caller is the IAM delegated administrator: skipped, with how to
  audit it;
- every other member: a root session (sts:AssumeRoot, IAMAuditRootUserCredentials) reads the
  root user's keys, their last use, signing certificates, MFA devices and console password.
The verdict always comes from the rule's decision code with the rule's options. Any failure in
one account makes that account "could not audit" with the cause; the others still finish.
"""

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata

import boto3
from root_access_keys.arns import root_user_arn
from root_access_keys.assessment import assess_root_access_keys
from root_access_keys.budget import Budget, BudgetPolicy
from root_access_keys.clients import client_config, credentials_client, instrumented, recording_calls
from root_access_keys.spec import RuleParameters
from root_access_keys.times import utc_now

from ..rule_options import parameters_json
from . import root_tasks
from .accounts import OrgAccount, describe_scope, select_accounts
from .evidence import from_assessment, judge_root_session
from .inventory import AccountResult, AuditStatus, Inventory, Method, RunInfo
from .preflight import Caller, Organization, preflight
from .references import policy_references
from .root_credentials import read_root_credentials
from .root_session import AUDIT_TASK_POLICY, assume_root, regional_sts_client, session_seconds

# Per call: adaptive retries share one client-side rate limit across all workers (AssumeRoot and
# Organizations throttle per account), with room for long throttling bursts.
ORG_POLICY = BudgetPolicy(
    connect_timeout=5.0,
    read_timeout=20.0,
    min_read_timeout=1.0,
    max_attempts=8,
    record_reserve=0.0,
    exit_margin=0.0,
)
DEFAULT_CONCURRENCY = 16
DEFAULT_ACCOUNT_TIMEOUT = 120.0
FALLBACK_REGION = "us-east-1"
CALLER_NOTE = (
    "audited with the caller's own credentials (AssumeRoot cannot target the caller's account): "
    "live account summary and credential report, key ids not listed"
)


@dataclass(frozen=True)
class OrgAuditOptions:
    parameters: RuleParameters
    region: str | None = None
    profile: str | None = None
    account_ids: Sequence[str] | None = None
    ou_id: str | None = None
    concurrency: int = DEFAULT_CONCURRENCY
    account_timeout: float = DEFAULT_ACCOUNT_TIMEOUT


def _tool_version() -> str:
    try:
        return metadata.version("rootkeys")
    except metadata.PackageNotFoundError:
        return "unknown"


class OrgAuditor:
    """Runs one org-audit. `on_start` gets the number of accounts in scope; `on_account` is called
    (from worker threads) as each account finishes."""

    def __init__(
        self,
        options: OrgAuditOptions,
        *,
        session: boto3.Session | None = None,
        now: Callable[[], datetime] = utc_now,
        on_start: Callable[[int], None] | None = None,
        on_account: Callable[[AccountResult], None] | None = None,
    ) -> None:
        self.options = options
        self.session = session or boto3.Session(profile_name=options.profile, region_name=options.region)
        self.region = options.region or self.session.region_name or FALLBACK_REGION
        self.now = now
        self.on_start = on_start or (lambda _count: None)
        self.on_account = on_account or (lambda _result: None)
        config = client_config(ORG_POLICY, retry_mode="adaptive", max_pool_connections=options.concurrency)
        self.sts = instrumented(regional_sts_client(self.session, self.region, config), ORG_POLICY)
        self.organizations = instrumented(
            self.session.client("organizations", region_name=self.region, config=config), ORG_POLICY
        )
        self.iam = instrumented(
            self.session.client("iam", region_name=self.region, config=config), ORG_POLICY
        )

    def preflight(self) -> tuple[Caller, Organization]:
        with recording_calls([], Budget.from_seconds(self.options.account_timeout, ORG_POLICY)):
            return preflight(self.sts, self.organizations, self.iam)

    def accounts(self) -> list[OrgAccount]:
        with recording_calls([], Budget.from_seconds(self.options.account_timeout, ORG_POLICY)):
            return select_accounts(
                self.organizations, account_ids=self.options.account_ids, ou_id=self.options.ou_id
            )

    def run(self) -> Inventory:
        """Preflight and account selection raise PreflightError; account failures never raise."""
        started = self.now()
        caller, organization = self.preflight()
        accounts = self.accounts()
        self.on_start(len(accounts))
        with ThreadPoolExecutor(max_workers=max(1, self.options.concurrency)) as pool:
            results = list(
                pool.map(lambda account: self._audit_and_report(account, caller, organization), accounts)
            )
        return Inventory(
            RunInfo(
                caller_arn=caller.arn,
                organization_id=organization.organization_id,
                management_account_id=organization.management_account_id,
                started_at=started,
                finished_at=self.now(),
                region=self.region,
                options=parameters_json(self.options.parameters),
                scope=describe_scope(self.options.account_ids, self.options.ou_id),
                tool_version=_tool_version(),
                references=policy_references(),
            ),
            tuple(results),
        )

    def _audit_and_report(
        self, account: OrgAccount, caller: Caller, organization: Organization
    ) -> AccountResult:
        result = self.audit_account(account, caller, organization)
        self.on_account(result)
        return result

    def audit_account(self, account: OrgAccount, caller: Caller, organization: Organization) -> AccountResult:
        if not account.active:
            return _skipped(account, f"state {account.state}: not audited")
        if (
            account.account_id != caller.account_id
            and account.account_id == organization.management_account_id
        ):
            return _skipped(
                account,
                "management account: sts:AssumeRoot cannot target it; audit it with "
                "`rootkeys audit` and its own credentials",
            )
        calls: list[str] = []
        budget = Budget.from_seconds(self.options.account_timeout, ORG_POLICY)
        try:
            with recording_calls(calls, budget):
                if account.account_id == caller.account_id:
                    return self._audit_caller(account, caller, budget, calls)
                return self._audit_member(account, caller, calls)
        except Exception as error:  # one account's failure must not stop or hide the others
            return AccountResult(
                account.account_id,
                account.name,
                account.state,
                AuditStatus.COULD_NOT_AUDIT,
                Method.ASSUME_ROOT if account.account_id != caller.account_id else Method.CALLER,
                error=f"{type(error).__name__}: {str(error)[:400]}",
                api_calls=tuple(calls),
            )

    def _audit_member(self, account: OrgAccount, caller: Caller, calls: list[str]) -> AccountResult:
        credentials = assume_root(
            self.sts,
            partition=caller.partition,
            account_id=account.account_id,
            task_policy=AUDIT_TASK_POLICY,
            seconds=session_seconds(self.options.account_timeout),
        )
        session_sts = credentials_client("sts", self.region, credentials, ORG_POLICY)
        root_tasks.check_root_identity(session_sts, account.account_id, caller.partition)
        iam = credentials_client("iam", self.region, credentials, ORG_POLICY)
        facts = read_root_credentials(iam)
        assessment = judge_root_session(
            facts,
            self.options.parameters,
            partition=caller.partition,
            account_id=account.account_id,
            read_at=self.now(),
        )
        return AccountResult(
            account.account_id,
            account.name,
            account.state,
            AuditStatus.AUDITED,
            Method.ASSUME_ROOT,
            compliance=assessment.verdict.compliance.value,
            reason=assessment.verdict.reason.value,
            annotation=assessment.annotation,
            credentials=facts,
            api_calls=tuple(calls),
        )

    def _audit_caller(
        self, account: OrgAccount, caller: Caller, budget: Budget, calls: list[str]
    ) -> AccountResult:
        assessment = assess_root_access_keys(
            self.iam,
            self.options.parameters,
            expected_root_arn=root_user_arn(caller.partition, account.account_id),
            budget=budget,
            now=self.now,
        )
        return AccountResult(
            account.account_id,
            account.name,
            account.state,
            AuditStatus.AUDITED,
            Method.CALLER,
            compliance=assessment.verdict.compliance.value,
            reason=assessment.verdict.reason.value,
            annotation=assessment.annotation,
            credentials=from_assessment(assessment),
            notes=(CALLER_NOTE,),
            api_calls=tuple(calls),
        )


def _skipped(account: OrgAccount, note: str) -> AccountResult:
    return AccountResult(account.account_id, account.name, account.state, AuditStatus.SKIPPED, notes=(note,))


def exit_code(inventory: Inventory) -> int:
    """2 when any account could not be audited (the inventory is incomplete), else 1 when any is
    non-compliant, else 0."""
    summary = inventory.summary()
    if summary["could_not_audit"]:
        return 2
    return 1 if summary["non_compliant"] else 0
