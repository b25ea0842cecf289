"""spec.py is the single source of the rule's identity and parameters: parameters.json must agree."""

import json
import re
from pathlib import Path

import pytest
from conftest import RULE_DIR
from root_access_keys import spec
from root_access_keys.parameters import parse_rule_parameters

PARAMETERS_JSON = json.loads((RULE_DIR / "parameters.json").read_text())["Parameters"]


def test_rule_folder_handler_and_name_agree():
    assert RULE_DIR.name == spec.RULE_NAME == PARAMETERS_JSON["RuleName"]
    handler = Path(RULE_DIR, f"{spec.RULE_NAME}.py")
    assert "def lambda_handler(event" in handler.read_text()
    assert Path(RULE_DIR, f"{spec.RULE_NAME}_test.py").is_file()


def test_rdk_parameters_describe_a_periodic_python312_detective_rule():
    assert PARAMETERS_JSON["SourceRuntime"] == spec.SOURCE_RUNTIME == "python3.12-lib"
    assert PARAMETERS_JSON["SourcePeriodic"] == spec.DEFAULT_FREQUENCY == "TwentyFour_Hours"
    assert spec.DEFAULT_FREQUENCY in spec.FREQUENCIES
    assert PARAMETERS_JSON["EvaluationMode"] == "DETECTIVE"
    assert PARAMETERS_JSON["Description"] == spec.DESCRIPTION
    assert len(spec.DESCRIPTION) <= 256  # PutConfigRule's limit
    # A periodic rule has no scope: PutConfigRule rejects one.
    assert not {"SourceEvents", "Scope", "ResourceTypes"} & set(PARAMETERS_JSON)


def test_input_parameters_are_the_spec_defaults():
    assert json.loads(PARAMETERS_JSON["InputParameters"]) == spec.default_input_parameters()
    assert spec.default_input_parameters()["IgnoreInactiveKeys"] == "false"
    assert spec.default_input_parameters()["IncludeSigningCertificates"] == "false"
    assert spec.default_input_parameters()["AssumeRoleMode"] == "false"


def test_optional_parameters_are_the_spec_parameters_without_defaults():
    optional = json.loads(PARAMETERS_JSON["OptionalParameters"])
    assert set(optional) == {p.name for p in spec.PARAMETERS if not p.in_input_parameters}
    assert {"ExecutionRoleName", "ExecutionRoleRegion"} <= set(optional)


def test_everything_parameters_json_lists_is_accepted_by_the_rule():
    listed = {
        **json.loads(PARAMETERS_JSON["InputParameters"]),
        **json.loads(PARAMETERS_JSON["OptionalParameters"]),
    }
    parse_rule_parameters(listed)


@pytest.mark.parametrize("parameter", spec.PARAMETERS, ids=lambda p: p.name)
def test_each_parameter_is_documented_and_self_consistent(parameter):
    assert len(parameter.description) > 20
    assert re.fullmatch(r"[A-Z][A-Za-z]+", parameter.name)
    if parameter.allowed is not None:
        assert parameter.default in parameter.allowed
    if parameter.pattern is not None:
        re.compile(parameter.pattern)
    if parameter.default is not None:
        parse_rule_parameters({parameter.name: parameter.default})


def test_parameter_names_are_unique_and_indexed():
    names = [p.name for p in spec.PARAMETERS]
    assert len(names) == len(set(names)) == len(spec.PARAMETERS_BY_NAME)


def test_resource_type_is_the_account():
    assert spec.RESOURCE_TYPE == "AWS::::Account"
    assert spec.LAMBDA_RUNTIME == "python3.12"
