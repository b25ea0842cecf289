"""The remediation plan: an org-audit inventory, checked before anything is deleted.

`rootkeys org-audit --json > plan.json` is the plan. `org-remediate` refuses it, with the reason,
when it is older than --max-plan-age, was made for another organization, by another caller, or
with other rule options; and per account it plans exactly the credentials the inventory lists:
- access keys the plan's verdict counted (every active key; inactive keys unless the plan was made
  with IgnoreInactiveKeys);
- with --signing-certificates, the signing certificates;
- with --all-root-credentials, the console password and the MFA devices too.
Only accounts audited through a root session (exact ids) can be planned; the management account
and accounts that were not ACTIVE are never acted on.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from root_access_keys.arns import parse_arn

from .inventory import AccountResult, AuditStatus, Inventory, Method

ACCESS_KEY = "access_key"
SIGNING_CERTIFICATE = "signing_certificate"
LOGIN_PROFILE = "login_profile"
MFA_DEVICE = "mfa_device"
LOGIN_PROFILE_ID = "console-password"  # the login profile has no id of its own


class PlanError(Exception):
    """The plan cannot be used at all; the message says why."""


@dataclass(frozen=True)
class Credential:
    kind: str  # ACCESS_KEY, SIGNING_CERTIFICATE, LOGIN_PROFILE, MFA_DEVICE
    identifier: str
    status: str = ""  # "Active"/"Inactive" for keys and certificates

    def describe(self) -> str:
        status = f" ({self.status})" if self.status else ""
        return f"{self.kind.replace('_', ' ')} {self.identifier}{status}"


@dataclass(frozen=True)
class Scope:
    signing_certificates: bool = False
    all_root_credentials: bool = False

    @property
    def kinds(self) -> frozenset[str]:
        kinds = {ACCESS_KEY}
        if self.signing_certificates or self.all_root_credentials:
            kinds.add(SIGNING_CERTIFICATE)
        if self.all_root_credentials:
            kinds |= {LOGIN_PROFILE, MFA_DEVICE}
        return frozenset(kinds)


@dataclass(frozen=True)
class AccountPlan:
    account: AccountResult
    credentials: tuple[Credential, ...]  # what will be deleted, in deletion order
    refusal: str | None = None  # why this account is not acted on


def load_plan(path: Path) -> Inventory:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlanError(
            f"{path}: no such file (make one with `rootkeys org-audit --json > plan.json`)"
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise PlanError(f"{path}: not a readable JSON plan ({str(error)[:160]})") from None
    try:
        return Inventory.from_json(document)
    except ValueError as error:
        raise PlanError(f"{path}: {error}") from None


def principal(arn: str) -> str:
    """The identity behind a caller ARN: an assumed role's session name changes with every sign-in,
    so sessions of the same role are the same caller."""
    parsed = parse_arn(arn)
    if parsed is not None and parsed.service == "sts" and parsed.resource.startswith("assumed-role/"):
        role = parsed.resource.split("/")[1]
        return f"arn:{parsed.partition}:iam::{parsed.account}:role/{role}"
    return arn


def check_plan(
    plan: Inventory,
    *,
    organization_id: str,
    caller_arn: str,
    options: dict[str, str],
    now: datetime,
    max_age: timedelta,
) -> None:
    """Raise PlanError when the plan must not be used by this caller, now, with these options."""
    run = plan.run
    age = now - run.finished_at
    if age > max_age:
        hours = age.total_seconds() / 3600
        raise PlanError(
            f"the plan is {hours:.1f} hours old (--max-plan-age {max_age.total_seconds() / 3600:g} h): "
            "audit again with `rootkeys org-audit --json`"
        )
    if age < -timedelta(minutes=5):
        raise PlanError(f"the plan was made in the future ({run.finished_at.isoformat()}): check the clock")
    if run.organization_id != organization_id:
        raise PlanError(
            f"the plan is for organization {run.organization_id}, the caller is in {organization_id}"
        )
    if principal(run.caller_arn) != principal(caller_arn):
        raise PlanError(f"the plan was made by {run.caller_arn}, not by the caller {caller_arn}")
    if run.options != options:
        raise PlanError(f"the plan was made with options {run.options}, this run has {options}")


def planned_credentials(
    account: AccountResult, scope: Scope, ignore_inactive_keys: bool
) -> tuple[Credential, ...]:
    credentials = account.credentials
    if credentials is None:
        return ()
    planned = [
        Credential(ACCESS_KEY, key.access_key_id, key.status)
        for key in credentials.access_keys
        if key.active or not ignore_inactive_keys
    ]
    if SIGNING_CERTIFICATE in scope.kinds:
        planned += [
            Credential(SIGNING_CERTIFICATE, certificate.certificate_id, certificate.status)
            for certificate in credentials.signing_certificates
        ]
    if LOGIN_PROFILE in scope.kinds and credentials.password:
        planned.append(Credential(LOGIN_PROFILE, LOGIN_PROFILE_ID))
    if MFA_DEVICE in scope.kinds and credentials.mfa_devices:
        planned += [Credential(MFA_DEVICE, device.serial_number) for device in credentials.mfa_devices]
    return tuple(planned)


def _refusal(account: AccountResult, management_account_id: str) -> str | None:
    if account.account_id == management_account_id:
        return "management account: sts:AssumeRoot cannot target it; remove its keys as its root user"
    if account.state != "ACTIVE":
        return f"state {account.state}: not acted on"
    if account.status is not AuditStatus.AUDITED or account.method is not Method.ASSUME_ROOT:
        return "not audited through a root session in the plan: no exact credential ids to act on"
    return None


def plan_accounts(
    plan: Inventory,
    scope: Scope,
    *,
    accounts: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
) -> list[AccountPlan]:
    """Every account of the plan in scope, with what to delete or why it is left alone."""
    ignore_inactive = plan.run.options.get("IgnoreInactiveKeys") == "true"
    chosen = []
    for account in plan.accounts:
        if accounts and account.account_id not in accounts:
            continue
        if account.account_id in exclude:
            continue
        refusal = _refusal(account, plan.run.management_account_id)
        credentials = () if refusal else planned_credentials(account, scope, ignore_inactive)
        chosen.append(AccountPlan(account, credentials, refusal))
    unknown = sorted(set(accounts or ()) - {account.account_id for account in plan.accounts})
    if unknown:
        raise PlanError(f"--accounts names accounts the plan does not list: {', '.join(unknown)}")
    return chosen
