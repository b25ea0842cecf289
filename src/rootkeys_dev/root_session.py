"""A member account's root user in a session from sts:AssumeRoot, answered from its RootState.

The task policy the session was issued with decides which IAM actions it may call: the lists are
TASK_POLICY_ACTIONS, copied from AWS's published policies (sources in rootkeys_dev.org_emulator).
`RootUserApi` answers the allowed reads (ListAccessKeys, GetAccessKeyLastUsed,
ListSigningCertificates, ListMFADevices, GetLoginProfile, GetUser) and deletes (DeleteAccessKey,
DeleteSigningCertificate, DeleteLoginProfile, DeactivateMFADevice), which change the state so a
later audit sees them. A delete of an id the root does not hold answers NoSuchEntity (without a
UserName IAM looks among the caller's, the root's, credentials); GetAccessKeyLastUsed of such a key
answers AccessDenied (its owner is a resource other than the root). `EmulatedError` and
`error_reply` write AWS error answers in the service's protocol.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from moto.core.responses import ActionResult, BaseResponse, EmptyResult

from .emulator import RootKey, RootState

AUDIT_TASK = "IAMAuditRootUserCredentials"
DELETE_TASK = "IAMDeleteRootUserCredentials"
UNMODELLED_TASKS = frozenset({"IAMCreateRootUserPassword", "S3UnlockBucketPolicy", "SQSUnlockQueuePolicy"})
TASK_POLICY_ACTIONS: dict[str, frozenset[str]] = {
    AUDIT_TASK: frozenset(
        {
            "ListAccessKeys",
            "ListSigningCertificates",
            "GetLoginProfile",
            "ListMFADevices",
            "GetAccountSummary",
            "GetUser",
            "GetAccessKeyLastUsed",
        }
    ),
    DELETE_TASK: frozenset(
        {
            "DeleteAccessKey",
            "DeleteSigningCertificate",
            "DeleteLoginProfile",
            "DeactivateMFADevice",
            "ListAccessKeys",
            "ListSigningCertificates",
            "GetLoginProfile",
            "ListMFADevices",
            "GetUser",
            "GetAccessKeyLastUsed",
        }
    ),
}
# The audit policy's second statement (NotResource root) leaves GetAccountSummary out.
ANY_RESOURCE_ACTIONS = frozenset({"GetAccountSummary"})

Reply = tuple[int, dict[str, Any], Any]  # (status, headers, body) as moto's call_action returns it


class EmulatedError(Exception):
    """An AWS error answer: code as botocore reads it, HTTP status, message."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def access_denied(principal: str, action: str, resource: str, why: str) -> EmulatedError:
    return EmulatedError(
        "AccessDenied",
        f"User: {principal} is not authorized to perform: {action} on resource: {resource} {why}",
        403,
    )


def error_reply(protocol: str, service: str, error: EmulatedError) -> Reply:
    """The error as the service's protocol writes it (query XML, or JSON with __type)."""
    request_id = str(uuid.uuid4())
    if protocol in {"json", "rest-json"}:
        code = _json_code(service, error.code)
        body = json.dumps({"__type": code, "message": error.message})
        headers = {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amzn-Errortype": code,
            "x-amzn-RequestId": request_id,
        }
        return error.status, headers, body
    kind = "Receiver" if error.status >= 500 else "Sender"
    body = (
        f"<ErrorResponse><Error><Type>{kind}</Type><Code>{escape(error.code)}</Code>"
        f"<Message>{escape(error.message)}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    return error.status, {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}, body


def _json_code(service: str, code: str) -> str:
    if code == "Throttling":
        return "TooManyRequestsException" if service == "organizations" else "ThrottlingException"
    if code == "AccessDenied":
        return "AccessDeniedException"
    return code


@dataclass(frozen=True)
class RootSession:
    """Credentials issued by AssumeRoot: who asked, for which member, with which task policy."""

    access_key_id: str
    account_id: str
    task_policy: str
    partition: str
    caller_account: str
    expiration: datetime
    duration_seconds: int = 0
    # Kept so tests can prove they never reach an output or a log.
    secret_access_key: str = field(default="", repr=False)
    session_token: str = field(default="", repr=False)

    @property
    def arn(self) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:root"

    @property
    def policy_arn(self) -> str:
        return f"arn:{self.partition}:iam::aws:policy/root-task/{self.task_policy}"

    def allows(self, action: str) -> bool:
        return action in TASK_POLICY_ACTIONS[self.task_policy]

    def authorize(self, service: str, action: str, user_name: str | None) -> None:
        """Raise what AWS answers a request of this session that its task policy denies, or once expired."""
        if datetime.now(UTC) >= self.expiration:
            raise EmulatedError("ExpiredToken", "The security token included in the request is expired", 403)
        if (service, action) == ("sts", "GetCallerIdentity"):
            return  # no policy can deny it
        denied = f"with an explicit deny in an identity-based policy: {self.policy_arn}"
        if service != "iam" or not self.allows(action):
            raise access_denied(self.arn, f"{service}:{action}", self.arn, denied)
        if user_name and action not in ANY_RESOURCE_ACTIONS:
            user = f"arn:{self.partition}:iam::{self.account_id}:user/{user_name}"
            raise access_denied(self.arn, f"{service}:{action}", user, denied)

    def caller_identity(self) -> dict[str, str]:
        return {"UserId": self.account_id, "Account": self.account_id, "Arn": self.arn}


class RootUserApi:
    """The member root user's IAM actions in a root session, answered from its RootState."""

    def __init__(self, session: RootSession, state: RootState, response: BaseResponse) -> None:
        self.session = session
        self.state = state
        self.response = response
        self.account = session.account_id

    def call(self, action: str) -> ActionResult:
        result = getattr(self, _snake(action))()
        return EmptyResult() if result is None else ActionResult(result)

    def _param(self, name: str) -> str:
        return str(self.response._get_param(name) or "")

    def _key(self, access_key_id: str) -> RootKey | None:
        return next((key for key in self.state.keys if key.access_key_id == access_key_id), None)

    def list_access_keys(self) -> dict[str, Any]:
        keys = [
            {"AccessKeyId": key.access_key_id, "Status": key.status, "CreateDate": key.created}
            for key in self.state.keys
        ]
        return {"AccessKeyMetadata": keys, "IsTruncated": False}

    def get_access_key_last_used(self) -> dict[str, Any]:
        key_id = self._param("AccessKeyId")
        key = self._key(key_id)
        if key is None:
            raise access_denied(
                self.session.arn,
                "iam:GetAccessKeyLastUsed",
                f"access key {key_id}",
                f"with an explicit deny in an identity-based policy: {self.session.policy_arn}",
            )
        if key.last_used is None:
            return {"AccessKeyLastUsed": {"ServiceName": "N/A", "Region": "N/A"}}
        last_used = {
            "LastUsedDate": key.last_used,
            "ServiceName": key.last_used_service or "N/A",
            "Region": key.last_used_region or "N/A",
        }
        return {"AccessKeyLastUsed": last_used}

    def list_signing_certificates(self) -> dict[str, Any]:
        certificates = [
            {
                "UserName": self.account,
                "CertificateId": cert.certificate_id,
                "CertificateBody": _certificate_body(cert.certificate_id or ""),
                "Status": cert.status,
                "UploadDate": cert.uploaded,
            }
            for cert in self.state.signing_certificates
        ]
        return {"Certificates": certificates, "IsTruncated": False}

    def list_mfa_devices(self) -> dict[str, Any]:
        devices = [
            {
                "UserName": self.account,
                "SerialNumber": device.serial(self.account, self.session.partition),
                "EnableDate": device.enabled,
            }
            for device in self.state.mfa_devices
        ]
        return {"MFADevices": devices, "IsTruncated": False}

    def get_login_profile(self) -> dict[str, Any]:
        if not self.state.password:
            raise _no_such_entity(f"Login Profile for the root user of {self.account} cannot be found.")
        profile = {
            "UserName": self.account,
            "CreateDate": self.state.password_created,
            "PasswordResetRequired": False,
        }
        return {"LoginProfile": profile}

    def get_user(self) -> dict[str, Any]:
        # As AWS answers the root user: no Path and no UserName (the model marks both required).
        user = {"UserId": self.account, "Arn": self.session.arn, "CreateDate": self.state.password_created}
        return {"User": user}

    def delete_access_key(self) -> None:
        key = self._key(self._param("AccessKeyId"))
        if key is None:
            raise _no_such_entity(f"The Access Key with id {self._param('AccessKeyId')} cannot be found.")
        self.state.keys.remove(key)

    def delete_signing_certificate(self) -> None:
        cert_id = self._param("CertificateId")
        certificates = self.state.signing_certificates
        cert = next((c for c in certificates if c.certificate_id == cert_id), None)
        if cert is None:
            raise _no_such_entity(f"The Certificate with id {cert_id} cannot be found.")
        certificates.remove(cert)

    def delete_login_profile(self) -> None:
        if not self.state.password:
            raise _no_such_entity(f"Login Profile for the root user of {self.account} cannot be found.")
        self.state.password = False

    def deactivate_mfa_device(self) -> None:
        serial = self._param("SerialNumber")
        devices = self.state.mfa_devices
        device = next((d for d in devices if d.serial(self.account, self.session.partition) == serial), None)
        if device is None:
            raise _no_such_entity(f"MFA Device with serial number {serial} cannot be found.")
        devices.remove(device)


# --- helpers -------------------------------------------------------------------------------


def _snake(action: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "_", action.replace("MFA", "Mfa")).lower()


def _no_such_entity(message: str) -> EmulatedError:
    return EmulatedError("NoSuchEntity", message, 404)


def _certificate_body(certificate_id: str) -> str:
    return f"-----BEGIN CERTIFICATE-----\nTU9DSy1ST09ULUNFUlQt{certificate_id}\n-----END CERTIFICATE-----"
