"""AWS clients for one invocation: standard retries, bounded timeouts, call counting.

A subclass of rdklib's ClientFactory, so rdklib-style rules keep calling build_client(). Clients
for the function's own role are cached across warm invocations; clients for an assumed role
live only as long as the invocation, so one member account's credentials never serve another.
"""

import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import boto3
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from rdklib import ClientFactory

from .aws_errors import describe_failure
from .errors import ExecutionRoleError

ASSUMED_ROLE_SESSION_SECONDS = 900
# Retries after the first attempt (botocore's "max_attempts"): at most 5 requests per call.
DEFAULT_RETRIES = 4
ROLE_ARN_ACCOUNT = re.compile(r"^arn:[\w-]+:iam::(\d{12}):role/.+$")

_current_calls: ContextVar[list[str] | None] = ContextVar("rootkeys_api_calls", default=None)
_own_role_clients: dict[tuple[str, ...], BaseClient] = {}
# Guards the cache and client creation: boto3's default session is not thread-safe.
_client_lock = threading.Lock()


def client_config() -> Config:
    """Standard retry mode with bounded attempts, unless the environment configures retries itself."""
    options: dict[str, Any] = {"connect_timeout": 5, "read_timeout": 20, "user_agent_extra": "rootkeys"}
    if not os.environ.get("AWS_RETRY_MODE") and not os.environ.get("AWS_MAX_ATTEMPTS"):
        options["retries"] = {"mode": "standard", "max_attempts": DEFAULT_RETRIES}
    return Config(**options)


def _record_call(model: Any, **_: Any) -> None:
    calls = _current_calls.get()
    if calls is not None:
        calls.append(f"{model.service_model.endpoint_prefix}:{model.name}")


def instrumented(client: BaseClient) -> BaseClient:
    """Make the client report each API call to whatever `recording_calls` is active in its thread."""
    client.meta.events.register("before-call", _record_call)
    return client


@contextmanager
def recording_calls(calls: list[str]) -> Iterator[list[str]]:
    """Append "service:Operation" to calls for every call an instrumented client makes meanwhile."""
    token = _current_calls.set(calls)
    try:
        yield calls
    finally:
        _current_calls.reset(token)


def clear_client_cache() -> None:
    """Forget cached clients (tests switch endpoints and credentials between cases)."""
    with _client_lock:
        _own_role_clients.clear()


def _own_role_client(service: str, region: str | None) -> BaseClient:
    # The environment is part of the key so a changed endpoint or identity never reuses a client.
    key = (
        service,
        region or "",
        os.environ.get("AWS_ENDPOINT_URL", ""),
        os.environ.get(f"AWS_ENDPOINT_URL_{service.upper()}", ""),
        os.environ.get("AWS_ACCESS_KEY_ID", ""),
        os.environ.get("AWS_PROFILE", ""),
    )
    with _client_lock:
        client = _own_role_clients.get(key)
        if client is None:
            client = instrumented(boto3.client(service, region_name=region, config=client_config()))
            _own_role_clients[key] = client
        return client


def _assumed_role_client(service: str, region: str | None, credentials: dict[str, Any]) -> BaseClient:
    # boto3's default session shares its loaded service models; creating clients from it is
    # not thread-safe, hence the lock.
    with _client_lock:
        return instrumented(
            boto3.client(
                service,
                region_name=region,
                config=client_config(),
                aws_access_key_id=credentials["AccessKeyId"],
                aws_secret_access_key=credentials["SecretAccessKey"],
                aws_session_token=credentials["SessionToken"],
            )
        )


class AwsClients(ClientFactory):
    """rdklib ClientFactory with retries, timeouts, a time budget and a log of API calls."""

    def __init__(
        self,
        *,
        region: str | None,
        assume_role_arn: str | None = None,
        expected_account_id: str | None = None,
        remaining_seconds: Callable[[], float] | None = None,
    ) -> None:
        super().__init__(
            role_arn=assume_role_arn, region=region, assume_role_mode=assume_role_arn is not None
        )
        self.region = region
        self.assume_role_arn = assume_role_arn
        self.calls: list[str] = []
        self.remaining_seconds = remaining_seconds or (lambda: 60.0)
        self._assumed: dict[tuple[str, str | None], BaseClient] = {}
        self._credentials: dict[str, Any] | None = None
        if assume_role_arn is not None:
            match = ROLE_ARN_ACCOUNT.match(assume_role_arn)
            if not match:
                raise ExecutionRoleError(
                    f"Execution role ARN is not an IAM role ARN: {assume_role_arn[:120]!r}"
                )
            if expected_account_id is not None and match.group(1) != expected_account_id:
                raise ExecutionRoleError(
                    f"Execution role {assume_role_arn} is in account {match.group(1)}, "
                    f"but the event evaluates account {expected_account_id}"
                )

    def build_client(
        self, service: str, region: str | None = None, assume_role_mode: bool = True
    ) -> BaseClient:
        region = region or self.region
        if self.assume_role_arn is None or not assume_role_mode:
            return _own_role_client(service, region)
        client = self._assumed.get((service, region))
        if client is None:
            client = _assumed_role_client(service, region, self._assumed_credentials())
            self._assumed[(service, region)] = client
        return client

    def _assumed_credentials(self) -> dict[str, Any]:
        if self._credentials is None:
            sts = _own_role_client("sts", self.region)
            try:
                credentials = sts.assume_role(
                    RoleArn=self.assume_role_arn,
                    RoleSessionName="rootkeys-config-rule",
                    DurationSeconds=ASSUMED_ROLE_SESSION_SECONDS,
                )["Credentials"]
            except (ClientError, BotoCoreError) as error:
                raise ExecutionRoleError(
                    f"Could not assume the execution role {self.assume_role_arn}: "
                    f"{describe_failure(error, 'sts:AssumeRole')}. The role must trust the function's role."
                ) from error
            self._credentials = credentials
        return self._credentials
