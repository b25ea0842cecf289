"""The rule parameters as command-line options: one option per parameter that shapes the verdict
(spec.py's cli_flag), validated by the same parser as the values AWS Config passes."""

import argparse

from root_access_keys.parameters import parse_rule_parameters
from root_access_keys.spec import PARAMETERS, Kind, ParameterSpec, RuleParameters

CLI_PARAMETERS = tuple(spec for spec in PARAMETERS if spec.cli_flag)


def add_rule_parameter_options(parser: argparse.ArgumentParser) -> None:
    for spec in CLI_PARAMETERS:
        if spec.kind is Kind.BOOLEAN:
            parser.add_argument(spec.cli_flag, dest=spec.attribute, action="store_true", help=spec.cli_help)
        else:
            parser.add_argument(
                spec.cli_flag,
                dest=spec.attribute,
                choices=spec.allowed,
                default=spec.default,
                help=f"{spec.cli_help} (default {spec.default})",
            )


def _option_value(spec: ParameterSpec, value: object) -> str:
    if spec.kind is Kind.BOOLEAN:
        return "true" if value else "false"
    return str(value)


def rule_parameters(args: argparse.Namespace) -> RuleParameters:
    """The options as rule parameters, through the same validation AWS Config's values take."""
    return parse_rule_parameters(
        {spec.name: _option_value(spec, getattr(args, spec.attribute)) for spec in CLI_PARAMETERS}
    )


def parameters_json(parameters: RuleParameters) -> dict[str, str]:
    """The verdict-shaping parameters by their rule names, as strings (for outputs and plans)."""
    return {spec.name: _option_value(spec, getattr(parameters, spec.attribute)) for spec in CLI_PARAMETERS}
