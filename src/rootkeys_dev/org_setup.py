"""An AWS organization on a local moto server, built over HTTP, with centralized root access on.

`build_organization` asks moto's Organizations (through boto3, as the management account) for an
organization with ALL features, nested OUs, named member accounts (some not ACTIVE), trusted access
for IAM and, optionally, an IAM delegated administrator; it registers a root state without any
credential for every member (accounts created through Organizations have none) and returns an
`OrgEmulator` handle: the endpoint, the model, the management account id, the member ids, and
helpers for clients and root sessions. Used by the `org_emulator` pytest fixture.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

from .emulator import RootState
from .org_emulator import AUDIT_TASK, IAM_PRINCIPAL, OrgRootModel

REGION = "us-east-1"
# Unknown keys are served by moto for its default account, which creates the organization.
MANAGEMENT_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@dataclass(frozen=True)
class MemberSpec:
    name: str
    ou: str | None = None  # OU path under the root, e.g. "Workloads/Prod"; None: the root itself
    state: str = "ACTIVE"  # Organizations' State; SUSPENDED goes through CloseAccount


DEFAULT_MEMBERS = (
    MemberSpec("log-archive"),
    MemberSpec("security-tooling", "Security"),
    MemberSpec("prod-app", "Workloads/Prod"),
    MemberSpec("dev-app", "Workloads/Dev"),
    MemberSpec("old-sandbox", "Suspended", state="SUSPENDED"),
)


@dataclass
class OrgEmulator:
    """What a test needs to drive the emulated organization."""

    endpoint: str
    model: OrgRootModel
    organization_id: str
    root_id: str
    management_account_id: str
    member_ids: list[str]
    names: dict[str, str] = field(default_factory=dict)  # account id -> name
    ou_ids: dict[str, str] = field(default_factory=dict)  # OU path -> OU id
    region: str = REGION

    def member(self, name: str) -> str:
        return next(account for account, member_name in self.names.items() if member_name == name)

    def client(self, service: str, credentials: Mapping[str, str] | None = None, **config: Any) -> Any:
        """A boto3 client for the emulator, with the management account's credentials by default."""
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=self.region,
            config=Config(**config) if config else None,
            **dict(credentials or MANAGEMENT_CREDENTIALS),
        )

    def assume_root(
        self, account_id: str, task: str = AUDIT_TASK, duration: int = 900, sts: Any = None
    ) -> dict[str, str]:
        """Root session credentials for a member (boto3 keyword form), from AssumeRoot over HTTP."""
        sts = sts or self.client("sts")
        answer = sts.assume_root(
            TargetPrincipal=account_id,
            TaskPolicyArn={"arn": f"arn:aws:iam::aws:policy/root-task/{task}"},
            DurationSeconds=duration,
        )
        return session_credentials(answer["Credentials"])

    def root_client(
        self, account_id: str, task: str = AUDIT_TASK, service: str = "iam", **config: Any
    ) -> Any:
        return self.client(service, self.assume_root(account_id, task), **config)


def session_credentials(credentials: Mapping[str, Any]) -> dict[str, str]:
    return {
        "aws_access_key_id": credentials["AccessKeyId"],
        "aws_secret_access_key": credentials["SecretAccessKey"],
        "aws_session_token": credentials["SessionToken"],
    }


def build_organization(
    endpoint: str,
    model: OrgRootModel,
    members: Iterable[MemberSpec] = DEFAULT_MEMBERS,
    trusted_access: bool = True,
    delegated_admin: str | None = None,
) -> OrgEmulator:
    """Create the organization through moto's API; `model` must be installed (it accepts IAM's principal)."""
    members = list(members)
    org = OrgEmulator(endpoint, model, "", "", "", [])
    orgs = org.client("organizations")
    organization = orgs.create_organization(FeatureSet="ALL")["Organization"]
    org.organization_id = organization["Id"]
    org.management_account_id = organization["MasterAccountId"]
    org.root_id = orgs.list_roots()["Roots"][0]["Id"]
    for member in members:
        account_id = _create_member(orgs, org, member)
        model.set_root(account_id, RootState(keys=[], password=False, mfa=False))
    if trusted_access:
        orgs.enable_aws_service_access(ServicePrincipal=IAM_PRINCIPAL)
    if delegated_admin:
        orgs.register_delegated_administrator(
            AccountId=org.member(delegated_admin), ServicePrincipal=IAM_PRINCIPAL
        )
    return org


def _create_member(orgs: Any, org: OrgEmulator, member: MemberSpec) -> str:
    status = orgs.create_account(AccountName=member.name, Email=f"{member.name}@example.com")
    account_id = status["CreateAccountStatus"]["AccountId"]
    org.member_ids.append(account_id)
    org.names[account_id] = member.name
    if member.ou:
        destination = _ou(orgs, org, member.ou)
        orgs.move_account(AccountId=account_id, SourceParentId=org.root_id, DestinationParentId=destination)
    if member.state == "SUSPENDED":
        orgs.close_account(AccountId=account_id)
    elif member.state != "ACTIVE":
        org.model.set_account_state(account_id, member.state)
    return account_id


def _ou(orgs: Any, org: OrgEmulator, path: str) -> str:
    """The id of the OU at `path`, creating each missing level."""
    parent, walked = org.root_id, []
    for name in path.split("/"):
        walked.append(name)
        key = "/".join(walked)
        if key not in org.ou_ids:
            created = orgs.create_organizational_unit(ParentId=parent, Name=name)
            org.ou_ids[key] = created["OrganizationalUnit"]["Id"]
        parent = org.ou_ids[key]
    return parent
