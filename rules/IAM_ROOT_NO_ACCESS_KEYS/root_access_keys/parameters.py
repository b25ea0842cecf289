"""Validate the rule parameters AWS Config passes (all strings) into RuleParameters (spec.py)."""

import re
from collections.abc import Mapping

from .errors import InvalidRuleParameterError
from .spec import PARAMETERS_BY_NAME, ParameterSpec, RuleParameters

__all__ = ["RuleParameters", "parse_rule_parameters"]


def _shorten(value: str, limit: int = 64) -> str:
    return value if len(value) <= limit else value[:limit] + "..."


def _normalized(spec: ParameterSpec, value: object) -> str | None:
    if not isinstance(value, str):
        raise InvalidRuleParameterError(
            f"Rule parameter {spec.name} must be a string, got {type(value).__name__}"
        )
    stripped = value.strip()
    if spec.allowed is not None:
        # Matched without case and surrounding whitespace, as the README says.
        for choice in spec.allowed:
            if stripped.lower() == choice.lower():
                return choice
        allowed = " or ".join(f'"{choice}"' for choice in spec.allowed)
        raise InvalidRuleParameterError(
            f"Rule parameter {spec.name} must be {allowed}, got {_shorten(value)!r}"
        )
    if not stripped:
        return None  # an optional text parameter left blank in the console means "not set"
    # ASCII: IAM names and region codes allow only ASCII letters and digits, while Python's
    # \w and \d would also match other scripts' letters and digits.
    if spec.pattern is not None and not re.fullmatch(spec.pattern, stripped, flags=re.ASCII):
        raise InvalidRuleParameterError(
            f"Rule parameter {spec.name} is not valid: {_shorten(value)!r} does not match {spec.pattern}"
        )
    return stripped


def parse_rule_parameters(raw: Mapping[str, object]) -> RuleParameters:
    """Reject unknown names and values outside their allowed set; fill in defaults."""
    unknown = sorted(str(name) for name in raw if name not in PARAMETERS_BY_NAME)
    if unknown:
        known = ", ".join(PARAMETERS_BY_NAME)
        shown = ", ".join(_shorten(name) for name in unknown[:5])
        raise InvalidRuleParameterError(f"Unknown rule parameter(s): {shown}. Known parameters: {known}")

    values = {name: _normalized(PARAMETERS_BY_NAME[name], value) for name, value in raw.items()}
    typed = {
        PARAMETERS_BY_NAME[name].attribute: PARAMETERS_BY_NAME[name].typed(value)
        for name, value in values.items()
        if value is not None
    }
    # Naming a role to assume implies assuming it, unless the operator said "false".
    if values.get("AssumeRoleMode") is None and values.get("ExecutionRoleName") is not None:
        typed["assume_role_mode"] = True
    return RuleParameters(**typed)
