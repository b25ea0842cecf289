"""Shared fixtures: an isolated fake AWS environment, the root-user model, Config events."""

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

RULE_DIR = Path(__file__).resolve().parent.parent / "rules" / "IAM_ROOT_NO_ACCESS_KEYS"
if str(RULE_DIR) not in sys.path:
    sys.path.insert(0, str(RULE_DIR))  # the Lambda's import root: IAM_ROOT_NO_ACCESS_KEYS.py

from root_access_keys.clients import clear_client_cache  # noqa: E402
from rootkeys.emulator import RootUserModel  # noqa: E402

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fake credentials, a fixed region, no endpoint overrides, and no cached clients."""
    for name in (
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_RETRY_MODE",
        "AWS_MAX_ATTEMPTS",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_LAMBDA_LOG_LEVEL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    clear_client_cache()
    yield
    clear_client_cache()


@pytest.fixture
def root_model() -> Iterator[RootUserModel]:
    """moto (in process) with the root-user model installed."""
    from moto import mock_aws

    model = RootUserModel()
    with mock_aws(), model.install():
        yield model


def make_event(
    account_id: str = ACCOUNT_ID,
    *,
    rule_parameters: dict[str, Any] | None = None,
    result_token: str = "TESTMODE",
    partition: str = "aws",
    region: str = REGION,
    notification_time: str = "2026-11-28T10:00:00.000Z",
    execution_role_name: str = "config-role",
) -> dict[str, Any]:
    """A periodic Config event shaped as AWS Config sends it (JSON strings inside JSON)."""
    invoking = {
        "awsAccountId": account_id,
        "notificationCreationTime": notification_time,
        "messageType": "ScheduledNotification",
        "recordVersion": "1.0",
    }
    return {
        "invokingEvent": json.dumps(invoking),
        "ruleParameters": json.dumps(rule_parameters or {}),
        "resultToken": result_token,
        "eventLeftScope": False,
        "executionRoleArn": f"arn:{partition}:iam::{account_id}:role/{execution_role_name}",
        "configRuleArn": f"arn:{partition}:config:{region}:{account_id}:config-rule/config-rule-abc123",
        "configRuleName": "IAM_ROOT_NO_ACCESS_KEYS",
        "configRuleId": "config-rule-abc123",
        "accountId": account_id,
        "version": "1.0",
    }


@pytest.fixture
def config_event() -> Callable[..., dict[str, Any]]:
    return make_event


@pytest.fixture
def handler() -> Callable[[dict[str, Any], object], list[dict[str, Any]]]:
    import IAM_ROOT_NO_ACCESS_KEYS

    return IAM_ROOT_NO_ACCESS_KEYS.lambda_handler
