"""Root user tasks in a member account, shared by the central runbook and `rootkeys org-remediate`.

This module is the source of the central runbook's script: `make runbooks` inlines this file, as it
is, into every aws:executeScript step of remediation/root-access-keys-central.yaml (a test fails when
the YAML's copy differs). So it must run on Automation's python3.11 with the standard library,
boto3 and botocore only, and import nothing else from this project.

Root session credentials never leave the function that created them: each runbook step assumes
root itself, on the regional STS endpoint, with the narrowest task policy for its job. The same
listing and deletion functions serve org-remediate, which passes its own clients.
"""

import re
from collections.abc import Callable, Mapping
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

ACCOUNT_ID = re.compile(r"^\d{12}$")
ACCESS_KEY_ID = re.compile(r"^[A-Z0-9]{16,128}$")
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
DNS_SUFFIX = {"aws": "amazonaws.com", "aws-cn": "amazonaws.com.cn", "aws-us-gov": "amazonaws.com"}
AUDIT_TASK = "IAMAuditRootUserCredentials"
DELETE_TASK = "IAMDeleteRootUserCredentials"
ROOT_SESSION_SECONDS = 900
IAM_PRINCIPAL = "iam.amazonaws.com"
ROOT_FEATURE = "RootCredentialsManagement"
PREREQUISITE_HINTS = {
    "ServiceAccessNotEnabled": "trusted access for IAM is not enabled in AWS Organizations "
    "(aws organizations enable-aws-service-access --service-principal iam.amazonaws.com)",
    "OrganizationNotFound": "this account does not belong to an AWS Organization",
    "AWSOrganizationsNotInUse": "this account does not belong to an AWS Organization",
    "AccountNotManagementOrDelegatedAdministrator": "run this runbook in the organization's "
    "management account or the IAM delegated-admin account",
    "AccessDenied": "run this runbook in the organization's management account or the IAM "
    "delegated-admin account, with the execution role from remediation/policies.json",
    "OrganizationNotInAllFeaturesMode": "the organization must have all features enabled",
}


class RemediationError(Exception):
    """A failure shown to the operator as the reason the step failed."""


def _code(error: ClientError) -> str:
    code = error.response.get("Error", {}).get("Code", "Unknown")
    return code[: -len("Exception")] if code.endswith("Exception") else code


def _call(action: str, operation: Callable[..., Any], **kwargs: Any) -> Any:
    try:
        return operation(**kwargs)
    except ClientError as error:
        code = _code(error)
        hint = PREREQUISITE_HINTS.get(code)
        detail = error.response.get("Error", {}).get("Message", "")
        raise RemediationError(f"{action} failed with {code}: {hint or detail}") from error
    except BotoCoreError as error:
        raise RemediationError(f"{action} failed: {error}") from error


def _target(events: Mapping[str, Any]) -> tuple[str, str, str]:
    account_id = events.get("AccountId")
    if not isinstance(account_id, str) or not ACCOUNT_ID.match(account_id.strip()):
        raise RemediationError(f"AccountId {account_id!r} is not a 12-digit AWS account id")
    region = events.get("Region")
    if not isinstance(region, str) or not REGION.match(region):
        raise RemediationError(f"Region {region!r} is not an AWS Region name")
    partition = events.get("Partition")
    if partition not in DNS_SUFFIX:
        raise RemediationError(f"Partition {partition!r} is not one of {sorted(DNS_SUFFIX)}")
    return account_id.strip(), region, partition


def _regional_sts(region: str, partition: str, **credentials: Any) -> Any:
    # AssumeRoot is not served by the global STS endpoint.
    endpoint = f"https://sts.{region}.{DNS_SUFFIX[partition]}"
    return boto3.client("sts", region_name=region, endpoint_url=endpoint, **credentials)


def _refuse_own_account(account_id: str, region: str, partition: str) -> None:
    identity = _call("sts:GetCallerIdentity", _regional_sts(region, partition).get_caller_identity)
    if identity.get("Account") == account_id:
        raise RemediationError(
            f"Refusing to run: AccountId {account_id} is the account this automation runs in. "
            "Centralized root access acts on member accounts only; for this account use "
            "root-access-keys-manual."
        )


def _root_iam(events: Mapping[str, Any], task: str) -> tuple[str, Any]:
    """An IAM client signed by a root session of the member account, scoped to one task policy."""
    account_id, region, partition = _target(events)
    sts = _regional_sts(region, partition)
    if not hasattr(sts, "assume_root"):
        raise RemediationError("the boto3 of this runtime does not know sts:AssumeRoot; it is too old")
    response = _call(
        f"sts:AssumeRoot ({task})",
        sts.assume_root,
        TargetPrincipal=account_id,
        TaskPolicyArn={"arn": f"arn:{partition}:iam::aws:policy/root-task/{task}"},
        DurationSeconds=ROOT_SESSION_SECONDS,
    )
    credentials = response.get("Credentials") or {}
    keys = {
        "aws_access_key_id": credentials.get("AccessKeyId"),
        "aws_secret_access_key": credentials.get("SecretAccessKey"),
        "aws_session_token": credentials.get("SessionToken"),
    }
    if not all(keys.values()):
        raise RemediationError(f"sts:AssumeRoot ({task}) returned no usable credentials")
    check_root_identity(_regional_sts(region, partition, **keys), account_id, partition)
    return account_id, boto3.client("iam", region_name=region, **keys)


def check_root_identity(session_sts: Any, account_id: str, partition: str) -> None:
    """Prove the session's credentials are the root user of `account_id` (sts:GetCallerIdentity
    needs no permission), so no call can act on another account by mistake."""
    arn = _call("sts:GetCallerIdentity (root session)", session_sts.get_caller_identity).get("Arn")
    if arn != f"arn:{partition}:iam::{account_id}:root":
        raise RemediationError(f"the root session is {arn!r}, not the root user of account {account_id}")


def _paged(action: str, operation: Callable[..., Any], result_key: str) -> list[dict[str, Any]]:
    items, marker = [], None
    while True:
        page = _call(action, operation, **({"Marker": marker} if marker else {}))
        items.extend(page.get(result_key, []))
        marker = page.get("Marker")
        if not page.get("IsTruncated"):
            return items
        if not marker:
            raise RemediationError(f"{action} said there are more items but gave no Marker")


def list_access_keys(iam: Any) -> list[dict[str, Any]]:
    """The root user's access keys (AccessKeyId, Status, CreateDate) in a root session."""
    return _paged("iam:ListAccessKeys", iam.list_access_keys, "AccessKeyMetadata")


def list_signing_certificates(iam: Any) -> list[dict[str, Any]]:
    return _paged("iam:ListSigningCertificates", iam.list_signing_certificates, "Certificates")


def list_mfa_devices(iam: Any) -> list[dict[str, Any]]:
    return _paged("iam:ListMFADevices", iam.list_mfa_devices, "MFADevices")


def has_login_profile(iam: Any) -> bool:
    """Whether the root user has a console password."""
    try:
        iam.get_login_profile()
    except ClientError as error:
        if _code(error) == "NoSuchEntity":
            return False
        raise RemediationError(f"iam:GetLoginProfile failed with {_code(error)}") from error
    except BotoCoreError as error:
        raise RemediationError(f"iam:GetLoginProfile failed: {error}") from error
    return True


def last_use(iam: Any, key_id: str) -> tuple[Any, str | None, str | None]:
    """(date or None, service or None, region or None) of an access key's last use."""
    used = _call("iam:GetAccessKeyLastUsed", iam.get_access_key_last_used, AccessKeyId=key_id)
    last = used.get("AccessKeyLastUsed", {})
    service, region = last.get("ServiceName"), last.get("Region")
    return (
        last.get("LastUsedDate"),
        None if service in (None, "N/A") else service,
        None if region in (None, "N/A") else region,
    )


# What deletes one credential of each kind; MFA devices are deactivated first (a device in use
# cannot be deleted), then deleted when virtual.
DELETIONS = {
    "access_key": ("iam:DeleteAccessKey", lambda iam, key_id: iam.delete_access_key(AccessKeyId=key_id)),
    "signing_certificate": (
        "iam:DeleteSigningCertificate",
        lambda iam, certificate_id: iam.delete_signing_certificate(CertificateId=certificate_id),
    ),
    "login_profile": ("iam:DeleteLoginProfile", lambda iam, _unused: iam.delete_login_profile()),
    "mfa_device": (
        "iam:DeactivateMFADevice",
        lambda iam, serial: iam.deactivate_mfa_device(SerialNumber=serial),
    ),
}


def delete_credential(iam: Any, kind: str, identifier: str) -> str:
    """Delete one root credential: "deleted", or "already gone" when IAM no longer has it.
    Any other failure raises RemediationError naming the action, the id and the error code."""
    action, delete = DELETIONS[kind]
    try:
        delete(iam, identifier)
    except ClientError as error:
        if _code(error) == "NoSuchEntity":
            return "already gone"
        raise RemediationError(f"{action} {identifier} failed with {_code(error)}") from error
    except BotoCoreError as error:
        raise RemediationError(f"{action} {identifier} failed: {error}") from error
    return "deleted"


def _describe(iam: Any, key: Mapping[str, Any]) -> str:
    key_id = key["AccessKeyId"]
    when, service, region = last_use(iam, key_id)
    use = (
        f"last used {when:%Y-%m-%d %H:%M} UTC with {service or 'N/A'} in {region or 'N/A'}"
        if when
        else "never used"
    )
    created = key.get("CreateDate")
    made = f"created {created:%Y-%m-%d}" if created else "creation date unknown"
    return f"{key_id} ({key.get('Status', 'unknown status')}, {made}, {use})"


def _check_prerequisites(account_id: str, region: str, partition: str) -> str:
    """The organization id, once every prerequisite of centralized root access holds."""
    _refuse_own_account(account_id, region, partition)
    organizations = boto3.client("organizations", region_name=region)
    principals, token = [], None
    while True:
        page = _call(
            "organizations:ListAWSServiceAccessForOrganization",
            organizations.list_aws_service_access_for_organization,
            **({"NextToken": token} if token else {}),
        )
        principals += [item.get("ServicePrincipal") for item in page.get("EnabledServicePrincipals", [])]
        token = page.get("NextToken")
        if not token:
            break
    if IAM_PRINCIPAL not in principals:
        raise RemediationError(f"Prerequisite missing: {PREREQUISITE_HINTS['ServiceAccessNotEnabled']}")
    iam = boto3.client("iam", region_name=region)
    features = _call("iam:ListOrganizationsFeatures", iam.list_organizations_features)
    if ROOT_FEATURE not in features.get("EnabledFeatures", []):
        raise RemediationError(
            "Prerequisite missing: root credentials management is not enabled for the organization "
            "(aws iam enable-organizations-root-credentials-management)"
        )
    return features.get("OrganizationId", "")


def audit_keys(events: Mapping[str, Any], context: Any) -> dict[str, Any]:
    organization_id = _check_prerequisites(*_target(events))
    account_id, iam = _root_iam(events, AUDIT_TASK)
    keys = list_access_keys(iam)
    lines = [_describe(iam, key) for key in keys]
    summary = "\n".join(lines) if lines else "none"
    return {
        "AccessKeyIds": [key["AccessKeyId"] for key in keys],
        "KeyCount": len(keys),
        "Summary": f"Root user access keys of account {account_id}: {summary}",
        "OrganizationId": organization_id,
    }


def delete_keys(events: Mapping[str, Any], context: Any) -> dict[str, Any]:
    key_ids = events.get("AccessKeyIds")
    if not isinstance(key_ids, list) or not key_ids:
        raise RemediationError("AccessKeyIds from the audit step is missing or empty")
    bad = [key_id for key_id in key_ids if not isinstance(key_id, str) or not ACCESS_KEY_ID.match(key_id)]
    if bad or len(set(key_ids)) != len(key_ids):
        raise RemediationError(f"AccessKeyIds holds invalid or repeated key ids: {bad or key_ids}")
    account_id, iam = _root_iam(events, DELETE_TASK)
    deleted, gone = [], []
    for key_id in key_ids:
        try:
            result = delete_credential(iam, "access_key", key_id)
        except RemediationError as error:
            raise RemediationError(f"{error} after deleting {deleted or 'nothing'}") from error
        (deleted if result == "deleted" else gone).append(key_id)
    done = f"Deleted {deleted or 'no keys'}" + (f"; already gone: {gone}" if gone else "")
    # Audit again in a new session: only a fresh list proves that no key is left.
    _, audit = _root_iam(events, AUDIT_TASK)
    left = [key["AccessKeyId"] for key in list_access_keys(audit)]
    if left:
        new = [key_id for key_id in left if key_id not in key_ids]
        note = f"; {new} appeared after the audit, run the runbook again" if new else ""
        raise RemediationError(
            f"{done}, but the root user of account {account_id} still has access keys {left}{note}. "
            "The remediation is not complete."
        )
    return {
        "DeletedKeyIds": deleted,
        "Message": f"{done}. Verified: the root user of account {account_id} has no access keys.",
    }
