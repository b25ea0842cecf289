"""Before auditing anything: who is calling, which organization, and is centralized root access on.

Each failed check raises PreflightError with what is missing and how to enable it; `org-audit`
then exits 2 having done nothing else.
"""

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from root_access_keys.arns import parse_arn
from root_access_keys.aws_errors import describe_failure, error_code
from root_access_keys.errors import DeadlineReachedError

IAM_SERVICE_PRINCIPAL = "iam.amazonaws.com"
ROOT_CREDENTIALS_MANAGEMENT = "RootCredentialsManagement"
FAILURES = (ClientError, BotoCoreError, DeadlineReachedError)
ENABLE_TRUSTED_ACCESS = "aws organizations enable-aws-service-access --service-principal iam.amazonaws.com"
ENABLE_ROOT_MANAGEMENT = "aws iam enable-organizations-root-credentials-management"


class PreflightError(Exception):
    """The caller or the organization is not ready for an org-wide root credential audit."""


@dataclass(frozen=True)
class Caller:
    arn: str
    account_id: str
    partition: str


@dataclass(frozen=True)
class Organization:
    organization_id: str
    management_account_id: str
    features: tuple[str, ...]


def caller_identity(sts: Any) -> Caller:
    try:
        identity = sts.get_caller_identity()
    except FAILURES as error:
        raise PreflightError(
            f"Cannot tell who is calling: {describe_failure(error, 'sts:GetCallerIdentity')}"
        ) from error
    arn = parse_arn(identity.get("Arn"))
    account = str(identity.get("Account", ""))
    if arn is None or not account.isdigit():
        raise PreflightError(
            f"sts:GetCallerIdentity returned an unexpected identity: {str(identity.get('Arn'))[:120]!r}"
        )
    return Caller(str(identity["Arn"]), account, arn.partition)


def describe_organization(organizations: Any) -> tuple[str, str]:
    """(organization id, management account id)."""
    try:
        organization = organizations.describe_organization()["Organization"]
    except FAILURES as error:
        if error_code(error) == "AWSOrganizationsNotInUseException":
            raise PreflightError(
                "The caller's account is not in an AWS Organization: org-audit needs the organization's "
                "management account or the IAM delegated administrator"
            ) from error
        raise PreflightError(describe_failure(error, "organizations:DescribeOrganization")) from error
    return str(organization["Id"]), str(organization["MasterAccountId"])


def check_trusted_access(organizations: Any) -> None:
    try:
        pages = organizations.get_paginator("list_aws_service_access_for_organization").paginate()
        principals = {
            item["ServicePrincipal"] for page in pages for item in page.get("EnabledServicePrincipals", [])
        }
    except FAILURES as error:
        raise PreflightError(
            describe_failure(error, "organizations:ListAWSServiceAccessForOrganization")
            + ": run org-audit from the management account or the IAM delegated administrator"
        ) from error
    if IAM_SERVICE_PRINCIPAL not in principals:
        raise PreflightError(
            "Trusted access for IAM is not enabled in the organization: from the management account run "
            f"`{ENABLE_TRUSTED_ACCESS}` (or enable it in the IAM console under Root access management)"
        )


def root_credentials_features(iam: Any) -> tuple[str, ...]:
    try:
        response = iam.list_organizations_features()
    except FAILURES as error:
        code = error_code(error)
        if code == "ServiceAccessNotEnabledException":
            raise PreflightError(
                f"Trusted access for IAM is not enabled in the organization: run `{ENABLE_TRUSTED_ACCESS}`"
            ) from error
        if code == "AccountNotManagementOrDelegatedAdministratorException":
            raise PreflightError(
                "The caller is neither the management account nor the IAM delegated administrator: "
                "run org-audit with credentials of one of those accounts"
            ) from error
        raise PreflightError(describe_failure(error, "iam:ListOrganizationsFeatures")) from error
    features = tuple(str(item) for item in response.get("EnabledFeatures", []))
    if ROOT_CREDENTIALS_MANAGEMENT not in features:
        raise PreflightError(
            "Centralized root access is not enabled (iam:ListOrganizationsFeatures does not list "
            f"{ROOT_CREDENTIALS_MANAGEMENT}): from the management account run `{ENABLE_ROOT_MANAGEMENT}`"
        )
    return features


def preflight(sts: Any, organizations: Any, iam: Any) -> tuple[Caller, Organization]:
    """The checks, in order; the first that fails raises PreflightError."""
    caller = caller_identity(sts)
    organization_id, management_account = describe_organization(organizations)
    check_trusted_access(organizations)
    features = root_credentials_features(iam)
    return caller, Organization(organization_id, management_account, features)
