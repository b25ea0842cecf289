"""Parsing the periodic event AWS Config sends: every malformed shape is a clear InvalidEventError."""

import json

import pytest
from conftest import make_event
from root_access_keys.config_event import parse_scheduled_event
from root_access_keys.errors import InvalidEventError, InvalidRuleParameterError


def with_invoking(**changes):
    event = make_event()
    invoking = json.loads(event["invokingEvent"])
    invoking.update(changes)
    event["invokingEvent"] = json.dumps({k: v for k, v in invoking.items() if v is not None})
    return event


def test_a_real_scheduled_event_is_read():
    event = make_event(rule_parameters={"IgnoreInactiveKeys": "true"}, result_token="token-abc")
    parsed = parse_scheduled_event(event)
    assert parsed.account_id == "123456789012"
    assert parsed.notification_time == "2026-11-28T10:00:00.000Z"
    assert parsed.result_token == "token-abc"
    assert parsed.test_mode is False
    assert parsed.partition == "aws"
    assert parsed.rule_region == "us-east-1"
    assert parsed.rule_name == "IAM_ROOT_NO_ACCESS_KEYS"
    assert parsed.config_rule_arn.endswith(":config-rule/config-rule-abc123")
    assert parsed.execution_role_arn == "arn:aws:iam::123456789012:role/config-role"
    assert parsed.rule_parameters == {"IgnoreInactiveKeys": "true"}


def test_testmode_token_means_test_mode():
    assert parse_scheduled_event(make_event(result_token="TESTMODE")).test_mode is True


@pytest.mark.parametrize(
    ("partition", "region"),
    [("aws", "eu-west-1"), ("aws-cn", "cn-north-1"), ("aws-us-gov", "us-gov-west-1")],
)
def test_partition_and_region_come_from_the_event_arns(partition, region):
    parsed = parse_scheduled_event(make_event(partition=partition, region=region))
    assert parsed.partition == partition
    assert parsed.rule_region == region
    # The root ARN the rule expects in the credential report is built from this partition.
    assert (
        f"arn:{parsed.partition}:iam::{parsed.account_id}:root" == f"arn:{partition}:iam::123456789012:root"
    )


def test_partition_from_the_role_arn_alone():
    event = make_event(partition="aws-us-gov")
    del event["configRuleArn"]
    parsed = parse_scheduled_event(event)
    assert parsed.partition == "aws-us-gov"
    assert parsed.rule_region is None


def test_arns_naming_different_partitions_are_rejected():
    event = make_event(partition="aws-cn", region="cn-north-1")
    event["executionRoleArn"] = "arn:aws:iam::123456789012:role/config-role"
    with pytest.raises(InvalidEventError, match="different partitions"):
        parse_scheduled_event(event)


@pytest.mark.parametrize("field", ["configRuleArn", "executionRoleArn"])
@pytest.mark.parametrize("value", ["not-an-arn", "arn:aws-moon:iam::123456789012:role/x", "arn:aws:iam"])
def test_malformed_arns_are_rejected(field, value):
    event = make_event()
    event[field] = value
    with pytest.raises(InvalidEventError, match=f"{field} is not an ARN"):
        parse_scheduled_event(event)


@pytest.mark.parametrize("invoking", ["{not json", "", "[]", '"text"', "null", "[1, 2"])
def test_invoking_event_that_is_not_a_json_object(invoking):
    event = make_event()
    event["invokingEvent"] = invoking
    with pytest.raises(InvalidEventError, match="invokingEvent"):
        parse_scheduled_event(event)


@pytest.mark.parametrize("field", ["invokingEvent", "ruleParameters"])
def test_number_beyond_pythons_digit_limit_is_a_clear_error(field):
    event = make_event()
    event[field] = '{"awsAccountId": ' + "9" * 5000 + "}"
    with pytest.raises(InvalidEventError, match=f"{field} is not valid JSON"):
        parse_scheduled_event(event)


def test_deeply_nested_invoking_event_is_a_clear_error():
    event = make_event()
    event["invokingEvent"] = "[" * 5000 + "]" * 5000
    with pytest.raises(InvalidEventError, match="invokingEvent"):
        parse_scheduled_event(event)


@pytest.mark.parametrize(
    "message_type",
    ["ConfigurationItemChangeNotification", "OversizedConfigurationItemChangeNotification", None, 7],
)
def test_non_scheduled_message_types_are_rejected(message_type):
    event = with_invoking(messageType=message_type)
    with pytest.raises(InvalidEventError, match="handles only ScheduledNotification events"):
        parse_scheduled_event(event)


def test_missing_account_id():
    event = make_event()
    del event["accountId"]
    with pytest.raises(InvalidEventError, match="missing accountId"):
        parse_scheduled_event(event)


@pytest.mark.parametrize("account_id", ["12345678901", "1234567890123", "12345678901a", "", 123456789012])
def test_malformed_account_id(account_id):
    event = make_event()
    event["accountId"] = account_id
    with pytest.raises(InvalidEventError, match="accountId"):
        parse_scheduled_event(event)


def test_account_id_must_match_the_invoking_event():
    event = with_invoking(awsAccountId="210987654321")
    with pytest.raises(InvalidEventError, match=r"differs from invokingEvent\.awsAccountId '210987654321'"):
        parse_scheduled_event(event)


@pytest.mark.parametrize("timestamp", ["yesterday", "2026-13-28T10:00:00Z", "", 1764324000, None])
def test_bad_notification_time(timestamp):
    event = with_invoking(notificationCreationTime=timestamp)
    with pytest.raises(InvalidEventError, match="notificationCreationTime"):
        parse_scheduled_event(event)


def test_notification_time_is_kept_verbatim_for_ordering():
    event = with_invoking(notificationCreationTime="2026-11-28T10:00:00.123456Z")
    assert parse_scheduled_event(event).notification_time == "2026-11-28T10:00:00.123456Z"


@pytest.mark.parametrize("token", ["", None])
def test_result_token_is_required(token):
    event = make_event()
    event["resultToken"] = token
    with pytest.raises(InvalidEventError, match="resultToken"):
        parse_scheduled_event(event)


@pytest.mark.parametrize("parameters", ["{bad", "[]", '"IgnoreInactiveKeys"'])
def test_rule_parameters_must_be_a_json_object(parameters):
    event = make_event()
    event["ruleParameters"] = parameters
    with pytest.raises(InvalidEventError, match="ruleParameters"):
        parse_scheduled_event(event)


@pytest.mark.parametrize("parameters", [None, ""])
def test_absent_rule_parameters_mean_none(parameters):
    event = make_event()
    event["ruleParameters"] = parameters
    assert parse_scheduled_event(event).rule_parameters == {}


def test_fields_must_be_strings_and_bounded():
    event = make_event()
    event["invokingEvent"] = json.loads(event["invokingEvent"])  # an object, not a JSON string
    with pytest.raises(InvalidEventError, match="invokingEvent must be a string, got dict"):
        parse_scheduled_event(event)
    event = make_event()
    event["configRuleName"] = "x" * 10_000
    with pytest.raises(InvalidEventError, match="longer than"):
        parse_scheduled_event(event)


@pytest.mark.parametrize("event", [None, "{}", ["invokingEvent"], 3])
def test_event_must_be_an_object(event):
    with pytest.raises(InvalidEventError, match="must be a JSON object"):
        parse_scheduled_event(event)


@pytest.mark.parametrize(
    "raw",
    [
        '{"IgnoreInactiveKeys":"false","IgnoreInactiveKeys":"true"}',
        '{"IgnoreInactiveKeys":"true","IncludeSigningCertificates":"false","IgnoreInactiveKeys":"true"}',
    ],
)
def test_rule_parameters_that_repeat_a_key_are_rejected(raw):
    event = make_event()
    event["ruleParameters"] = raw
    with pytest.raises(InvalidRuleParameterError, match="repeats the key 'IgnoreInactiveKeys'"):
        parse_scheduled_event(event)


def test_an_invoking_event_that_repeats_a_key_is_rejected():
    event = make_event()
    event["invokingEvent"] = event["invokingEvent"][:-1] + ', "messageType": "ScheduledNotification"}'
    with pytest.raises(InvalidEventError, match="repeats the key 'messageType'"):
        parse_scheduled_event(event)
