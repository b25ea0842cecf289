"""Near-real-time trigger: re-evaluate the root-access-key Config rule when root changes its keys.

An EventBridge rule sends the CloudTrail events for the root user's CreateAccessKey,
UpdateAccessKey and DeleteAccessKey calls here, and this function calls
config:StartConfigRulesEvaluation, so the verdict follows the change within minutes instead of
at the next periodic run. It decides nothing itself: the rule's own function evaluates.

Two modes, chosen by the environment:
- single account (CONFIG_RULE_NAME): starts that rule in the function's own account;
- organization (ORGANIZATION_CONFIG_RULE_NAME and MEMBER_ROLE_NAME): events arrive from the
  member accounts; the function looks up the name of the organization rule's copy in the
  event's account (config:GetOrganizationConfigRuleDetailedStatus), assumes MEMBER_ROLE_NAME
  there and starts that copy.

Handler: root_key_events.lambda_handler. Needs only boto3 (from the Lambda runtime).
"""

import json
import logging
import os
import re
from collections.abc import Mapping
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

LOGGER = logging.getLogger("root_key_events")
LOGGER.setLevel(logging.INFO)

RULE_NAME_VARIABLE = "CONFIG_RULE_NAME"
ORGANIZATION_RULE_VARIABLE = "ORGANIZATION_CONFIG_RULE_NAME"
MEMBER_ROLE_VARIABLE = "MEMBER_ROLE_NAME"
DEPLOYED_STATUSES = frozenset({"CREATE_SUCCESSFUL", "UPDATE_SUCCESSFUL"})
ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
ACCOUNT_ID = re.compile(r"^\d{12}$")
CLOUDTRAIL_DETAIL_TYPE = "AWS API Call via CloudTrail"
IAM_SOURCE = "aws.iam"
ROOT_KEY_EVENT_NAMES = frozenset({"CreateAccessKey", "UpdateAccessKey", "DeleteAccessKey"})
# Standard retry mode retries LimitExceededException, which Config returns while an earlier
# StartConfigRulesEvaluation for the same rule is still running.
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=15)


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


def _own_arn_parts(context: object) -> list[str]:
    arn = getattr(context, "invoked_function_arn", None)
    return arn.split(":") if isinstance(arn, str) else []


def _own_account(context: object) -> str | None:
    parts = _own_arn_parts(context)
    return parts[4] if len(parts) > 4 and parts[4].isdigit() else None


def _partition(context: object) -> str:
    parts = _own_arn_parts(context)
    return parts[1] if len(parts) > 1 and parts[1] else "aws"


def _failure(action: str, error: Exception) -> str:
    code = error.response.get("Error", {}).get("Code") if isinstance(error, ClientError) else None
    return f"{action} failed: {code or type(error).__name__}"


def make_client(service: str, credentials: Mapping[str, str] | None = None) -> Any:
    """A client with the function's own credentials, or with the given assumed-role credentials."""
    if credentials is None:
        return boto3.client(service, config=CLIENT_CONFIG)
    return boto3.client(
        service,
        config=CLIENT_CONFIG,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def start_evaluation(config: Any, rule_name: str) -> None:
    try:
        config.start_config_rules_evaluation(ConfigRuleNames=[rule_name])
    except (ClientError, BotoCoreError) as error:
        raise TriggerError(_failure(f"config:StartConfigRulesEvaluation for {rule_name}", error)) from error


def member_rule_name(config: Any, organization_rule: str, account: str) -> str:
    """The name of the organization rule's copy in `account` (names differ per account)."""
    try:
        response = config.get_organization_config_rule_detailed_status(
            OrganizationConfigRuleName=organization_rule, Filters={"AccountId": account}
        )
    except (ClientError, BotoCoreError) as error:
        raise TriggerError(_failure("config:GetOrganizationConfigRuleDetailedStatus", error)) from error
    for status in response.get("OrganizationConfigRuleDetailedStatus") or []:
        if status.get("AccountId") != account:
            continue
        state = status.get("MemberAccountRuleStatus")
        name = status.get("ConfigRuleName")
        if state in DEPLOYED_STATUSES and isinstance(name, str) and name:
            return name
        raise TriggerError(f"{organization_rule} is not deployed in account {account} (status {state})")
    raise TriggerError(f"{organization_rule} has no copy in account {account} (excluded or not a member)")


def _start_in_member(change: Mapping[str, str], context: object, factory: Any) -> str:
    organization_rule = os.environ.get(ORGANIZATION_RULE_VARIABLE, "").strip()
    role_name = os.environ.get(MEMBER_ROLE_VARIABLE, "").strip()
    if not ROLE_NAME.match(role_name):
        raise TriggerError(f"environment variable {MEMBER_ROLE_VARIABLE} is missing or not a role name")
    account = change["account"]
    if not ACCOUNT_ID.match(account):
        raise TriggerError(f"event.account {account!r:.40} is not an account id")
    rule_name = member_rule_name(factory("config"), organization_rule, account)
    role_arn = f"arn:{_partition(context)}:iam::{account}:role/{role_name}"
    try:
        credentials = factory("sts").assume_role(
            RoleArn=role_arn, RoleSessionName="rootkeys-reevaluate", DurationSeconds=900
        )["Credentials"]
    except (ClientError, BotoCoreError) as error:
        raise TriggerError(_failure(f"sts:AssumeRole {role_arn}", error)) from error
    start_evaluation(factory("config", credentials), rule_name)
    return rule_name


def lambda_handler(
    event: dict[str, Any], context: object, config: Any = None, factory: Any = make_client
) -> dict[str, str]:
    change = parse_root_key_event(event)
    if os.environ.get(ORGANIZATION_RULE_VARIABLE, "").strip():
        rule_name = _start_in_member(change, context, factory)
    else:
        rule_name = os.environ.get(RULE_NAME_VARIABLE, "").strip()
        if not rule_name:
            raise TriggerError(
                f"environment variable {RULE_NAME_VARIABLE} (or {ORGANIZATION_RULE_VARIABLE}) is not set"
            )
        own_account = _own_account(context)
        if own_account is not None and own_account != change["account"]:
            raise TriggerError(
                f"event from account {change['account']} reached the function in account {own_account}: "
                "this trigger re-evaluates only its own account's rule"
            )
        start_evaluation(config or factory("config"), rule_name)
    result = {"rule": rule_name, **change}
    LOGGER.info(json.dumps({"message": "re-evaluation started", **result}, sort_keys=True))
    return result
