"""The rule's identity and parameters: the single source the templates, docs and tests read."""

from dataclasses import dataclass

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


@dataclass(frozen=True)
class ParameterSpec:
    """One rule parameter as AWS Config passes it: a string."""

    name: str
    description: str
    default: str | None
    allowed: tuple[str, ...] | None = None
    pattern: str | None = None
    # Listed in parameters.json InputParameters (the defaults an operator sees).
    in_input_parameters: bool = True


PARAMETERS: tuple[ParameterSpec, ...] = (
    ParameterSpec(
        name="IgnoreInactiveKeys",
        description=(
            '"true" treats an account whose root keys are all inactive as COMPLIANT. '
            'Default "false": CIS counts any existing key, active or not.'
        ),
        default="false",
        allowed=BOOLEAN_VALUES,
    ),
    ParameterSpec(
        name="IncludeSigningCertificates",
        description=(
            '"true" also makes root X.509 signing certificates NON_COMPLIANT '
            "(AccountSigningCertificatesPresent)."
        ),
        default="false",
        allowed=BOOLEAN_VALUES,
    ),
    ParameterSpec(
        name="AssumeRoleMode",
        description=(
            '"false" (default) uses the Lambda function\'s own role: single-account deployments. '
            '"true" assumes a role in the evaluated account (ExecutionRoleName, or the event\'s '
            "executionRoleArn): organization deployments."
        ),
        default="false",
        allowed=BOOLEAN_VALUES,
    ),
    ParameterSpec(
        name="ExecutionRoleName",
        description=(
            "Name (optionally with path) of the role to assume in each evaluated account. "
            'Setting it implies AssumeRoleMode "true" unless AssumeRoleMode says otherwise.'
        ),
        default=None,
        pattern=r"^(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}$",
        in_input_parameters=False,
    ),
    ParameterSpec(
        name="ExecutionRoleRegion",
        description="Region for STS and IAM calls when assuming the execution role (default: the rule's).",
        default=None,
        pattern=r"^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$",
        in_input_parameters=False,
    ),
    ParameterSpec(
        name="SecurityHubFindings",
        description=(
            '"true" also upserts one Security Hub finding per account (BatchImportFindings, '
            "default product) after the evaluation is recorded; its failure never affects the "
            'evaluation. Needs securityhub:BatchImportFindings. Default "false".'
        ),
        default="false",
        allowed=BOOLEAN_VALUES,
    ),
)

PARAMETERS_BY_NAME = {spec.name: spec for spec in PARAMETERS}


def default_input_parameters() -> dict[str, str]:
    """The InputParameters a fresh deployment starts from."""
    return {
        spec.name: spec.default
        for spec in PARAMETERS
        if spec.in_input_parameters and spec.default is not None
    }
