"""The one ARN parser: partition, service, Region, account and resource of an AWS ARN."""

import re
from dataclasses import dataclass

PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc")
_ARN = re.compile(
    r"^arn:(" + "|".join(re.escape(p) for p in PARTITIONS) + r"):([a-z0-9-]+):([a-z0-9-]*):(\d{12})?:(.+)$"
)


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str  # "" for global services (IAM)
    account: str  # "" where the ARN names no account
    resource: str

    @property
    def is_iam_role(self) -> bool:
        return self.service == "iam" and self.resource.startswith("role/") and len(self.resource) > 5


def parse_arn(text: object) -> Arn | None:
    """The parts of an ARN, or None when text is not one."""
    if not isinstance(text, str):
        return None
    match = _ARN.match(text)
    if match is None:
        return None
    partition, service, region, account, resource = match.groups()
    return Arn(partition, service, region, account or "", resource)


def root_user_arn(partition: str, account_id: str) -> str:
    """The ARN the credential report gives the root user of an account."""
    return f"arn:{partition}:iam::{account_id}:root"


def role_arn(partition: str, account_id: str, role_name: str) -> str:
    """role_name may carry a path ('path/to/name')."""
    return f"arn:{partition}:iam::{account_id}:role/{role_name}"
