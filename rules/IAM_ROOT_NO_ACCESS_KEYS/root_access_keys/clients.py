"""The one place that makes AWS clients: retry mode, timeouts, the time budget, AssumeRole, call log.

Every client gets botocore's standard retry mode with the budget policy's attempts and timeouts,
and three hooks: `before-parameter-build` appends "service:Action" to the active call log; `before-send`
admits each HTTP attempt only if it fits the active budget and shortens its read timeout to what
is left; `needs-retry` refuses a retry whose backoff would run past the budget. The hooks read
the budget and the call log of the `AwsClients` that is active in the current thread (entered
with `with`), so clients shared across invocations always answer to the current one.

Clients for the function's own role (the default boto3 session) are cached across warm
invocations: creating one costs more than the calls it makes. The cache key holds what decides
which endpoint and identity a new client would get: the service, Region, endpoint overrides,
AWS_PROFILE, the budget policy and a fingerprint of the credentials in the environment. Those
environment credentials (Lambda's) are passed to each new client explicitly, because boto3's
default session resolves credentials once and would hand a new client the old ones; so a
changed set gets a new client that signs with it. In Lambda they stay the same for the life of
the execution environment. Credentials from other providers (a profile with a role, container
or instance metadata) are refreshed by botocore itself inside the cached client. Clients for an
assumed role live as long as their `AwsClients`, so one member account's credentials never
serve another.
"""

import functools
import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.httpsession import URLLib3Session
from botocore.retries.standard import RetryEventAdapter, StandardRetryConditions

from .arns import parse_arn
from .aws_errors import describe_failure, describe_retry_cause
from .budget import Budget, BudgetPolicy
from .errors import DeadlineReachedError, ExecutionRoleError

ASSUMED_ROLE_SESSION_SECONDS = 900
ROLE_SESSION_NAME = "rootkeys-config-rule"
# botocore honours a per-request read timeout (request.context["read_timeout"]) since 1.40;
# older versions use the client's, so an attempt then needs the full configured read timeout.
PER_REQUEST_READ_TIMEOUT = hasattr(URLLib3Session, "_get_request_timeout")


@dataclass
class _Scope:
    budget: Budget | None
    calls: list[str] = field(default_factory=list)


_active_scope: ContextVar[_Scope | None] = ContextVar("rootkeys_aws_scope", default=None)
_own_role_clients: dict[tuple[object, ...], BaseClient] = {}
# Guards the cache and client creation: boto3's default session is not thread-safe.
_client_lock = threading.Lock()


def client_config(
    policy: BudgetPolicy, *, retry_mode: str = "standard", max_pool_connections: int | None = None
) -> Config:
    """`max_pool_connections`: set it to the number of threads sharing the client, or botocore's
    pool of 10 drops (and reopens) connections whenever more threads call at once."""
    pool = {} if max_pool_connections is None else {"max_pool_connections": max(1, max_pool_connections)}
    return Config(
        connect_timeout=policy.connect_timeout,
        read_timeout=policy.read_timeout,
        retries={"mode": retry_mode, "total_max_attempts": policy.max_attempts},
        user_agent_extra="rootkeys",
        **pool,
    )


def _operation(model: Any) -> str:
    return f"{model.service_model.endpoint_prefix}:{model.name}"


def _record_call(model: Any, **_: Any) -> None:
    scope = _active_scope.get()
    if scope is not None:
        scope.calls.append(_operation(model))


def _limit_attempt(request: Any, event_name: str, prefix: str, **_: Any) -> None:
    scope = _active_scope.get()
    if scope is None or scope.budget is None:
        return
    operation = f"{prefix}:{event_name.rsplit('.', 1)[-1]}"
    timeout = scope.budget.attempt_read_timeout(operation, adjustable=PER_REQUEST_READ_TIMEOUT)
    context = getattr(request, "context", None)
    if PER_REQUEST_READ_TIMEOUT and isinstance(context, dict):
        context["read_timeout"] = timeout


class _RetryGuard:
    """Refuses, before botocore sleeps, a retry that the budget cannot fit."""

    def __init__(self, operation_name: str, max_attempts: int) -> None:
        self._operation_name = operation_name
        self._conditions = StandardRetryConditions(max_attempts=max_attempts)
        self._adapter = RetryEventAdapter()

    def __call__(self, **kwargs: Any) -> None:
        scope = _active_scope.get()
        if scope is None or scope.budget is None:
            return
        context = self._adapter.create_retry_context(**kwargs)
        if not self._conditions.is_retryable(context):
            return
        operation = f"{kwargs['operation'].service_model.endpoint_prefix}:{kwargs['operation'].name}"
        http_response = (kwargs.get("response") or (None, None))[0]
        headers = getattr(http_response, "headers", None) or {}
        scope.budget.check_retry(
            operation,
            kwargs["attempts"],
            describe_retry_cause(kwargs),
            retry_after="x-amz-retry-after" in {name.lower() for name in headers},
        )


def instrumented(client: BaseClient, policy: BudgetPolicy) -> BaseClient:
    """Register the call log, attempt admission and retry guard on the client."""
    events = client.meta.events
    service_id = client.meta.service_model.service_id.hyphenize()
    prefix = client.meta.service_model.endpoint_prefix
    # before-parameter-build reaches every handler (before-call stops at the first answer, e.g. a Stubber).
    events.register("before-parameter-build", _record_call)
    # Specific event names run before generic ones: the budget sees each attempt first.
    events.register_first(f"before-send.{service_id}", functools.partial(_limit_attempt, prefix=prefix))
    events.register_first(f"needs-retry.{service_id}", _RetryGuard(prefix, policy.max_attempts))
    return client


def clear_client_cache() -> None:
    """Forget cached clients (tests switch endpoints and credentials between cases)."""
    with _client_lock:
        _own_role_clients.clear()


def _environment_credentials() -> dict[str, str]:
    """The credentials in the environment, as client keyword arguments ({} when there are none)."""
    access_key = os.environ.get("AWS_ACCESS_KEY_ID")
    secret_key = os.environ.get("AWS_SECRET_ACCESS_KEY")
    if not access_key or not secret_key:
        return {}
    credentials = {"aws_access_key_id": access_key, "aws_secret_access_key": secret_key}
    token = os.environ.get("AWS_SESSION_TOKEN") or os.environ.get("AWS_SECURITY_TOKEN")
    if token:
        credentials["aws_session_token"] = token
    return credentials


def own_role_client(service: str, region: str | None, policy: BudgetPolicy) -> BaseClient:
    """A cached client of the default session (the function's own role)."""
    credentials = _environment_credentials()
    fingerprint = hashlib.sha256("\0".join(sorted(credentials.values())).encode()).hexdigest()[:16]
    key = (
        service,
        region or "",
        os.environ.get("AWS_ENDPOINT_URL", ""),
        os.environ.get(f"AWS_ENDPOINT_URL_{service.upper()}", ""),
        os.environ.get("AWS_PROFILE", ""),
        fingerprint if credentials else "",
        policy,
    )
    with _client_lock:
        client = _own_role_clients.get(key)
        if client is None:
            client = boto3.client(service, region_name=region, config=client_config(policy), **credentials)  # type: ignore[call-overload]
            _own_role_clients[key] = instrumented(client, policy)
        return client


def credentials_client(
    service: str, region: str | None, credentials: dict[str, Any], policy: BudgetPolicy
) -> BaseClient:
    """An uncached client signed with temporary credentials (AssumeRole, AssumeRoot)."""
    with _client_lock:
        client = boto3.client(  # type: ignore[call-overload]
            service,
            region_name=region,
            config=client_config(policy),
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )
        return instrumented(client, policy)


class AwsClients:
    """The clients of one invocation (or one CLI run): one budget, one call log, one identity.

    With a role ARN, every client is signed with that role's credentials (sts:AssumeRole on the
    first client). Use as a context manager: the budget and call log apply inside the block.
    """

    def __init__(
        self,
        *,
        region: str | None,
        budget: Budget,
        role_arn: str | None = None,
        expected_account_id: str | None = None,
        session: boto3.Session | None = None,
    ) -> None:
        self.region = region
        self.budget = budget
        self.role_arn = role_arn
        self._session = session
        self._scope = _Scope(budget)
        self._token: Token[_Scope | None] | None = None
        self._assumed: dict[tuple[str, str | None], BaseClient] = {}
        self._credentials: dict[str, Any] | None = None
        if role_arn is not None:
            arn = parse_arn(role_arn)
            if arn is None or not arn.is_iam_role:
                raise ExecutionRoleError(f"Execution role ARN is not an IAM role ARN: {role_arn[:120]!r}")
            if expected_account_id is not None and arn.account != expected_account_id:
                raise ExecutionRoleError(
                    f"Execution role {role_arn} is in account {arn.account}, "
                    f"but the event evaluates account {expected_account_id}"
                )

    @property
    def calls(self) -> list[str]:
        """Every API call made through these clients' scope, as "service:Action"."""
        return self._scope.calls

    def __enter__(self) -> "AwsClients":
        self._token = _active_scope.set(self._scope)
        return self

    def __exit__(self, *_: object) -> None:
        if self._token is not None:
            _active_scope.reset(self._token)
            self._token = None

    def build_client(self, service: str, region: str | None = None) -> BaseClient:
        region = region or self.region
        policy = self.budget.policy
        if self.role_arn is None:
            if self._session is None:
                return own_role_client(service, region, policy)
            with _client_lock:
                client = self._session.client(service, region_name=region, config=client_config(policy))  # type: ignore[call-overload]
            return instrumented(client, policy)
        client = self._assumed.get((service, region))
        if client is None:
            client = credentials_client(service, region, self._assumed_credentials(), policy)
            self._assumed[(service, region)] = client
        return client

    def _assumed_credentials(self) -> dict[str, Any]:
        if self._credentials is None:
            sts = own_role_client("sts", self.region, self.budget.policy)
            try:
                response = sts.assume_role(
                    RoleArn=self.role_arn,
                    RoleSessionName=ROLE_SESSION_NAME,
                    DurationSeconds=ASSUMED_ROLE_SESSION_SECONDS,
                )
            except (ClientError, BotoCoreError, DeadlineReachedError) as error:
                raise ExecutionRoleError(
                    f"Could not assume the execution role {self.role_arn}: "
                    f"{describe_failure(error, 'sts:AssumeRole')}. The role must trust the function's role."
                ) from error
            self._credentials = response["Credentials"]
        return self._credentials


@contextmanager
def recording_calls(calls: list[str], budget: Budget | None = None) -> Iterator[list[str]]:
    """Append "service:Action" to calls for every call an instrumented client makes meanwhile
    (with no AwsClients around: the benchmarks and the runbook tests)."""
    token = _active_scope.set(_Scope(budget, calls))
    try:
        yield calls
    finally:
        _active_scope.reset(token)
