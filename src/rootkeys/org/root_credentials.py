"""Read a member root user's credentials in a root session (sts:AssumeRoot).

With credentials from AssumeRoot, IAM calls without a UserName act on the member account's root
user. The task policy IAMAuditRootUserCredentials allows the reads used here:
iam:ListAccessKeys, iam:GetAccessKeyLastUsed, iam:ListSigningCertificates, iam:ListMFADevices and
iam:GetLoginProfile (docs/org-audit.md lists the sources). Nothing here decides; `evidence.py`
turns what is read into the rule's evidence.
"""

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError
from root_access_keys.aws_errors import error_code

from .inventory import AccessKey, MfaDevice, RootCredentials, SigningCertificate

AUDIT_ACTIONS = (
    "iam:ListAccessKeys",
    "iam:GetAccessKeyLastUsed",
    "iam:ListSigningCertificates",
    "iam:ListMFADevices",
    "iam:GetLoginProfile",
)
NO_VALUE = frozenset({"", "N/A"})


def _text(value: object) -> str | None:
    return None if value is None or str(value) in NO_VALUE else str(value)


def _time(value: object) -> datetime | None:
    return value if isinstance(value, datetime) else None


def _paged(iam: Any, operation: str, result_key: str) -> list[dict[str, Any]]:
    pages = iam.get_paginator(operation).paginate()
    return [item for page in pages for item in page.get(result_key, [])]


def read_access_keys(iam: Any) -> tuple[AccessKey, ...]:
    keys = []
    for item in _paged(iam, "list_access_keys", "AccessKeyMetadata"):
        key_id = str(item["AccessKeyId"])
        used = iam.get_access_key_last_used(AccessKeyId=key_id).get("AccessKeyLastUsed", {})
        keys.append(
            AccessKey(
                access_key_id=key_id,
                status=str(item.get("Status", "")),
                created=_time(item.get("CreateDate")),
                last_used=_time(used.get("LastUsedDate")),
                last_used_service=_text(used.get("ServiceName")),
                last_used_region=_text(used.get("Region")),
            )
        )
    return tuple(
        sorted(keys, key=lambda key: (key.created is None, key.created or datetime.min, key.access_key_id))
    )


def read_signing_certificates(iam: Any) -> tuple[SigningCertificate, ...]:
    return tuple(
        SigningCertificate(
            str(item["CertificateId"]), str(item.get("Status", "")), _time(item.get("UploadDate"))
        )
        for item in _paged(iam, "list_signing_certificates", "Certificates")
    )


def read_mfa_devices(iam: Any) -> tuple[MfaDevice, ...]:
    return tuple(
        MfaDevice(str(item["SerialNumber"]), _time(item.get("EnableDate")))
        for item in _paged(iam, "list_mfa_devices", "MFADevices")
    )


def read_password(iam: Any) -> bool:
    """Whether the root user has a console password (a login profile)."""
    try:
        iam.get_login_profile()
    except ClientError as error:
        if error_code(error) == "NoSuchEntity":
            return False
        raise
    return True


def read_root_credentials(iam: Any) -> RootCredentials:
    """Everything the audit task policy lets a root session read. Failures raise (botocore errors)."""
    return RootCredentials(
        access_keys=read_access_keys(iam),
        signing_certificates=read_signing_certificates(iam),
        mfa_devices=read_mfa_devices(iam),
        password=read_password(iam),
        exact=True,
    )
