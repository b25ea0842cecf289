"""Parse and validate the event AWS Config sends a periodic custom rule."""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from .arns import Arn, parse_arn
from .errors import InvalidEventError, InvalidRuleParameterError, RuleError
from .times import parse_iso8601

SCHEDULED_NOTIFICATION = "ScheduledNotification"
TEST_MODE_RESULT_TOKEN = "TESTMODE"  # noqa: S105 - a protocol constant, not a secret
ACCOUNT_ID_PATTERN = re.compile(r"^\d{12}$")
MAX_FIELD_LENGTH = 8192


@dataclass(frozen=True)
class ScheduledEvent:
    account_id: str
    notification_time: str  # verbatim: PutEvaluations' OrderingTimestamp
    result_token: str
    partition: str
    rule_region: str | None
    rule_name: str | None
    config_rule_arn: str | None
    execution_role_arn: str | None
    rule_parameters: Mapping[str, object]

    @property
    def test_mode(self) -> bool:
        return self.result_token == TEST_MODE_RESULT_TOKEN


def _field(event: Mapping[str, object], name: str, *, required: bool = True) -> str | None:
    value = event.get(name)
    if value is None:
        if required:
            raise InvalidEventError(f"Config event is missing {name}")
        return None
    if not isinstance(value, str):
        raise InvalidEventError(f"Config event field {name} must be a string, got {type(value).__name__}")
    if len(value) > MAX_FIELD_LENGTH:
        raise InvalidEventError(f"Config event field {name} is longer than {MAX_FIELD_LENGTH} characters")
    return value


class _DuplicateKeyError(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """json.loads keeps the last of repeated keys; a rule must not guess which one was meant."""
    decoded: dict[str, object] = {}
    for key, value in pairs:
        if key in decoded:
            raise _DuplicateKeyError(key)
        decoded[key] = value
    return decoded


def _json_object(
    text: str, name: str, duplicate_error: type[RuleError] = InvalidEventError
) -> dict[str, object]:
    try:
        decoded = json.loads(text, object_pairs_hook=_unique_keys)
    except _DuplicateKeyError as duplicate:
        raise duplicate_error(f"Config event field {name} repeats the key {str(duplicate)[:64]!r}") from None
    # ValueError beyond JSONDecodeError: a number longer than Python's int digit limit.
    except (ValueError, RecursionError) as invalid:
        raise InvalidEventError(f"Config event field {name} is not valid JSON: {invalid}") from None
    if not isinstance(decoded, dict):
        raise InvalidEventError(f"Config event field {name} must be a JSON object")
    return decoded


def _parse_arn(value: str, name: str) -> Arn:
    arn = parse_arn(value)
    if arn is None:
        raise InvalidEventError(f"Config event field {name} is not an ARN: {value[:80]!r}")
    return arn


def _check_timestamp(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidEventError("invokingEvent.notificationCreationTime must be a non-empty string")
    try:
        parse_iso8601(value)
    except ValueError:
        raise InvalidEventError(
            f"invokingEvent.notificationCreationTime is not an ISO 8601 time: {value[:40]!r}"
        ) from None
    return value


def parse_scheduled_event(event: object) -> ScheduledEvent:
    """Return the fields this rule uses, or raise InvalidEventError naming what is wrong."""
    if not isinstance(event, Mapping):
        raise InvalidEventError(f"Config event must be a JSON object, got {type(event).__name__}")

    invoking = _json_object(_field(event, "invokingEvent") or "", "invokingEvent")
    message_type = invoking.get("messageType")
    if message_type != SCHEDULED_NOTIFICATION:
        raise InvalidEventError(
            f"This rule is periodic and handles only {SCHEDULED_NOTIFICATION} events, "
            f"got messageType {str(message_type)[:60]!r}"
        )
    notification_time = _check_timestamp(invoking.get("notificationCreationTime"))

    account_id = _field(event, "accountId") or ""
    if not ACCOUNT_ID_PATTERN.match(account_id):
        raise InvalidEventError(f"Config event accountId is not a 12-digit account id: {account_id[:40]!r}")
    invoking_account = invoking.get("awsAccountId")
    if invoking_account is not None and invoking_account != account_id:
        raise InvalidEventError(
            f"Config event accountId {account_id} differs from invokingEvent.awsAccountId "
            f"{str(invoking_account)[:40]!r}"
        )

    result_token = _field(event, "resultToken") or ""
    if not result_token:
        raise InvalidEventError("Config event resultToken is empty")

    raw_parameters = _field(event, "ruleParameters", required=False)
    rule_parameters = (
        _json_object(raw_parameters, "ruleParameters", InvalidRuleParameterError) if raw_parameters else {}
    )

    rule_arn = _field(event, "configRuleArn", required=False)
    role_arn = _field(event, "executionRoleArn", required=False)
    partitions = {}
    rule_region = None
    if rule_arn:
        arn = _parse_arn(rule_arn, "configRuleArn")
        partitions["configRuleArn"] = arn.partition
        rule_region = arn.region or None
    if role_arn:
        partitions["executionRoleArn"] = _parse_arn(role_arn, "executionRoleArn").partition
    if len(set(partitions.values())) > 1:
        raise InvalidEventError(f"Config event ARNs name different partitions: {partitions}")

    return ScheduledEvent(
        account_id=account_id,
        notification_time=notification_time,
        result_token=result_token,
        partition=next(iter(partitions.values()), "aws"),
        rule_region=rule_region,
        rule_name=_field(event, "configRuleName", required=False),
        config_rule_arn=rule_arn,
        execution_role_arn=role_arn,
        rule_parameters=rule_parameters,
    )
