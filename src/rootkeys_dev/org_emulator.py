"""AWS Organizations' centralized root access, emulated on moto (in process or behind ThreadedMotoServer).

What moto 5.2.x lacks and `OrgRootModel` adds while installed:
- `sts:AssumeRoot`. moto answers NotImplemented. Modelled: the request is validated (TargetPrincipal
  a 12-digit account id or `arn:<partition>:iam::<id>:root` of an ACTIVE member, not the management
  account; TaskPolicyArn one of the two root-task policies below in the request's partition;
  DurationSeconds 0..900, default 900), the caller must be the management account or a registered
  delegated administrator for `iam.amazonaws.com`, trusted access for IAM and the
  RootCredentialsManagement feature must be on; the answer is Credentials (an `ASIA` key created in
  the member's moto IAM backend with `create_temp_access_key`, as moto's AssumeRole does, so moto's
  own key-to-account lookup, `moto.iam.models.get_account_id_from`, serves the session's requests
  for the member) and SourceIdentity when the model is given one.
- Root sessions. A request signed with an AssumeRoot key acts as the member's root user: IAM
  actions the task policy allows are answered from the member's `RootState` (reads, and deletes that
  change it); every other action of any service answers AccessDenied, as do actions naming a
  UserName (a resource other than the root); `sts:GetCallerIdentity` answers the root ARN (AWS lets
  no policy deny it); past Expiration every request answers ExpiredToken.
- `iam:ListOrganizationsFeatures`, `EnableOrganizationsRootCredentialsManagement`,
  `EnableOrganizationsRootSessions` and the two Disable actions, on the model's `features`.
- Organizations refuses `iam.amazonaws.com` as a trusted-access and delegated-administrator service
  principal; while installed it accepts it. Trusted access itself is moto's own service list
  (EnableAWSServiceAccess / DisableAWSServiceAccess / ListAWSServiceAccessForOrganization, or
  `set_trusted_access`).
- Faults and a request log: per-request latency, Throttling bursts (per account, per action, or
  global), AssumeRoot denied for chosen accounts (as an SCP would), and for every request the
  service, action, signing access key id, the account moto resolved from that key and the account
  the request acted on (for AssumeRoot, the target; for a root session, the member).
moto already has, and is used as is: CreateOrganization, CreateAccount, OUs, MoveAccount,
ListAccounts / ListAccountsForParent / ListChildren / ListOrganizationalUnitsForParent (Accounts carry
State as well as Status), CloseAccount (SUSPENDED), RegisterDelegatedAdministrator, AssumeRole.

Task policies (AWS managed, path /root-task/). Source: IAM User Guide, "AWS managed policies for AWS
Identity and Access Management and Access Analyzer" (docs.aws.amazon.com/IAM/latest/UserGuide/
security-iam-awsmanpol.html, sections IAMAuditRootUserCredentials and IAMDeleteRootUserCredentials).
Each is a Deny of NotAction [the list] on every resource, plus a Deny of the list (for the audit
policy, GetAccountSummary excepted) on NotResource `arn:aws:iam::*:root`:
- IAMAuditRootUserCredentials: iam:ListAccessKeys, iam:ListSigningCertificates, iam:GetLoginProfile,
  iam:ListMFADevices, iam:GetAccountSummary, iam:GetUser, iam:GetAccessKeyLastUsed.
- IAMDeleteRootUserCredentials: iam:DeleteAccessKey, iam:DeleteSigningCertificate,
  iam:DeleteLoginProfile, iam:DeactivateMFADevice, iam:ListAccessKeys, iam:ListSigningCertificates,
  iam:GetLoginProfile, iam:ListMFADevices, iam:GetUser, iam:GetAccessKeyLastUsed (the same page's
  change log: iam:DeleteVirtualMFADevice removed on 2025-01-07). No GetAccountSummary.
API shapes: botocore 1.44 `sts/2011-06-15` AssumeRoot (input TargetPrincipal, TaskPolicyArn {arn},
DurationSeconds 0..900; output Credentials, SourceIdentity; modelled errors RegionDisabledException,
ExpiredTokenException) and `iam/2010-05-08` ListOrganizationsFeatures (OrganizationId,
EnabledFeatures: RootCredentialsManagement | RootSessions).

Choices where AWS publishes nothing (documented so tests do not mistake them for AWS facts):
AssumeRoot rejections answer ValidationError (400) for malformed input and AccessDenied (403) for
authorization; AssumeRoot for the IAM tasks needs RootCredentialsManagement; the required UserName
of root entries (login profile, MFA devices, certificates) is the account id.

Not modelled: SigV4 signatures, secrets and session tokens are not checked (moto routes by key id
only); the global STS endpoint cannot be told from a regional one behind a local endpoint; the
other three root-task policies (IAMCreateRootUserPassword, S3UnlockBucketPolicy,
SQSUnlockQueuePolicy) are refused as not modelled; SCPs other than the deny list; pagination
(IsTruncated is always false; a root has at most a few credentials); one organization per partition.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from moto.core.responses import ActionResult, BaseResponse
from moto.core.utils import get_service_model
from moto.iam import models as iam_module
from moto.iam.models import PARTITION_NAMES, iam_backends
from moto.organizations import models as org_models
from moto.sts.models import sts_backends
from moto.sts.utils import random_session_token
from werkzeug.exceptions import HTTPException

from .emulator import RootState, RootUserModel
from .root_session import (
    AUDIT_TASK,
    DELETE_TASK,
    TASK_POLICY_ACTIONS,
    UNMODELLED_TASKS,
    EmulatedError,
    Reply,
    RootSession,
    RootUserApi,
    access_denied,
    error_reply,
)

__all__ = ["AUDIT_TASK", "DELETE_TASK", "LoggedRequest", "OrgRootModel", "RootSession", "Throttle"]

IAM_PRINCIPAL = "iam.amazonaws.com"
ROOT_CREDENTIALS_MANAGEMENT = "RootCredentialsManagement"
ROOT_SESSIONS = "RootSessions"
FEATURES = (ROOT_CREDENTIALS_MANAGEMENT, ROOT_SESSIONS)
MAX_ROOT_SESSION_SECONDS = 900
ACCOUNT_ID = re.compile(r"^\d{12}$")
SIGV4_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")
ERROR_CODE = re.compile(r"<Code>([^<]+)</Code>|\"__type\"\s*:\s*\"(?:[^\"#]*#)?([^\"]+)\"")


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the server served it."""

    service: str
    action: str
    access_key: str  # from the SigV4 Authorization header
    caller_account: str  # the account moto resolved from that key
    account: str  # the account acted on: the member for a root session, the target for AssumeRoot
    status: int
    error: str | None = None


@dataclass
class Throttle:
    """The next `remaining` requests that match answer Throttling (None matches anything)."""

    remaining: int
    account: str | None = None
    action: str | None = None

    def matches(self, account: str, action: str) -> bool:
        return self.account in (None, account) and self.action in (None, action)


@dataclass
class _Request:
    service: str
    action: str
    access_key: str
    caller_account: str
    account: str
    session: RootSession | None


class OrgRootModel:
    """Centralized root access for moto's organization; `install()` patches moto while active.

    Configure: `roots.set(account, RootState(...))` (or `set_root`), `features`, `set_trusted_access`,
    `set_account_state`, `source_identity`. Faults: `deny_assume_root`, `throttle`, `latency_seconds`.
    Read: `requests()` (the request log), `sessions()`, `requests_not_signed_by_root_session`.
    """

    def __init__(self, roots: RootUserModel | None = None) -> None:
        self.roots = roots or RootUserModel()
        self.features: set[str] = set(FEATURES)
        self.source_identity: str | None = None
        self.latency_seconds = 0.0
        self.assume_root_denied: set[str] = set()
        self._throttles: list[Throttle] = []
        self._sessions: dict[str, RootSession] = {}
        self._log: list[LoggedRequest] = []
        self._lock = threading.RLock()
        self._handlers: dict[tuple[str, str], Callable[[BaseResponse], dict[str, Any]]] = {
            ("sts", "AssumeRoot"): self._assume_root,
            ("iam", "ListOrganizationsFeatures"): self._list_features,
            ("iam", "EnableOrganizationsRootCredentialsManagement"): self._feature_switch(
                ROOT_CREDENTIALS_MANAGEMENT, on=True
            ),
            ("iam", "DisableOrganizationsRootCredentialsManagement"): self._feature_switch(
                ROOT_CREDENTIALS_MANAGEMENT, on=False
            ),
            ("iam", "EnableOrganizationsRootSessions"): self._feature_switch(ROOT_SESSIONS, on=True),
            ("iam", "DisableOrganizationsRootSessions"): self._feature_switch(ROOT_SESSIONS, on=False),
        }

    # --- configuration -------------------------------------------------------------------

    def set_root(self, account_id: str, state: RootState) -> RootState:
        return self.roots.set(account_id, state)

    def root(self, account_id: str) -> RootState:
        return self.roots.state(account_id)

    def deny_assume_root(self, *account_ids: str) -> None:
        """AssumeRoot targeting these accounts answers AccessDenied, as a service control policy would."""
        with self._lock:
            self.assume_root_denied.update(account_ids)

    def throttle(self, count: int, account: str | None = None, action: str | None = None) -> Throttle:
        """The next `count` requests acting on `account` (any if None) for `action` answer Throttling."""
        rule = Throttle(count, account, action)
        with self._lock:
            self._throttles.append(rule)
        return rule

    def set_trusted_access(self, enabled: bool, partition: str = "aws") -> None:
        """Trusted access for iam.amazonaws.com in moto's organization (as Enable/DisableAWSServiceAccess)."""
        backend = self.organization(partition)
        backend.services = [s for s in backend.services if s["ServicePrincipal"] != IAM_PRINCIPAL]
        if enabled:
            backend.services.append(org_models.FakeServiceAccess(ServicePrincipal=IAM_PRINCIPAL).describe())

    def set_account_state(self, account_id: str, state: str, partition: str = "aws") -> None:
        """Organizations' State (ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED, ...) and the older Status."""
        account = self.organization(partition).get_account_by_id(account_id)
        account.state = state
        account.status = state if state in {"ACTIVE", "SUSPENDED", "PENDING_CLOSURE"} else "SUSPENDED"

    def organization(self, partition: str = "aws") -> org_models.OrganizationsBackend:
        """moto's backend of the management account of the (one) organization in this partition."""
        for backends in list(org_models.organizations_backends.values()):
            backend = dict.get(backends, partition)
            if backend is not None and backend.org is not None:
                return backend
        raise LookupError(f"no organization in partition {partition}: call CreateOrganization first")

    # --- reading -------------------------------------------------------------------------

    def sessions(self, account_id: str | None = None) -> list[RootSession]:
        with self._lock:
            return [s for s in self._sessions.values() if account_id in (None, s.account_id)]

    def session(self, access_key_id: str) -> RootSession | None:
        with self._lock:
            return self._sessions.get(access_key_id)

    def requests(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._log)

    def clear_requests(self) -> None:
        with self._lock:
            self._log.clear()

    def requests_not_signed_by_root_session(
        self, account_id: str, service: str = "iam"
    ) -> list[LoggedRequest]:
        """Requests of `service` that acted on `account_id` without a key AssumeRoot issued for it."""
        keys = {s.access_key_id for s in self.sessions(account_id)}
        return [
            entry
            for entry in self.requests()
            if entry.service == service and entry.account == account_id and entry.access_key not in keys
        ]

    # --- installation --------------------------------------------------------------------

    @contextmanager
    def install(self) -> Iterator[OrgRootModel]:
        """Patch moto: the root model, every response's call_action, and Organizations' principal lists."""
        with ExitStack() as stack:
            stack.enter_context(self.roots.install())
            stack.enter_context(_accepting_iam_principal())
            stack.enter_context(_remembering_key_owners())
            stack.enter_context(_patched_call_action(self))
            yield self

    # --- serving -------------------------------------------------------------------------

    def serve(self, response: BaseResponse, call_moto: Callable[[], Reply]) -> Reply:
        """Answer one request (moto's call_action with the model in front) and log it."""
        request = self._describe(response)
        status, error = 500, None
        try:
            reply = self._answer(response, request, call_moto)
        except EmulatedError as failure:
            reply = error_reply(_protocol(response), request.service, failure)
        except HTTPException as failure:  # moto's own errors raised from the root model's checks
            reply = (failure.code or 500, dict(failure.get_headers() or []), failure.description)
        except BaseException:
            self._record(request, status, error)
            raise
        status = int(reply[0])
        if status >= 300:
            match = ERROR_CODE.search(str(reply[2]))
            error = (match.group(1) or match.group(2)) if match else "?"
        self._record(request, status, error)
        return reply

    def _describe(self, response: BaseResponse) -> _Request:
        service = str(getattr(response, "service_name", "") or "?")
        try:
            action = str(response._get_action() or "?")
        except Exception:  # moto's own API and odd routes have no AWS action
            action = "?"
        access_key = _signing_key(response)
        caller = str(getattr(response, "current_account", "") or "")
        session = self.session(access_key)
        account = caller
        if session is not None:
            account = session.account_id
        elif (service, action) == ("sts", "AssumeRoot"):
            target = _account_of(str(response._get_param("TargetPrincipal") or ""))
            account = target or caller
        return _Request(service, action, access_key, caller, account, session)

    def _record(self, request: _Request, status: int, error: str | None) -> None:
        entry = LoggedRequest(
            request.service,
            request.action,
            request.access_key,
            request.caller_account,
            request.account,
            status,
            error,
        )
        with self._lock:
            self._log.append(entry)

    def _answer(self, response: BaseResponse, request: _Request, call_moto: Callable[[], Reply]) -> Reply:
        if self.latency_seconds:
            time.sleep(self.latency_seconds)
        self._apply_throttles(request)
        if request.session is not None:
            return self._root_session_request(response, request, call_moto)
        handler = self._handlers.get((request.service, request.action))
        if handler is not None:
            return response.serialized(ActionResult(handler(response)))
        return call_moto()

    def _apply_throttles(self, request: _Request) -> None:
        with self._lock:
            for rule in self._throttles:
                if rule.remaining > 0 and rule.matches(request.account, request.action):
                    rule.remaining -= 1
                    raise EmulatedError("Throttling", "Rate exceeded", 400)

    # --- root sessions -------------------------------------------------------------------

    def _root_session_request(
        self, response: BaseResponse, request: _Request, call_moto: Callable[[], Reply]
    ) -> Reply:
        session = request.session
        assert session is not None
        session.authorize(request.service, request.action, response._get_param("UserName"))
        if (request.service, request.action) == ("sts", "GetCallerIdentity"):
            return response.serialized(ActionResult(session.caller_identity()))
        if request.action == "GetAccountSummary":
            return call_moto()  # moto's summary, with the root model's values for this member
        with self._lock:
            state = self._root_call(session, request.action)
            result = RootUserApi(session, state, response).call(request.action)
        return response.serialized(result)

    def _root_call(self, session: RootSession, action: str) -> RootState:
        state = self.roots.state(session.account_id)
        state.calls.append(action)
        if action in state.denied_actions:
            raise access_denied(session.arn, f"iam:{action}", session.arn, "with an explicit deny (model)")
        return state

    # --- sts:AssumeRoot ------------------------------------------------------------------

    def _assume_root(self, response: BaseResponse) -> dict[str, Any]:
        request = AssumeRootRequest.parse(response)
        refusal = self._refusal(request, response.current_account)
        if refusal:
            raise access_denied(_caller_arn(response), "sts:AssumeRoot", request.resource, refusal)
        session = self._issue(request, response.current_account)
        credentials = {
            "AccessKeyId": session.access_key_id,
            "SecretAccessKey": session.secret_access_key,
            "SessionToken": session.session_token,
            "Expiration": session.expiration,
        }
        result: dict[str, Any] = {"Credentials": credentials}
        if self.source_identity:
            result["SourceIdentity"] = self.source_identity
        return result

    def _refusal(self, request: AssumeRootRequest, caller: str) -> str | None:
        """Why AWS would refuse this caller a root session for the target (None: it would not)."""
        backend = _organization_of(caller, request.partition)
        if backend is None:
            return "because no organization includes the caller"
        account = next((a for a in backend.accounts if a.id == request.target), None)
        state = account.state if account else None
        checks = (
            (
                caller == backend.account_id or _is_iam_delegated_admin(backend, caller),
                "because the caller is neither the management account nor the IAM delegated administrator",
            ),
            (request.target != backend.account_id, "because it is the management account"),
            (account is not None, "because it is not in the organization"),
            (state in (None, "ACTIVE"), f"because the account is {state}"),
            (
                ROOT_CREDENTIALS_MANAGEMENT in self._enabled_features(backend),
                f"because {ROOT_CREDENTIALS_MANAGEMENT} is not enabled for the organization",
            ),
            (
                request.target not in self.assume_root_denied,
                "with an explicit deny in a service control policy",
            ),
        )
        return next((reason for passed, reason in checks if not passed), None)

    def _issue(self, request: AssumeRootRequest, caller: str) -> RootSession:
        """A temporary key in the member's moto IAM backend (so moto serves it for the member)."""
        key = iam_backends[request.target][request.partition].create_temp_access_key()
        expiration = datetime.now(UTC) + timedelta(seconds=request.duration)
        session = RootSession(
            key.access_key_id,
            request.target,
            request.task,
            request.partition,
            caller,
            expiration,
            duration_seconds=request.duration,
            secret_access_key=key.secret_access_key,
            session_token=random_session_token(),
        )
        with self._lock:
            self._sessions[session.access_key_id] = session
        return session

    # --- IAM organization features -------------------------------------------------------

    def _enabled_features(self, backend: org_models.OrganizationsBackend) -> list[str]:
        if not _trusted(backend):
            return []
        with self._lock:
            return [feature for feature in FEATURES if feature in self.features]

    def _features_backend(self, response: BaseResponse) -> org_models.OrganizationsBackend:
        caller = response.current_account
        backend = _organization_of(caller, response.partition)
        if backend is None:
            raise EmulatedError("OrganizationNotFoundException", "The caller is not in an organization.")
        if caller != backend.account_id and not _is_iam_delegated_admin(backend, caller):
            raise EmulatedError(
                "AccountNotManagementOrDelegatedAdministratorException",
                "The account is not the management account or the delegated administrator for IAM.",
            )
        if not _trusted(backend):
            raise EmulatedError(
                "ServiceAccessNotEnabledException",
                "Trusted access for IAM is not enabled in the organization.",
            )
        return backend

    def _list_features(self, response: BaseResponse) -> dict[str, Any]:
        backend = self._features_backend(response)
        assert backend.org is not None
        return {"OrganizationId": backend.org.id, "EnabledFeatures": self._enabled_features(backend)}

    def _feature_switch(self, feature: str, on: bool) -> Callable[[BaseResponse], dict[str, Any]]:
        def switch(response: BaseResponse) -> dict[str, Any]:
            backend = self._features_backend(response)
            if on and response.current_account != backend.account_id:
                raise EmulatedError(
                    "CallerIsNotManagementAccountException", "Only the management account can."
                )
            with self._lock:
                (self.features.add if on else self.features.discard)(feature)
            return self._list_features(response)

        return switch


def _signing_key(response: BaseResponse) -> str:
    """The access key id of the SigV4 Authorization header (moto's lookup takes 20-character ids only)."""
    match = SIGV4_CREDENTIAL.search(str(response.headers.get("Authorization") or ""))
    return match.group(1) if match else str(getattr(response, "access_key", "") or "")


def _protocol(response: BaseResponse) -> str:
    try:
        return str(get_service_model(response.boto3_service_name).protocol)
    except Exception:  # an unknown service: XML is what most of moto answers
        return "query"


def _account_of(principal: str, partition: str | None = None) -> str | None:
    """The account id of a TargetPrincipal: a 12-digit id or arn:<partition>:iam::<id>:root."""
    if ACCOUNT_ID.match(principal):
        return principal
    match = re.match(r"^arn:([\w-]+):iam::(\d{12}):root$", principal)
    if match and partition in (None, match.group(1)):
        return match.group(2)
    return None


@dataclass(frozen=True)
class AssumeRootRequest:
    """A validated AssumeRoot request (ValidationError for what AWS's input rules refuse)."""

    target: str
    task: str
    duration: int
    partition: str

    @property
    def resource(self) -> str:
        return f"arn:{self.partition}:iam::{self.target}:root"

    @classmethod
    def parse(cls, response: BaseResponse) -> AssumeRootRequest:
        partition = response.partition
        target = _account_of(str(response._get_param("TargetPrincipal") or ""), partition)
        if target is None:
            raise EmulatedError(
                "ValidationError", "TargetPrincipal must be a 12-digit account id or that account's root ARN"
            )
        task = _task_policy(_policy_arn(response), partition)
        return cls(target, task, _duration(response._get_param("DurationSeconds")), partition)


def _policy_arn(response: BaseResponse) -> str:
    value = response._get_param("TaskPolicyArn")
    if isinstance(value, dict):
        return str(value.get("arn") or "")
    return str(response._get_param("TaskPolicyArn.arn") or "")


def _task_policy(arn: str, partition: str) -> str:
    prefix = f"arn:{partition}:iam::aws:policy/root-task/"
    name = arn[len(prefix) :] if arn.startswith(prefix) else ""
    if name in TASK_POLICY_ACTIONS:
        return name
    if name in UNMODELLED_TASKS:
        raise EmulatedError("ValidationError", f"Task policy {name} is valid in AWS but not modelled here")
    raise EmulatedError(
        "ValidationError", f"TaskPolicyArn {arn!r} is not a root-task policy of partition {partition}"
    )


def _duration(raw: Any) -> int:
    try:
        duration = MAX_ROOT_SESSION_SECONDS if raw in (None, "") else int(raw)
    except (TypeError, ValueError):
        raise EmulatedError("ValidationError", f"DurationSeconds {raw!r} is not an integer") from None
    if not 0 <= duration <= MAX_ROOT_SESSION_SECONDS:
        raise EmulatedError(
            "ValidationError",
            f"1 validation error detected: Value '{duration}' at 'durationSeconds' failed to satisfy "
            f"constraint: Member must have value between 0 and {MAX_ROOT_SESSION_SECONDS}",
        )
    return duration


def _organization_of(account_id: str, partition: str) -> org_models.OrganizationsBackend | None:
    """moto's backend holding the organization the account manages or belongs to."""
    backends = org_models.organizations_backends
    own = backends[account_id][partition]
    if own.org is not None:
        return own
    if account_id in backends.master_accounts:
        master, master_partition = backends.master_accounts[account_id]
        return backends[master][master_partition]
    return None


def _caller_arn(response: BaseResponse) -> str:
    backend = sts_backends[response.current_account][response.partition]
    return backend.get_caller_identity(response.access_key, response.region)[1]


def _trusted(backend: org_models.OrganizationsBackend) -> bool:
    return any(service["ServicePrincipal"] == IAM_PRINCIPAL for service in backend.services)


def _is_iam_delegated_admin(backend: org_models.OrganizationsBackend, account_id: str) -> bool:
    return any(admin.account.id == account_id and IAM_PRINCIPAL in admin.services for admin in backend.admins)


@contextmanager
def _accepting_iam_principal() -> Iterator[None]:
    """moto's Organizations refuses iam.amazonaws.com for trusted access and delegated admins."""
    lists = [
        org_models.FakeServiceAccess.TRUSTED_SERVICES,
        org_models.FakeDelegatedAdministrator.SUPPORTED_SERVICES,
    ]
    added = [principals for principals in lists if IAM_PRINCIPAL not in principals]
    for principals in added:
        principals.append(IAM_PRINCIPAL)
    try:
        yield
    finally:
        for principals in added:
            principals.remove(IAM_PRINCIPAL)


def _holds_key(account_id: str, access_key: str) -> bool:
    account = iam_backends[account_id]
    return any(access_key in account[partition].access_keys for partition in PARTITION_NAMES)


@contextmanager
def _remembering_key_owners() -> Iterator[None]:
    """moto finds each request's account by scanning every account's IAM backend in every
    partition: with a thousand members that costs milliseconds of server CPU per request. Remember
    the account found for a key, and use it only while that account still holds the key, so the
    answer is always the one the scan would give (keys are random, never in two accounts)."""
    scan = iam_module.get_account_id_from
    owners: dict[str, str] = {}

    def get_account_id_from(access_key: str) -> str:
        owner = owners.get(access_key)
        if owner is None or not _holds_key(owner, access_key):
            owner = owners[access_key] = scan(access_key)
        return owner

    iam_module.get_account_id_from = get_account_id_from
    try:
        yield
    finally:
        iam_module.get_account_id_from = scan


@contextmanager
def _patched_call_action(model: OrgRootModel) -> Iterator[None]:
    """Put the model in front of every moto response class that uses BaseResponse.call_action."""
    original = BaseResponse.call_action

    def call_action(self: BaseResponse) -> Reply:
        return model.serve(self, lambda: original(self))

    BaseResponse.call_action = call_action  # type: ignore[method-assign]
    try:
        yield
    finally:
        BaseResponse.call_action = original  # type: ignore[method-assign]
