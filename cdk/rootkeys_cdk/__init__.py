"""CDK constructs that deploy the repository's CloudFormation templates, code and runbooks."""

from rootkeys_cdk.artifacts import ArtifactError
from rootkeys_cdk.organization import RootKeysOrganization
from rootkeys_cdk.single_account import RootKeysSingleAccount

__all__ = ["ArtifactError", "RootKeysOrganization", "RootKeysSingleAccount"]
