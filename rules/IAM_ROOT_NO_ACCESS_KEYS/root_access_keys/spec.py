"""The rule's identity and parameters: the single source the code, templates, docs and tests read.

`RuleParameters` is the parameter table: each field is one rule parameter, declared with its
AWS Config name, kind, default, allowed values and description. `PARAMETERS` is derived from
it, so adding a parameter is one field here plus its documentation; tests prove that the
templates, both parameters.json files, the README and the CLI flags follow this table.
"""

from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from typing import Any

RULE_NAME = "IAM_ROOT_NO_ACCESS_KEYS"
RESOURCE_TYPE = "AWS::::Account"
SOURCE_RUNTIME = "python3.12-lib"
LAMBDA_RUNTIME = "python3.12"
DEFAULT_FREQUENCY = "TwentyFour_Hours"
FREQUENCIES = ("One_Hour", "Three_Hours", "Six_Hours", "Twelve_Hours", "TwentyFour_Hours")
# AWS Config accepts at most 256 characters of rule description.
DESCRIPTION = (
    "Checks that the AWS account root user has no access keys (CIS AWS Foundations 1.4, "
    "Security Hub IAM.4), from the live IAM account summary and, when a key exists, "
    "the credential report (active or inactive, last use)."
)

BOOLEAN_VALUES = ("true", "false")
_SPEC = "rootkeys.parameter"


class Kind(StrEnum):
    BOOLEAN = "boolean"  # "true" / "false"
    CHOICE = "choice"  # one of `allowed`
    TEXT = "text"  # free text matching `pattern`; blank means unset


@dataclass(frozen=True)
class ParameterSpec:
    """One rule parameter as AWS Config passes it: a string."""

    name: str
    kind: Kind
    description: str
    default: str | None
    allowed: tuple[str, ...] | None = None
    pattern: str | None = None
    # Listed in parameters.json InputParameters (the defaults an operator sees).
    in_input_parameters: bool = True
    # Fixed by each template for its deployment rather than offered as a template parameter.
    set_by_template: bool = False
    # The `rootkeys audit` / `org-audit` option that sets it (parameters that shape the verdict).
    cli_flag: str | None = None
    cli_help: str | None = None
    attribute: str = ""  # the RuleParameters field, filled in from the table

    def typed(self, value: str | None) -> Any:
        """The Python value of a validated (normalized) string value."""
        if self.kind is Kind.BOOLEAN:
            return value == "true"
        return value


def _parameter(name: str, kind: Kind, description: str, default: str | None = None, **options: Any) -> Any:
    allowed = BOOLEAN_VALUES if kind is Kind.BOOLEAN else options.pop("allowed", None)
    spec = ParameterSpec(name, kind, description, default, allowed=allowed, **options)
    return field(default=spec.typed(default), metadata={_SPEC: spec})


@dataclass(frozen=True)
class RuleParameters:
    """The validated rule parameters; each field's metadata is its ParameterSpec."""

    ignore_inactive_keys: bool = _parameter(
        "IgnoreInactiveKeys",
        Kind.BOOLEAN,
        '"true" treats an account whose root keys are all inactive as COMPLIANT. '
        'Default "false": CIS counts any existing key, active or not.',
        "false",
        cli_flag="--ignore-inactive-keys",
        cli_help="accept root keys that are all inactive (rule parameter IgnoreInactiveKeys)",
    )
    include_signing_certificates: bool = _parameter(
        "IncludeSigningCertificates",
        Kind.BOOLEAN,
        '"true" also makes root X.509 signing certificates NON_COMPLIANT '
        "(AccountSigningCertificatesPresent).",
        "false",
        cli_flag="--include-signing-certificates",
        cli_help="also fail on root X.509 signing certificates (IncludeSigningCertificates)",
    )
    assume_role_mode: bool = _parameter(
        "AssumeRoleMode",
        Kind.BOOLEAN,
        '"false" (default) uses the Lambda function\'s own role: single-account deployments. '
        '"true" assumes a role in the evaluated account (ExecutionRoleName, or the event\'s '
        "executionRoleArn): organization deployments.",
        "false",
        set_by_template=True,
    )
    execution_role_name: str | None = _parameter(
        "ExecutionRoleName",
        Kind.TEXT,
        "Name (optionally with path) of the role to assume in each evaluated account. "
        'Setting it implies AssumeRoleMode "true" unless AssumeRoleMode says otherwise.',
        pattern=r"^(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}$",
        in_input_parameters=False,
    )
    execution_role_region: str | None = _parameter(
        "ExecutionRoleRegion",
        Kind.TEXT,
        "Region for STS and IAM calls when assuming the execution role (default: the rule's).",
        pattern=r"^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$",
        in_input_parameters=False,
    )
    root_without_credentials: str = _parameter(
        "RootWithoutCredentials",
        Kind.CHOICE,
        "What to record when the root user has no credentials at all (no access key, password, MFA "
        'or signing certificate, e.g. after centralized root access removed them): "COMPLIANT" '
        '(default) or "NOT_APPLICABLE", which AWS\'s managed iam-root-access-key-check records.',
        "COMPLIANT",
        allowed=("COMPLIANT", "NOT_APPLICABLE"),
        cli_flag="--root-without-credentials",
        cli_help="what to report when the root user has no credentials at all (RootWithoutCredentials)",
    )
    security_hub_findings: bool = _parameter(
        "SecurityHubFindings",
        Kind.BOOLEAN,
        '"true" also upserts one Security Hub finding per account (BatchImportFindings, '
        "default product) after the evaluation is recorded; its failure never affects the "
        'evaluation. Needs securityhub:BatchImportFindings. Default "false".',
        "false",
    )


PARAMETERS: tuple[ParameterSpec, ...] = tuple(
    replace(item.metadata[_SPEC], attribute=item.name) for item in fields(RuleParameters)
)
PARAMETERS_BY_NAME = {spec.name: spec for spec in PARAMETERS}


def operator_options() -> tuple[ParameterSpec, ...]:
    """The parameters every template offers an operator, with the spec's values and default."""
    return tuple(
        spec
        for spec in PARAMETERS
        if spec.kind is not Kind.TEXT and spec.in_input_parameters and not spec.set_by_template
    )


def default_input_parameters() -> dict[str, str]:
    """The InputParameters a fresh deployment starts from."""
    return {
        spec.name: spec.default
        for spec in PARAMETERS
        if spec.in_input_parameters and spec.default is not None
    }
