"""Open a short root session in a member account with sts:AssumeRoot (centralized root access).

AssumeRoot is served by regional STS endpoints only: the client is checked and, if the
configuration points it at the global endpoint (AWS_STS_REGIONAL_ENDPOINTS=legacy), rebuilt
for the Region. The session is limited to one AWS managed task policy; its credentials never
leave this module's callers' memory (never printed, never logged).
"""

from typing import Any
from urllib.parse import urlparse

import boto3
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from root_access_keys.aws_errors import ACCESS_DENIED_CODES, describe_failure, error_code
from root_access_keys.errors import DeadlineReachedError

AUDIT_TASK_POLICY = "IAMAuditRootUserCredentials"
DELETE_TASK_POLICY = "IAMDeleteRootUserCredentials"
MAX_SESSION_SECONDS = 900
GLOBAL_STS_HOST = "sts.amazonaws.com"


class RootSessionError(Exception):
    """sts:AssumeRoot failed; the message names the cause (never a credential)."""


def task_policy_arn(partition: str, policy: str) -> str:
    return f"arn:{partition}:iam::aws:policy/root-task/{policy}"


def regional_sts_client(session: boto3.Session, region: str, config: Config) -> BaseClient:
    client = session.client("sts", region_name=region, config=config)
    if urlparse(client.meta.endpoint_url).hostname == GLOBAL_STS_HOST:
        client = session.client(
            "sts", region_name=region, config=config, endpoint_url=f"https://sts.{region}.amazonaws.com"
        )
    return client


def session_seconds(budget_seconds: float) -> int:
    """The shortest root session that outlasts the work it is opened for."""
    return max(1, min(MAX_SESSION_SECONDS, int(budget_seconds) + 1))


def assume_root(
    sts: Any, *, partition: str, account_id: str, task_policy: str, seconds: int
) -> dict[str, Any]:
    """Temporary credentials for the root user of `account_id`, limited to `task_policy`."""
    try:
        response = sts.assume_root(
            TargetPrincipal=account_id,
            TaskPolicyArn={"arn": task_policy_arn(partition, task_policy)},
            DurationSeconds=seconds,
        )
    except (ClientError, BotoCoreError, DeadlineReachedError) as error:
        code = error_code(error)
        if code in ACCESS_DENIED_CODES:
            message = (
                error.response.get("Error", {}).get("Message", "") if isinstance(error, ClientError) else ""
            )
            raise RootSessionError(
                f"sts:AssumeRoot denied ({code}): the caller needs sts:AssumeRoot with this task policy, "
                f"and no SCP or permissions boundary may deny it ({str(message)[:120]})"
            ) from error
        raise RootSessionError(describe_failure(error, "sts:AssumeRoot")) from error
    credentials = response.get("Credentials") or {}
    if not all(credentials.get(name) for name in ("AccessKeyId", "SecretAccessKey", "SessionToken")):
        raise RootSessionError("sts:AssumeRoot returned no usable credentials")
    return credentials
