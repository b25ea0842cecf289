"""`rootkeys org-remediate`: delete exactly the root credentials an org-audit plan lists.

Dry run (the default) shows, account by account, what would be deleted and changes nothing (it
makes no call inside member accounts). With apply, each account is handled on its own:
1. a fresh root session with IAMDeleteRootUserCredentials re-lists the root user's credentials;
   if anything differs from the plan (a credential added, removed, or its status changed) the
   account is "plan is stale", with the difference, and nothing there is touched;
2. exactly the planned credentials are deleted (MFA devices deactivated: the task policy has not
   allowed deleting virtual devices since January 2025), each action written to the audit trail;
3. a new IAMAuditRootUserCredentials session audits again: the account is clean only when none of
   the credentials in scope is left.
One account's failure never stops the others. The listing and deletion calls are root_tasks'
(shared with the central runbook).
"""

import json
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

import boto3
from root_access_keys.budget import Budget
from root_access_keys.clients import client_config, credentials_client, instrumented, recording_calls
from root_access_keys.spec import RuleParameters
from root_access_keys.times import utc_now

from ..rule_options import parameters_json
from . import root_tasks
from .audit import DEFAULT_ACCOUNT_TIMEOUT, DEFAULT_CONCURRENCY, FALLBACK_REGION, ORG_POLICY
from .inventory import AccessKey, AccountResult, MfaDevice, RootCredentials, SigningCertificate
from .plan import (
    ACCESS_KEY,
    LOGIN_PROFILE,
    LOGIN_PROFILE_ID,
    MFA_DEVICE,
    SIGNING_CERTIFICATE,
    AccountPlan,
    Credential,
    Scope,
    check_plan,
    load_plan,
    plan_accounts,
)
from .preflight import Caller, preflight
from .root_credentials import read_root_credentials
from .root_session import (
    AUDIT_TASK_POLICY,
    DELETE_TASK_POLICY,
    assume_root,
    regional_sts_client,
    session_seconds,
)

DEFAULT_MAX_PLAN_AGE = timedelta(hours=24)
ACTIONS = {
    ACCESS_KEY: "iam:DeleteAccessKey",
    SIGNING_CERTIFICATE: "iam:DeleteSigningCertificate",
    LOGIN_PROFILE: "iam:DeleteLoginProfile",
    MFA_DEVICE: "iam:DeactivateMFADevice",
}


class Outcome(StrEnum):
    CLEAN = "clean"  # every credential in scope is gone (re-audited)
    NOT_CLEAN = "not clean"  # something in scope is left after the deletions
    STALE = "plan is stale"  # the root's credentials differ from the plan: nothing touched
    FAILED = "could not act"  # no root session, or the listing failed: nothing touched
    WOULD_DELETE = "would delete"  # dry run
    NOTHING_PLANNED = "nothing planned"  # the plan lists nothing to delete in scope
    SKIPPED = "skipped"  # never acted on (management account, not ACTIVE, not audited by AssumeRoot)


@dataclass(frozen=True)
class OrgRemediateOptions:
    plan_path: Path
    parameters: RuleParameters
    scope: Scope = field(default_factory=Scope)
    apply: bool = False
    accounts: Sequence[str] | None = None
    exclude_accounts: Sequence[str] = ()
    max_plan_age: timedelta = DEFAULT_MAX_PLAN_AGE
    region: str | None = None
    profile: str | None = None
    concurrency: int = DEFAULT_CONCURRENCY
    account_timeout: float = DEFAULT_ACCOUNT_TIMEOUT


@dataclass(frozen=True)
class ActionRecord:
    """One line of the audit trail."""

    time: datetime
    caller_arn: str
    account_id: str
    credential_type: str
    credential_id: str
    action: str
    result: str  # "deleted", "deactivated", "already gone", or "failed: <cause>"

    def to_json(self) -> dict[str, str]:
        return {
            "time": self.time.isoformat(),
            "caller_arn": self.caller_arn,
            "account_id": self.account_id,
            "credential_type": self.credential_type,
            "credential_id": self.credential_id,
            "action": self.action,
            "result": self.result,
        }


@dataclass(frozen=True)
class AccountOutcome:
    account_id: str
    name: str
    outcome: Outcome
    planned: tuple[Credential, ...] = ()
    actions: tuple[ActionRecord, ...] = ()
    details: tuple[str, ...] = ()  # the difference, the remaining credentials, or why nothing was done
    api_calls: tuple[str, ...] = ()


@dataclass(frozen=True)
class RemediationReport:
    caller_arn: str
    organization_id: str
    applied: bool
    started_at: datetime
    finished_at: datetime
    accounts: tuple[AccountOutcome, ...] = field(default_factory=tuple)

    def counts(self) -> dict[str, int]:
        counts = {outcome.value: 0 for outcome in Outcome}
        for account in self.accounts:
            counts[account.outcome.value] += 1
        return counts

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "rootkeys.org-remediate",
            "caller_arn": self.caller_arn,
            "organization_id": self.organization_id,
            "applied": self.applied,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat(),
            "counts": self.counts(),
            "accounts": [
                {
                    "account_id": account.account_id,
                    "name": account.name,
                    "outcome": account.outcome.value,
                    "planned": [
                        {"type": c.kind, "id": c.identifier, "status": c.status} for c in account.planned
                    ],
                    "actions": [action.to_json() for action in account.actions],
                    "details": list(account.details),
                }
                for account in self.accounts
            ],
        }


def exit_code(report: RemediationReport) -> int:
    """0 only when every account with planned deletions ended clean (a dry run changes nothing: 0)."""
    if not report.applied:
        return 0
    unfinished = {Outcome.NOT_CLEAN, Outcome.STALE, Outcome.FAILED}
    return 1 if any(account.outcome in unfinished for account in report.accounts) else 0


class AuditTrail:
    """Appends one JSON line per action to a file, as it happens (thread-safe, flushed per line)."""

    def __init__(self, stream: IO[str] | None) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def write(self, record: ActionRecord) -> None:
        if self._stream is None:
            return
        with self._lock:
            self._stream.write(json.dumps(record.to_json(), sort_keys=True) + "\n")
            self._stream.flush()


def _listing(credentials: RootCredentials | None, scope: Scope) -> set[Credential]:
    """The root credentials of the kinds in scope, as comparable records."""
    if credentials is None:
        return set()
    found = {Credential(ACCESS_KEY, key.access_key_id, key.status) for key in credentials.access_keys}
    kinds = scope.kinds
    if SIGNING_CERTIFICATE in kinds:
        found |= {
            Credential(SIGNING_CERTIFICATE, cert.certificate_id, cert.status)
            for cert in credentials.signing_certificates
        }
    if LOGIN_PROFILE in kinds and credentials.password:
        found.add(Credential(LOGIN_PROFILE, LOGIN_PROFILE_ID))
    if MFA_DEVICE in kinds:
        found |= {Credential(MFA_DEVICE, device.serial_number) for device in credentials.mfa_devices or ()}
    return found


def difference(planned: set[Credential], current: set[Credential]) -> list[str]:
    """How the root user's credentials differ from what the plan says, in words."""
    changes = []
    planned_ids = {(c.kind, c.identifier): c for c in planned}
    current_ids = {(c.kind, c.identifier): c for c in current}
    for key in sorted(planned_ids.keys() - current_ids.keys()):
        changes.append(f"the plan lists {planned_ids[key].describe()}, which this root user does not have")
    for key in sorted(current_ids.keys() - planned_ids.keys()):
        changes.append(f"{current_ids[key].describe()} is not in the plan (added since the audit)")
    for key in sorted(planned_ids.keys() & current_ids.keys()):
        if planned_ids[key].status != current_ids[key].status:
            now_status = current_ids[key].status or "present"
            changes.append(f"{planned_ids[key].describe()} is now {now_status} (status changed)")
    return changes


class OrgRemediator:
    def __init__(
        self,
        options: OrgRemediateOptions,
        *,
        session: boto3.Session | None = None,
        now: Callable[[], datetime] = utc_now,
        trail: AuditTrail | None = None,
        on_start: Callable[[int], None] | None = None,
        on_account: Callable[[AccountOutcome], None] | None = None,
    ) -> None:
        self.options = options
        self.session = session or boto3.Session(profile_name=options.profile, region_name=options.region)
        self.region = options.region or self.session.region_name or FALLBACK_REGION
        self.now = now
        self.trail = trail or AuditTrail(None)
        self.on_start = on_start or (lambda _count: None)
        self.on_account = on_account or (lambda _outcome: None)
        config = client_config(ORG_POLICY, retry_mode="adaptive", max_pool_connections=options.concurrency)
        self.sts = instrumented(regional_sts_client(self.session, self.region, config), ORG_POLICY)
        self.organizations = instrumented(
            self.session.client("organizations", region_name=self.region, config=config), ORG_POLICY
        )
        self.iam = instrumented(
            self.session.client("iam", region_name=self.region, config=config), ORG_POLICY
        )

    def run(self) -> RemediationReport:
        """Preflight, plan checks and scope errors raise PreflightError or PlanError before any change."""
        started = self.now()
        with recording_calls([], Budget.from_seconds(self.options.account_timeout, ORG_POLICY)):
            caller, organization = preflight(self.sts, self.organizations, self.iam)
        plan = load_plan(self.options.plan_path)
        check_plan(
            plan,
            organization_id=organization.organization_id,
            caller_arn=caller.arn,
            options=parameters_json(self.options.parameters),
            now=started,
            max_age=self.options.max_plan_age,
        )
        accounts = plan_accounts(
            plan, self.options.scope, accounts=self.options.accounts, exclude=self.options.exclude_accounts
        )
        self.on_start(len(accounts))
        with ThreadPoolExecutor(max_workers=max(1, self.options.concurrency)) as pool:
            outcomes = list(pool.map(lambda item: self._handle(item, caller), accounts))
        return RemediationReport(
            caller.arn, organization.organization_id, self.options.apply, started, self.now(), tuple(outcomes)
        )

    def _handle(self, item: AccountPlan, caller: Caller) -> AccountOutcome:
        outcome = self._outcome(item, caller)
        self.on_account(outcome)
        return outcome

    def _outcome(self, item: AccountPlan, caller: Caller) -> AccountOutcome:
        account = item.account
        if item.refusal:
            return AccountOutcome(account.account_id, account.name, Outcome.SKIPPED, details=(item.refusal,))
        if not item.credentials:
            return AccountOutcome(account.account_id, account.name, Outcome.NOTHING_PLANNED)
        if not self.options.apply:
            return AccountOutcome(
                account.account_id,
                account.name,
                Outcome.WOULD_DELETE,
                item.credentials,
                details=tuple(f"would {_verb(c)} {c.describe()}" for c in item.credentials),
            )
        calls: list[str] = []
        try:
            with recording_calls(calls, Budget.from_seconds(self.options.account_timeout, ORG_POLICY)):
                return self._apply(item, caller, calls)
        except Exception as error:  # one account's failure must not stop or hide the others
            return AccountOutcome(
                account.account_id,
                account.name,
                Outcome.FAILED,
                item.credentials,
                details=(f"{type(error).__name__}: {str(error)[:400]}",),
                api_calls=tuple(calls),
            )

    def _root_iam(self, account_id: str, caller: Caller, task_policy: str) -> Any:
        credentials = assume_root(
            self.sts,
            partition=caller.partition,
            account_id=account_id,
            task_policy=task_policy,
            seconds=session_seconds(self.options.account_timeout),
        )
        session_sts = credentials_client("sts", self.region, credentials, ORG_POLICY)
        root_tasks.check_root_identity(session_sts, account_id, caller.partition)
        return credentials_client("iam", self.region, credentials, ORG_POLICY)

    def _apply(self, item: AccountPlan, caller: Caller, calls: list[str]) -> AccountOutcome:
        account = item.account
        scope = self.options.scope
        iam = self._root_iam(account.account_id, caller, DELETE_TASK_POLICY)
        before = _listing(read_current(iam, scope), scope)
        expected = _listing(account.credentials, scope)
        changes = difference(expected, before)
        if changes:
            return AccountOutcome(
                account.account_id,
                account.name,
                Outcome.STALE,
                item.credentials,
                details=tuple(changes),
                api_calls=tuple(calls),
            )
        actions = tuple(self._delete(iam, account, caller, credential) for credential in item.credentials)
        audit = self._root_iam(account.account_id, caller, AUDIT_TASK_POLICY)
        after = _listing(read_root_credentials(audit), scope)
        kept = set(expected) - set(item.credentials)  # inactive keys the plan's options accept
        remaining = sorted(after - kept, key=lambda c: (c.kind, c.identifier))
        outcome = Outcome.NOT_CLEAN if remaining else Outcome.CLEAN
        details = tuple(f"still present: {c.describe()}" for c in remaining)
        return AccountOutcome(
            account.account_id, account.name, outcome, item.credentials, actions, details, tuple(calls)
        )

    def _delete(
        self, iam: Any, account: AccountResult, caller: Caller, credential: Credential
    ) -> ActionRecord:
        try:
            result = root_tasks.delete_credential(iam, credential.kind, credential.identifier)
            if credential.kind == MFA_DEVICE and result == "deleted":
                result = "deactivated"
        except Exception as error:  # recorded in the trail; the remaining actions still run
            result = f"failed: {str(error)[:300]}"
        record = ActionRecord(
            self.now(),
            caller.arn,
            account.account_id,
            credential.kind,
            credential.identifier,
            ACTIONS[credential.kind],
            result,
        )
        self.trail.write(record)
        return record


def read_current(iam: Any, scope: Scope) -> RootCredentials:
    """What a delete-task session may list (ListAccessKeys, ListSigningCertificates, GetLoginProfile,
    ListMFADevices), in the inventory's shape; only the kinds in scope are read."""
    keys = tuple(
        AccessKey(str(item["AccessKeyId"]), str(item.get("Status", "")), item.get("CreateDate"))
        for item in root_tasks.list_access_keys(iam)
    )
    kinds = scope.kinds
    certificates = (
        tuple(
            SigningCertificate(
                str(item["CertificateId"]), str(item.get("Status", "")), item.get("UploadDate")
            )
            for item in root_tasks.list_signing_certificates(iam)
        )
        if SIGNING_CERTIFICATE in kinds
        else ()
    )
    devices = (
        tuple(
            MfaDevice(str(item["SerialNumber"]), item.get("EnableDate"))
            for item in root_tasks.list_mfa_devices(iam)
        )
        if MFA_DEVICE in kinds
        else None
    )
    password = root_tasks.has_login_profile(iam) if LOGIN_PROFILE in kinds else None
    return RootCredentials(keys, certificates, devices, password)


def _verb(credential: Credential) -> str:
    return "deactivate" if credential.kind == MFA_DEVICE else "delete"
