"""Read a member root user's credentials in a root session (sts:AssumeRoot), into the inventory.

With credentials from AssumeRoot, IAM calls without a UserName act on the member account's root
user. The task policy IAMAuditRootUserCredentials allows every read used here: iam:ListAccessKeys,
iam:GetAccessKeyLastUsed, iam:ListSigningCertificates, iam:ListMFADevices and iam:GetLoginProfile
(docs/org-audit.md gives the sources). The calls themselves are root_tasks' (shared with the
central runbook); this module only shapes their answers into the inventory's records.
"""

from datetime import datetime
from typing import Any

from . import root_tasks
from .inventory import AccessKey, MfaDevice, RootCredentials, SigningCertificate

AUDIT_ACTIONS = (
    "iam:ListAccessKeys",
    "iam:GetAccessKeyLastUsed",
    "iam:ListSigningCertificates",
    "iam:ListMFADevices",
    "iam:GetLoginProfile",
)


def _time(value: object) -> datetime | None:
    return value if isinstance(value, datetime) else None


def read_access_keys(iam: Any) -> tuple[AccessKey, ...]:
    keys = []
    for item in root_tasks.list_access_keys(iam):
        key_id = str(item["AccessKeyId"])
        used, service, region = root_tasks.last_use(iam, key_id)
        keys.append(
            AccessKey(
                access_key_id=key_id,
                status=str(item.get("Status", "")),
                created=_time(item.get("CreateDate")),
                last_used=_time(used),
                last_used_service=service,
                last_used_region=region,
            )
        )
    return tuple(
        sorted(keys, key=lambda key: (key.created is None, key.created or datetime.min, key.access_key_id))
    )


def read_root_credentials(iam: Any) -> RootCredentials:
    """Everything the audit task policy lets a root session read. Failures raise RemediationError."""
    return RootCredentials(
        access_keys=read_access_keys(iam),
        signing_certificates=tuple(
            SigningCertificate(
                str(item["CertificateId"]), str(item.get("Status", "")), _time(item.get("UploadDate"))
            )
            for item in root_tasks.list_signing_certificates(iam)
        ),
        mfa_devices=tuple(
            MfaDevice(str(item["SerialNumber"]), _time(item.get("EnableDate")))
            for item in root_tasks.list_mfa_devices(iam)
        ),
        password=root_tasks.has_login_profile(iam),
        exact=True,
    )
