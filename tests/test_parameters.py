"""Rule parameters as AWS Config passes them (strings): defaults, accepted values, clear rejections."""

import re

import pytest
from root_access_keys.errors import InvalidRuleParameterError
from root_access_keys.parameters import RuleParameters, parse_rule_parameters
from root_access_keys.spec import BOOLEAN_VALUES, PARAMETERS, default_input_parameters


def _attribute(name: str) -> str:
    """IgnoreInactiveKeys -> ignore_inactive_keys (the RuleParameters field)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


# Every "true"/"false" parameter the spec declares, so a new one is covered without editing this file.
BOOLEAN_PARAMETERS = {
    spec.name: _attribute(spec.name) for spec in PARAMETERS if spec.allowed == BOOLEAN_VALUES
}


def test_the_boolean_parameters_of_issue_2_are_declared():
    assert {"IgnoreInactiveKeys", "IncludeSigningCertificates", "AssumeRoleMode"} <= set(BOOLEAN_PARAMETERS)
    assert all(hasattr(RuleParameters(), attribute) for attribute in BOOLEAN_PARAMETERS.values())


def test_no_parameters_give_the_cis_defaults():
    parameters = parse_rule_parameters({})
    assert parameters == RuleParameters(
        ignore_inactive_keys=False,
        include_signing_certificates=False,
        assume_role_mode=False,
        execution_role_name=None,
        execution_role_region=None,
    )


def test_the_deployed_defaults_parse_to_the_same_settings():
    assert parse_rule_parameters(default_input_parameters()) == parse_rule_parameters({})


@pytest.mark.parametrize("name", BOOLEAN_PARAMETERS)
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        ("True", True),
        (" true ", True),
        (" TRUE\n", True),
        ("\tfalse", False),
        ("false", False),
        ("FALSE", False),
    ],
)
def test_boolean_parameters_accept_any_case_and_surrounding_whitespace_as_the_readme_says(
    name, value, expected
):
    parameters = parse_rule_parameters({name: value})
    assert getattr(parameters, BOOLEAN_PARAMETERS[name]) is expected


@pytest.mark.parametrize("name", BOOLEAN_PARAMETERS)
@pytest.mark.parametrize("value", ["yes", "1", "", "tru", "false!", "on", "t"])
def test_boolean_parameters_reject_other_values_naming_parameter_and_choices(name, value):
    with pytest.raises(InvalidRuleParameterError) as raised:
        parse_rule_parameters({name: value})
    message = str(raised.value)
    assert name in message
    assert '"true" or "false"' in message
    assert repr(value) in message


@pytest.mark.parametrize("value", [True, 1, None, ["true"], {"v": "true"}])
def test_non_string_values_are_rejected_naming_the_parameter(value):
    with pytest.raises(InvalidRuleParameterError) as raised:
        parse_rule_parameters({"IgnoreInactiveKeys": value})
    assert "IgnoreInactiveKeys must be a string" in str(raised.value)
    assert type(value).__name__ in str(raised.value)


@pytest.mark.parametrize("name", ["ignoreInactiveKeys", "IgnoreInactiveKey", "MaxKeyAge", ""])
def test_unknown_parameter_names_are_rejected_listing_the_known_ones(name):
    with pytest.raises(InvalidRuleParameterError) as raised:
        parse_rule_parameters({"IgnoreInactiveKeys": "true", name: "true"})
    message = str(raised.value)
    assert "Unknown rule parameter" in message
    assert name in message
    for known in ("IgnoreInactiveKeys", "IncludeSigningCertificates", "AssumeRoleMode", "ExecutionRoleName"):
        assert known in message


def test_long_unknown_names_are_shortened_in_the_message():
    with pytest.raises(InvalidRuleParameterError) as raised:
        parse_rule_parameters({"X" * 5000: "true"})
    assert len(str(raised.value)) < 400


@pytest.mark.parametrize("role", ["RootKeysAudit", "service-role/config/RootKeysAudit", "a+b=c,d.e@f-g_h"])
def test_execution_role_name_accepted_and_implies_assume_role_mode(role):
    parameters = parse_rule_parameters({"ExecutionRoleName": role})
    assert parameters.execution_role_name == role
    assert parameters.assume_role_mode is True


def test_execution_role_name_with_assume_role_mode_false_keeps_own_role():
    parameters = parse_rule_parameters({"ExecutionRoleName": "RootKeysAudit", "AssumeRoleMode": "false"})
    assert parameters.assume_role_mode is False
    assert parameters.execution_role_name == "RootKeysAudit"


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_optional_text_parameters_mean_not_set(blank):
    parameters = parse_rule_parameters({"ExecutionRoleName": blank, "ExecutionRoleRegion": blank})
    assert parameters.execution_role_name is None
    assert parameters.execution_role_region is None
    assert parameters.assume_role_mode is False


@pytest.mark.parametrize(
    "role",
    [
        "arn:aws:iam::123456789012:role/RootKeysAudit",  # an ARN, not a name
        "role name",
        "x" * 65,
        "path//name",
        "name/",
        "röle",
    ],
)
def test_invalid_execution_role_names_are_rejected(role):
    with pytest.raises(InvalidRuleParameterError) as raised:
        parse_rule_parameters({"ExecutionRoleName": role})
    assert "ExecutionRoleName is not valid" in str(raised.value)


@pytest.mark.parametrize(
    "region", ["us-east-1", "eu-central-2", "us-gov-west-1", "cn-north-1", "ap-southeast-5"]
)
def test_execution_role_region_accepts_regions_of_every_partition(region):
    assert parse_rule_parameters({"ExecutionRoleRegion": f" {region} "}).execution_role_region == region


@pytest.mark.parametrize(
    "region", ["US-EAST-1", "us-east", "useast1", "us-east-1a", "global", "us_east_1", "us-east-\u0661"]
)
def test_execution_role_region_rejects_non_regions(region):
    with pytest.raises(InvalidRuleParameterError) as raised:
        parse_rule_parameters({"ExecutionRoleRegion": region})
    assert "ExecutionRoleRegion is not valid" in str(raised.value)
    assert region in str(raised.value)


def test_every_parameter_together():
    parameters = parse_rule_parameters(
        {
            "IgnoreInactiveKeys": "True",
            "IncludeSigningCertificates": "TRUE",
            "AssumeRoleMode": "true",
            "ExecutionRoleName": "RootKeysAudit",
            "ExecutionRoleRegion": "eu-west-1",
        }
    )
    assert parameters == RuleParameters(True, True, True, "RootKeysAudit", "eu-west-1")


def test_the_readme_says_that_case_and_surrounding_whitespace_are_accepted():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert "matched without regard to case or surrounding whitespace" in readme


@pytest.mark.parametrize("value", [" not_applicable ", "Not_Applicable", "NOT_APPLICABLE\n"])
def test_choice_parameters_normalise_to_the_documented_spelling(value):
    assert (
        parse_rule_parameters({"RootWithoutCredentials": value}).root_without_credentials == "NOT_APPLICABLE"
    )
