"""The single-account deployment: templates/single-account.yaml in a CDK stack."""

from collections.abc import Mapping
from pathlib import Path

from constructs import Construct

from rootkeys_cdk.included import IncludedTemplate
from rootkeys_cdk.tags import apply_tags


class RootKeysSingleAccount(Construct):
    """The Config rule, its function, roles, runbook, remediation and alarm for one account.

    parameters: values for templates/single-account.yaml's parameters (strings, as CloudFormation
    takes them); the others stay stack parameters with the template's defaults.
    build_dir: where `make package` put the Lambda zips (default: the repository's build/).
    tags: tags for every taggable resource (default: the Tags of parameters.json).
    Put it in a stack of its own: the template's logical ids are kept as they are.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        parameters: Mapping[str, str] | None = None,
        build_dir: Path | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.rule = IncludedTemplate(
            self, "Rule", template_name="single-account", parameters=parameters, build_dir=build_dir
        )
        self.tags = apply_tags(self, tags)
