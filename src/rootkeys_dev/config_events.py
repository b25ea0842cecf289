"""The one builder of AWS Config periodic events for tests, the demo and the benchmarks.

Shaped exactly as AWS Config invokes a periodic custom rule: `invokingEvent` and
`ruleParameters` are JSON strings inside the JSON event.
"""

import json
from collections.abc import Mapping
from typing import Any

RULE_NAME = "IAM_ROOT_NO_ACCESS_KEYS"
DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"
DEFAULT_NOTIFICATION_TIME = "2026-11-28T10:00:00.000Z"
TEST_MODE = "TESTMODE"


def scheduled_event(
    account_id: str = DEFAULT_ACCOUNT_ID,
    *,
    rule_parameters: Mapping[str, Any] | None = None,
    result_token: str = TEST_MODE,
    partition: str = "aws",
    region: str = DEFAULT_REGION,
    notification_time: str = DEFAULT_NOTIFICATION_TIME,
    execution_role_name: str = "config-role",
    config_rule_id: str = "config-rule-abc123",
) -> dict[str, Any]:
    """A ScheduledNotification event for one account, in TestMode unless a token is given."""
    invoking = {
        "awsAccountId": account_id,
        "notificationCreationTime": notification_time,
        "messageType": "ScheduledNotification",
        "recordVersion": "1.0",
    }
    return {
        "invokingEvent": json.dumps(invoking),
        "ruleParameters": json.dumps(dict(rule_parameters or {})),
        "resultToken": result_token,
        "eventLeftScope": False,
        "executionRoleArn": f"arn:{partition}:iam::{account_id}:role/{execution_role_name}",
        "configRuleArn": f"arn:{partition}:config:{region}:{account_id}:config-rule/{config_rule_id}",
        "configRuleName": RULE_NAME,
        "configRuleId": config_rule_id,
        "accountId": account_id,
        "version": "1.0",
    }


def plain_evaluation(
    account_id: str, compliance: str, notification_time: str = DEFAULT_NOTIFICATION_TIME
) -> dict[str, str]:
    """The evaluation a minimal rule would send for that event (the benchmarks' baseline)."""
    return {
        "ComplianceResourceType": "AWS::::Account",
        "ComplianceResourceId": account_id,
        "ComplianceType": compliance,
        "Annotation": "baseline",
        "OrderingTimestamp": notification_time,
    }
