"""The organization's root credential inventory: what `rootkeys org-audit` found, per account.

Plain data, with one JSON form (`to_json` / `from_json`) that every output and `org-remediate`
read: the table, `--json`, `--csv`, the HTML evidence report and the remediation plan. No
credential, session token or secret is ever part of it; access key ids are (an operator acts
on them).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from root_access_keys.times import parse_iso8601

DOCUMENT_KIND = "rootkeys.org-audit"
DOCUMENT_VERSION = 1


class AuditStatus(StrEnum):
    AUDITED = "audited"  # a verdict was reached
    COULD_NOT_AUDIT = "could_not_audit"  # the audit failed; `error` says why (never COMPLIANT)
    SKIPPED = "skipped"  # not audited on purpose (not ACTIVE, or not reachable); `notes` say why


class Method(StrEnum):
    ASSUME_ROOT = "AssumeRoot"  # a root session from sts:AssumeRoot (IAMAuditRootUserCredentials)
    CALLER = "caller"  # the caller's own credentials: summary + credential report, as the rule does
    NONE = "none"


@dataclass(frozen=True)
class AccessKey:
    access_key_id: str
    status: str  # "Active" or "Inactive", as IAM writes it
    created: datetime | None
    last_used: datetime | None = None
    last_used_service: str | None = None
    last_used_region: str | None = None

    @property
    def active(self) -> bool:
        return self.status == "Active"


@dataclass(frozen=True)
class SigningCertificate:
    certificate_id: str
    status: str  # "Active" or "Inactive"
    uploaded: datetime | None


@dataclass(frozen=True)
class MfaDevice:
    serial_number: str
    enabled: datetime | None


@dataclass(frozen=True)
class RootCredentials:
    """What was read about one account's root user. None where the method cannot tell."""

    access_keys: tuple[AccessKey, ...] = ()
    signing_certificates: tuple[SigningCertificate, ...] = ()
    mfa_devices: tuple[MfaDevice, ...] | None = None
    password: bool | None = None
    # True when key ids are known (root session); False for the caller path (report slots only).
    exact: bool = True
    # Whether MFA is on, where devices are not listed (the caller path reads the account summary).
    mfa_enabled: bool | None = None

    @property
    def has_mfa(self) -> bool | None:
        return bool(self.mfa_devices) if self.mfa_devices is not None else self.mfa_enabled


@dataclass(frozen=True)
class AccountResult:
    account_id: str
    name: str
    state: str  # Organizations' State: ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED
    status: AuditStatus
    method: Method = Method.NONE
    compliance: str | None = None  # COMPLIANT / NON_COMPLIANT when audited
    reason: str | None = None  # decision.Reason value
    annotation: str | None = None
    credentials: RootCredentials | None = None
    notes: tuple[str, ...] = ()
    error: str | None = None  # why it could not be audited
    api_calls: tuple[str, ...] = ()

    @property
    def active_keys(self) -> int | None:
        keys = self.credentials.access_keys if self.credentials else None
        return None if keys is None else sum(key.active for key in keys)

    @property
    def inactive_keys(self) -> int | None:
        keys = self.credentials.access_keys if self.credentials else None
        return None if keys is None else sum(not key.active for key in keys)

    def oldest_key_age_days(self, now: datetime) -> int | None:
        created = (
            [key.created for key in self.credentials.access_keys if key.created] if self.credentials else []
        )
        return (now - min(created)).days if created else None

    @property
    def bucket(self) -> str:
        """Where `Inventory.summary` counts it: compliant, non_compliant, could_not_audit or skipped.
        Audited accounts without a COMPLIANT verdict count as non-compliant."""
        if self.status is AuditStatus.AUDITED:
            return "compliant" if self.compliance == "COMPLIANT" else "non_compliant"
        return self.status.value

    @property
    def last_key_use(self) -> datetime | None:
        used = (
            [key.last_used for key in self.credentials.access_keys if key.last_used]
            if self.credentials
            else []
        )
        return max(used) if used else None


@dataclass(frozen=True)
class RunInfo:
    caller_arn: str
    organization_id: str
    management_account_id: str
    started_at: datetime
    finished_at: datetime
    region: str
    options: dict[str, str]  # rule parameter name -> value ("IgnoreInactiveKeys": "false", ...)
    scope: str  # "organization", "accounts 1111..., 2222...", "ou ou-xxxx (recursive)"
    tool_version: str
    references: tuple[str, ...] = ()  # "CIS AWS Foundations Benchmark v5.0.0 1.3", ... from policy.yaml


@dataclass(frozen=True)
class Inventory:
    run: RunInfo
    accounts: tuple[AccountResult, ...] = field(default_factory=tuple)

    def summary(self) -> dict[str, int]:
        counts = Counter(account.bucket for account in self.accounts)
        return {
            "accounts": len(self.accounts),
            "compliant": counts["compliant"],
            "non_compliant": counts["non_compliant"],
            "could_not_audit": counts["could_not_audit"],
            "skipped": counts["skipped"],
        }

    @staticmethod
    def _bucket(account: AccountResult) -> str:
        return account.bucket

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": DOCUMENT_KIND,
            "version": DOCUMENT_VERSION,
            "run": _run_json(self.run),
            "summary": self.summary(),
            "accounts": [_account_json(account, self.run.finished_at) for account in self.accounts],
        }

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> Inventory:
        """Read a document `to_json` wrote. Raises ValueError naming what is wrong."""
        if not isinstance(document, dict) or document.get("kind") != DOCUMENT_KIND:
            raise ValueError(f"not a {DOCUMENT_KIND} document (run `rootkeys org-audit --json`)")
        if document.get("version") != DOCUMENT_VERSION:
            raise ValueError(f"document version {document.get('version')!r}, expected {DOCUMENT_VERSION}")
        try:
            run = _run_from_json(document["run"])
            accounts = tuple(_account_from_json(item) for item in document["accounts"])
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"malformed {DOCUMENT_KIND} document: {type(error).__name__}: {error}") from None
        return cls(run, accounts)


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _parse_time(text: object) -> datetime | None:
    if text is None:
        return None
    if not isinstance(text, str):
        raise ValueError(f"not a time: {text!r:.40}")
    return parse_iso8601(text)


def _run_json(run: RunInfo) -> dict[str, Any]:
    return {
        "caller_arn": run.caller_arn,
        "organization_id": run.organization_id,
        "management_account_id": run.management_account_id,
        "started_at": _time(run.started_at),
        "finished_at": _time(run.finished_at),
        "region": run.region,
        "options": dict(run.options),
        "scope": run.scope,
        "tool_version": run.tool_version,
        "references": list(run.references),
    }


def _run_from_json(data: dict[str, Any]) -> RunInfo:
    started, finished = _parse_time(data["started_at"]), _parse_time(data["finished_at"])
    if started is None or finished is None:
        raise ValueError("run times are missing")
    return RunInfo(
        caller_arn=str(data["caller_arn"]),
        organization_id=str(data["organization_id"]),
        management_account_id=str(data["management_account_id"]),
        started_at=started,
        finished_at=finished,
        region=str(data["region"]),
        options={str(k): str(v) for k, v in dict(data["options"]).items()},
        scope=str(data["scope"]),
        tool_version=str(data["tool_version"]),
        references=tuple(str(item) for item in data.get("references", [])),
    )


def _credentials_json(credentials: RootCredentials) -> dict[str, Any]:
    return {
        "exact": credentials.exact,
        "access_keys": [
            {
                "access_key_id": key.access_key_id,
                "status": key.status,
                "created": _time(key.created),
                "last_used": _time(key.last_used),
                "last_used_service": key.last_used_service,
                "last_used_region": key.last_used_region,
            }
            for key in credentials.access_keys
        ],
        "signing_certificates": [
            {"certificate_id": cert.certificate_id, "status": cert.status, "uploaded": _time(cert.uploaded)}
            for cert in credentials.signing_certificates
        ],
        "mfa_devices": None
        if credentials.mfa_devices is None
        else [
            {"serial_number": d.serial_number, "enabled": _time(d.enabled)} for d in credentials.mfa_devices
        ],
        "password": credentials.password,
        "mfa_enabled": credentials.has_mfa,
    }


def _credentials_from_json(data: dict[str, Any]) -> RootCredentials:
    devices = data.get("mfa_devices")
    return RootCredentials(
        access_keys=tuple(
            AccessKey(
                access_key_id=str(key["access_key_id"]),
                status=str(key["status"]),
                created=_parse_time(key.get("created")),
                last_used=_parse_time(key.get("last_used")),
                last_used_service=key.get("last_used_service"),
                last_used_region=key.get("last_used_region"),
            )
            for key in data["access_keys"]
        ),
        signing_certificates=tuple(
            SigningCertificate(
                str(cert["certificate_id"]), str(cert["status"]), _parse_time(cert.get("uploaded"))
            )
            for cert in data["signing_certificates"]
        ),
        mfa_devices=None
        if devices is None
        else tuple(MfaDevice(str(d["serial_number"]), _parse_time(d.get("enabled"))) for d in devices),
        password=data.get("password"),
        exact=bool(data.get("exact", True)),
        mfa_enabled=data.get("mfa_enabled") if devices is None else None,
    )


def _account_json(account: AccountResult, now: datetime) -> dict[str, Any]:
    last_use = account.last_key_use
    return {
        "account_id": account.account_id,
        "name": account.name,
        "state": account.state,
        "status": account.status.value,
        "method": account.method.value,
        "compliance": account.compliance,
        "reason": account.reason,
        "annotation": account.annotation,
        "active_keys": account.active_keys,
        "inactive_keys": account.inactive_keys,
        "oldest_key_age_days": account.oldest_key_age_days(now),
        "last_key_use": _time(last_use),
        "credentials": _credentials_json(account.credentials) if account.credentials else None,
        "notes": list(account.notes),
        "error": account.error,
        "api_calls": list(account.api_calls),
    }


def _account_from_json(data: dict[str, Any]) -> AccountResult:
    credentials = data.get("credentials")
    return AccountResult(
        account_id=str(data["account_id"]),
        name=str(data["name"]),
        state=str(data["state"]),
        status=AuditStatus(data["status"]),
        method=Method(data.get("method", Method.NONE.value)),
        compliance=data.get("compliance"),
        reason=data.get("reason"),
        annotation=data.get("annotation"),
        credentials=_credentials_from_json(credentials) if credentials else None,
        notes=tuple(str(note) for note in data.get("notes", [])),
        error=data.get("error"),
        api_calls=tuple(str(call) for call in data.get("api_calls", [])),
    )
