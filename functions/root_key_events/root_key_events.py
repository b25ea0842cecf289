"""Near-real-time trigger: re-evaluate the root-access-key Config rule when root changes its keys.

An EventBridge rule sends the CloudTrail events for the root user's CreateAccessKey,
UpdateAccessKey and DeleteAccessKey calls here; this function calls
config:StartConfigRulesEvaluation for the one rule named in CONFIG_RULE_NAME, so the verdict
follows the change within minutes instead of at the next periodic run. It decides nothing
itself: the rule's own function does the evaluation.

Handler: root_key_events.lambda_handler. Needs only boto3 (from the Lambda runtime).
"""

import json
import logging
import os
from collections.abc import Mapping
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

LOGGER = logging.getLogger("root_key_events")
LOGGER.setLevel(logging.INFO)

RULE_NAME_VARIABLE = "CONFIG_RULE_NAME"
CLOUDTRAIL_DETAIL_TYPE = "AWS API Call via CloudTrail"
IAM_SOURCE = "aws.iam"
ROOT_KEY_EVENT_NAMES = frozenset({"CreateAccessKey", "UpdateAccessKey", "DeleteAccessKey"})
# Standard retry mode retries LimitExceededException, which Config returns while an earlier
# StartConfigRulesEvaluation for the same rule is still running.
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=15
)


class TriggerError(Exception):
    """The event or the configuration is not what this function expects, or Config refused."""


def _text(mapping: Mapping[str, Any], name: str, where: str) -> str:
    value = mapping.get(name)
    if not isinstance(value, str) or not value:
        raise TriggerError(f"{where}.{name} is missing or not a string")
    return value


def parse_root_key_event(event: object) -> dict[str, str]:
    """The fields of a root key-change event this function acts on; anything else raises."""
    if not isinstance(event, Mapping):
        raise TriggerError(f"event must be a JSON object, got {type(event).__name__}")
    if event.get("source") != IAM_SOURCE or event.get("detail-type") != CLOUDTRAIL_DETAIL_TYPE:
        raise TriggerError(
            f"not a CloudTrail IAM event: source={event.get('source')!r:.40}, "
            f"detail-type={event.get('detail-type')!r:.60}"
        )
    detail = event.get("detail")
    if not isinstance(detail, Mapping):
        raise TriggerError("event.detail is missing or not an object")
    event_name = _text(detail, "eventName", "detail")
    if event_name not in ROOT_KEY_EVENT_NAMES:
        raise TriggerError(f"detail.eventName {event_name!r:.60} is not an access-key change")
    identity = detail.get("userIdentity")
    if not isinstance(identity, Mapping) or identity.get("type") != "Root":
        raise TriggerError("detail.userIdentity.type is not Root: only root key changes start an evaluation")
    return {
        "account": _text(event, "account", "event"),
        "event_name": event_name,
        "event_id": str(detail.get("eventID") or event.get("id") or ""),
    }


def _own_account(context: object) -> str | None:
    arn = getattr(context, "invoked_function_arn", None)
    parts = arn.split(":") if isinstance(arn, str) else []
    return parts[4] if len(parts) > 4 and parts[4].isdigit() else None


def start_evaluation(config: Any, rule_name: str) -> None:
    try:
        config.start_config_rules_evaluation(ConfigRuleNames=[rule_name])
    except (ClientError, BotoCoreError) as error:
        code = error.response.get("Error", {}).get("Code") if isinstance(error, ClientError) else None
        raise TriggerError(
            f"config:StartConfigRulesEvaluation for {rule_name} failed: {code or type(error).__name__}"
        ) from error


def lambda_handler(event: dict[str, Any], context: object, config: Any = None) -> dict[str, str]:
    change = parse_root_key_event(event)
    rule_name = os.environ.get(RULE_NAME_VARIABLE, "").strip()
    if not rule_name:
        raise TriggerError(f"environment variable {RULE_NAME_VARIABLE} is not set")
    own_account = _own_account(context)
    if own_account is not None and own_account != change["account"]:
        raise TriggerError(
            f"event from account {change['account']} reached the function in account {own_account}: "
            "this trigger re-evaluates only its own account's rule"
        )
    start_evaluation(config or boto3.client("config", config=CLIENT_CONFIG), rule_name)
    result = {"rule": rule_name, **change}
    LOGGER.info(json.dumps({"message": "re-evaluation started", **result}, sort_keys=True))
    return result
