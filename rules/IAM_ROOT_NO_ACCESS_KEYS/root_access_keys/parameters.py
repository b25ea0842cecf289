"""Validate the rule parameters AWS Config passes (all strings) into typed settings."""

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import InvalidRuleParameterError
from .spec import PARAMETERS_BY_NAME, ParameterSpec


@dataclass(frozen=True)
class RuleParameters:
    ignore_inactive_keys: bool = False
    include_signing_certificates: bool = False
    assume_role_mode: bool = False
    execution_role_name: str | None = None
    execution_role_region: str | None = None
    security_hub_findings: bool = False


def _check_value(spec: ParameterSpec, value: object) -> str | None:
    if not isinstance(value, str):
        raise InvalidRuleParameterError(
            f"Rule parameter {spec.name} must be a string, got {type(value).__name__}"
        )
    if spec.allowed is not None:
        normalized = value.strip().lower()
        if normalized not in spec.allowed:
            allowed = " or ".join(f'"{choice}"' for choice in spec.allowed)
            raise InvalidRuleParameterError(
                f"Rule parameter {spec.name} must be {allowed}, got {_shorten(value)!r}"
            )
        return normalized
    stripped = value.strip()
    if not stripped:
        return None  # an optional text parameter left blank in the console means "not set"
    # ASCII: IAM names and region codes allow only ASCII letters and digits, while Python's
    # \w and \d would also match other scripts' letters and digits.
    if spec.pattern is not None and not re.fullmatch(spec.pattern, stripped, flags=re.ASCII):
        raise InvalidRuleParameterError(
            f"Rule parameter {spec.name} is not valid: {_shorten(value)!r} does not match {spec.pattern}"
        )
    return stripped


def _shorten(value: str, limit: int = 64) -> str:
    return value if len(value) <= limit else value[:limit] + "..."


def parse_rule_parameters(raw: Mapping[str, object]) -> RuleParameters:
    """Reject unknown names and values outside their allowed set; fill in defaults."""
    unknown = sorted(str(name) for name in raw if name not in PARAMETERS_BY_NAME)
    if unknown:
        known = ", ".join(PARAMETERS_BY_NAME)
        shown = ", ".join(_shorten(name) for name in unknown[:5])
        raise InvalidRuleParameterError(f"Unknown rule parameter(s): {shown}. Known parameters: {known}")

    values = {name: _check_value(PARAMETERS_BY_NAME[name], value) for name, value in raw.items()}
    role_name = values.get("ExecutionRoleName")
    assume_role = values.get("AssumeRoleMode")
    return RuleParameters(
        ignore_inactive_keys=values.get("IgnoreInactiveKeys") == "true",
        include_signing_certificates=values.get("IncludeSigningCertificates") == "true",
        # Naming a role to assume implies assuming it, unless the operator said "false".
        assume_role_mode=assume_role == "true" or (assume_role is None and role_name is not None),
        execution_role_name=role_name,
        execution_role_region=values.get("ExecutionRoleRegion"),
        security_hub_findings=values.get("SecurityHubFindings") == "true",
    )
