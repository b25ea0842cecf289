"""One repository template inside a CDK stack, unchanged except for where its Lambda code lives.

CfnInclude keeps every resource, condition, rule and output of the template with its logical id,
so the least-privilege policies the template tests prove are the ones that deploy. Every template
parameter stays a parameter of the stack; values given in code become their defaults, after the
checks CloudFormation would make. (Substituting them instead would freeze the template's
conditions into constants, and cfn-lint then reports the branches they leave unused.)
"""

import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_lambda, aws_s3_assets
from aws_cdk import cloudformation_include as cfn_include
from constructs import Construct

from rootkeys_cdk import artifacts

# The CDK's own template validator checks `!If [Condition, !Ref Parameter, AWS::NoValue]` with the
# parameter's empty default even where the condition leaves the property out (AlarmActions: [""],
# RoleName: ""). cfn-lint, which evaluates conditions, checks the synthesized templates in
# tests/test_cdk.py instead.
_CONDITIONAL_VALUE_RULES = ("CloudFormation-Validate::F3031", "CloudFormation-Validate::F3033")
_ACKNOWLEDGED_BECAUSE = "values behind Fn::If conditions; cfn-lint checks the synthesized template"


def _check_value(name: str, value: object, definition: Mapping[str, Any]) -> str:
    if not isinstance(value, str):
        raise ValueError(f"parameter {name} must be a string, not {value!r}")
    allowed = definition.get("AllowedValues")
    if allowed is not None and value not in [str(item) for item in allowed]:
        raise ValueError(f"parameter {name}={value!r} is not one of {', '.join(map(str, allowed))}")
    pattern = definition.get("AllowedPattern")
    if pattern is not None and re.fullmatch(pattern, value) is None:
        raise ValueError(f"parameter {name}={value!r} does not match {pattern}")
    if definition.get("Type") == "Number" and re.fullmatch(r"-?\d+(\.\d+)?", value) is None:
        raise ValueError(f"parameter {name}={value!r} must be a number")
    return value


def _typed(value: str, definition: Mapping[str, Any]) -> str | int | float:
    """A Number parameter's default as a number, like the template's own (AllowedValues compare)."""
    if definition.get("Type") != "Number":
        return value
    number = float(value)
    return int(number) if number.is_integer() else number


def checked_parameters(template: artifacts.Template, given: Mapping[str, str]) -> dict[str, str]:
    """`given`, refused when a name is not a parameter of the template or a value is not allowed."""
    definitions = template.body.get("Parameters", {})
    unknown = sorted(set(given) - set(definitions))
    if unknown:
        raise ValueError(
            f"{template.name}.yaml has no parameter {', '.join(unknown)}; "
            f"its parameters are {', '.join(sorted(definitions))}"
        )
    return {name: _check_value(name, value, definitions[name]) for name, value in given.items()}


class IncludedTemplate(Construct):
    """templates/<name>.yaml as `make package` renders it, with its functions' zips as assets."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        template_name: str,
        parameters: Mapping[str, str] | None = None,
        build_dir: Path | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        build = Path(build_dir) if build_dir is not None else artifacts.DEFAULT_BUILD_DIR
        with tempfile.TemporaryDirectory(prefix="rootkeys-cdk-") as scratch:
            self.template = artifacts.render(template_name, Path(scratch))
            self.parameters = checked_parameters(self.template, parameters or {})
            # CfnInclude reads the file here, in its constructor.
            self.include = cfn_include.CfnInclude(self, "Template", template_file=str(self.template.path))
        for name, value in self.parameters.items():
            self.include.get_parameter(name).default = _typed(value, self.template.body["Parameters"][name])
        self.code_assets = self._replace_local_code(build)
        cdk.Validations.of(self).acknowledge(
            *(cdk.Acknowledgment(id=rule, reason=_ACKNOWLEDGED_BECAUSE) for rule in _CONDITIONAL_VALUE_RULES)
        )

    def _replace_local_code(self, build_dir: Path) -> dict[str, aws_s3_assets.Asset]:
        """Point every function whose Code is a local zip path at that zip, uploaded as an asset."""
        assets: dict[str, aws_s3_assets.Asset] = {}
        for logical_id, resource in self.template.body.get("Resources", {}).items():
            if resource.get("Type") != "AWS::Lambda::Function":
                continue
            code = resource.get("Properties", {}).get("Code")
            if not isinstance(code, str):
                raise ValueError(f"{self.template.name}.yaml: {logical_id} Code is not a local zip path")
            archive = artifacts.checked_zip(build_dir, Path(code).name)
            asset = aws_s3_assets.Asset(self, f"{logical_id}Code", path=str(archive))
            function = self.include.get_resource(logical_id)
            if not isinstance(function, aws_lambda.CfnFunction):
                raise TypeError(f"{logical_id} was not included as a Lambda function")
            function.code = aws_lambda.CfnFunction.CodeProperty(
                s3_bucket=asset.s3_bucket_name, s3_key=asset.s3_object_key
            )
            assets[logical_id] = asset
        return assets

    def value_of(self, parameter: str) -> str:
        """A reference to the stack parameter (its value as deployed, default or override)."""
        return self.include.get_parameter(parameter).value_as_string
