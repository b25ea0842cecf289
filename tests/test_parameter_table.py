"""spec.RuleParameters is the one parameter table: everything that lists parameters follows it.

Covered elsewhere: the rule folder's parameters.json (test_spec.py) and the README table
(test_readme_parameters.py). Here: the CloudFormation templates, the top-level parameters.json,
the CLI flags, and the table's own derivation.
"""

import argparse
import json
import re
from dataclasses import fields
from pathlib import Path

import pytest
from root_access_keys import spec
from root_access_keys.parameters import parse_rule_parameters
from test_templates import load, resolve_input_parameters

from rootkeys import cli, rule_options

ROOT = Path(__file__).resolve().parent.parent
RULE_TEMPLATES = ("single-account", "org-central", "conformance-pack")


def template(name: str) -> dict:
    return load(name)


def rule_input_parameters(document: dict) -> object:
    """The rule's InputParameters as written: a mapping of !Ref, or a !Sub JSON string."""
    for resource in document["Resources"].values():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::Config::ConfigRule":
            return properties["InputParameters"]
        if resource["Type"] == "AWS::Config::OrganizationConfigRule":
            return properties["OrganizationCustomRuleMetadata"]["InputParameters"]
    raise AssertionError("no Config rule in the template")


def passes_template_parameter(written: object, name: str) -> bool:
    if isinstance(written, dict) and set(written) == {"Fn::Sub"}:
        return f'"{name}": "${{{name}}}"' in written["Fn::Sub"]
    return isinstance(written, dict) and written.get(name) == {"Ref": name}


def test_the_table_is_the_dataclass():
    assert [item.name for item in fields(spec.RuleParameters)] == [p.attribute for p in spec.PARAMETERS]
    defaults = spec.RuleParameters()
    for parameter in spec.PARAMETERS:
        assert getattr(defaults, parameter.attribute) == parameter.typed(parameter.default)
        # The snake_case field is the parameter's name: nothing to keep in step by hand.
        assert parameter.attribute == re.sub(r"(?<!^)(?=[A-Z])", "_", parameter.name).lower()


def test_parsing_fills_every_field_from_its_parameter():
    everything = {
        p.name: (p.allowed[0] if p.allowed else "x") for p in spec.PARAMETERS if p.kind is not spec.Kind.TEXT
    }
    parsed = parse_rule_parameters(everything)
    for parameter in spec.PARAMETERS:
        if parameter.name in everything:
            assert getattr(parsed, parameter.attribute) == parameter.typed(parameter.allowed[0])


@pytest.mark.parametrize("name", RULE_TEMPLATES)
@pytest.mark.parametrize("option", spec.operator_options(), ids=lambda p: p.name)
def test_each_template_offers_each_operator_option_as_the_spec_defines_it(name, option):
    document = template(name)
    declared = document["Parameters"][option.name]
    assert [str(value) for value in declared["AllowedValues"]] == list(option.allowed)
    assert str(declared["Default"]) == option.default
    written = rule_input_parameters(document)
    assert passes_template_parameter(written, option.name)
    assert resolve_input_parameters(written, document)[option.name] == option.default


@pytest.mark.parametrize("name", RULE_TEMPLATES)
def test_templates_pass_only_parameters_the_rule_knows(name):
    document = template(name)
    passed = resolve_input_parameters(rule_input_parameters(document), document)
    assert set(passed) <= set(spec.PARAMETERS_BY_NAME), set(passed) - set(spec.PARAMETERS_BY_NAME)
    parse_rule_parameters(passed)


@pytest.mark.parametrize("option", spec.operator_options(), ids=lambda p: p.name)
def test_top_level_parameters_json_carries_each_operator_option_at_its_default(option):
    configuration = json.loads((ROOT / "parameters.json").read_text())["Parameters"]
    assert configuration[option.name] == option.default


def _option_strings(parser: argparse.ArgumentParser, command: str) -> set[str]:
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {s for action in subparsers.choices[command]._actions for s in action.option_strings}


def test_cli_flags_are_the_spec_flags_and_set_their_parameter():
    parser = cli.build_parser()
    flagged = [p for p in spec.PARAMETERS if p.cli_flag]
    assert flagged, "the verdict-shaping parameters have CLI flags"
    assert {p.cli_flag for p in flagged} <= _option_strings(parser, "audit")
    for parameter in flagged:
        value = "true" if parameter.kind is spec.Kind.BOOLEAN else parameter.allowed[-1]
        argv = ["audit", parameter.cli_flag] + ([] if parameter.kind is spec.Kind.BOOLEAN else [value])
        parsed = rule_options.rule_parameters(parser.parse_args(argv))
        assert getattr(parsed, parameter.attribute) == parameter.typed(value), parameter.name
        assert rule_options.parameters_json(parsed)[parameter.name] == value
