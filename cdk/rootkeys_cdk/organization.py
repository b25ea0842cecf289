"""The organization deployment: org-central.yaml, and org-member-role.yaml as a StackSet.

The central part is templates/org-central.yaml included as it is. The member role goes to every
account of the given organizational units through a service-managed StackSet whose body is the
rendered org-member-role.yaml, wired to the central stack's outputs the way docs/deployment.md
describes by hand (FunctionRoleArn, KeyEventBusArn, KeyEventFunctionRoleArn, shared names).
"""

import json
import re
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_cloudformation as cloudformation
from aws_cdk import aws_config, aws_events, aws_iam
from constructs import Construct

from rootkeys_cdk import artifacts
from rootkeys_cdk.included import IncludedTemplate
from rootkeys_cdk.tags import apply_tags

MEMBER_TEMPLATE = "org-member-role"
ORGANIZATIONAL_UNIT_ID = re.compile(r"^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$")
CALLERS = ("SELF", "DELEGATED_ADMIN")
TEMPLATE_BODY_LIMIT = 51_200  # bytes, CloudFormation's limit for an inline TemplateBody
NEAR_REAL_TIME_CONDITION = "NearRealTime"


class RootKeysOrganization(Construct):
    """Organization Config rule with its central function, plus the member roles as a StackSet.

    Deploy its stack in the management account or the AWS Config delegated administrator (with
    call_as "DELEGATED_ADMIN" when that account is a StackSets delegated administrator too).
    member_organizational_unit_ids: OUs (or the root, r-...) whose accounts get the member role;
      None makes it a stack parameter, MemberOrganizationalUnitIds.
    parameters: values for org-central.yaml's parameters; the shared ones (ExecutionRoleName,
      SecurityHubFindings, ReevaluationRoleName) reach the member template too.
    StackSets skip the management account: if it is evaluated, deploy org-member-role.yaml there as
    a stack, or list it in ExcludedAccounts.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        member_organizational_unit_ids: Sequence[str] | None = None,
        parameters: Mapping[str, str] | None = None,
        build_dir: Path | None = None,
        tags: Mapping[str, str] | None = None,
        call_as: str = "SELF",
        stack_set_name: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        if call_as not in CALLERS:
            raise ValueError(f"call_as must be one of {', '.join(CALLERS)}, not {call_as!r}")
        self.central = IncludedTemplate(
            self, "Central", template_name="org-central", parameters=parameters, build_dir=build_dir
        )
        self.member_template = self._member_template()
        self.member_stack_set = cloudformation.CfnStackSet(
            self,
            "MemberRoles",
            stack_set_name=stack_set_name or f"{cdk.Stack.of(self).stack_name}-member-roles",
            description="Role the central IAM_ROOT_NO_ACCESS_KEYS function assumes in each member account",
            permission_model="SERVICE_MANAGED",
            call_as=call_as,
            auto_deployment=cloudformation.CfnStackSet.AutoDeploymentProperty(
                enabled=True, retain_stacks_on_account_removal=False
            ),
            managed_execution={"Active": True},
            capabilities=["CAPABILITY_NAMED_IAM"],
            operation_preferences=cloudformation.CfnStackSet.OperationPreferencesProperty(
                failure_tolerance_percentage=0,
                max_concurrent_percentage=25,
                region_concurrency_type="PARALLEL",
            ),
            parameters=[
                cloudformation.CfnStackSet.ParameterProperty(parameter_key=key, parameter_value=value)
                for key, value in self._member_parameters().items()
            ],
            stack_instances_group=[
                cloudformation.CfnStackSet.StackInstancesProperty(
                    deployment_targets=cloudformation.CfnStackSet.DeploymentTargetsProperty(
                        organizational_unit_ids=self._organizational_units(member_organizational_unit_ids)
                    ),
                    # One Region: the role is global; the organization rule's Region.
                    regions=[cdk.Aws.REGION],
                )
            ],
            template_body=self._member_body(),
        )
        self.member_stack_set.override_logical_id("MemberRoleStackSet")
        # Evaluations start when the rule is created: the member roles should exist by then.
        rule = self.central.include.get_resource("OrganizationRule")
        if not isinstance(rule, aws_config.CfnOrganizationConfigRule):
            raise TypeError("org-central.yaml's OrganizationRule is not an organization Config rule")
        rule.add_resource_dependency(self.member_stack_set)
        self.tags = apply_tags(self, tags)

    def _member_template(self) -> artifacts.Template:
        with tempfile.TemporaryDirectory(prefix="rootkeys-cdk-") as scratch:
            return artifacts.render(MEMBER_TEMPLATE, Path(scratch))

    def _member_body(self) -> str:
        body = json.dumps(self.member_template.body, separators=(",", ":"))
        if len(body.encode()) > TEMPLATE_BODY_LIMIT:
            raise ValueError(f"{MEMBER_TEMPLATE}.yaml is {len(body.encode())} bytes, over the inline limit")
        return body

    def _organizational_units(self, given: Sequence[str] | None) -> list[str]:
        if given is None:
            parameter = cdk.CfnParameter(
                self,
                "MemberOrganizationalUnitIds",
                type="CommaDelimitedList",
                description="OUs (ou-...) or the root (r-...) whose accounts get the member role",
            )
            parameter.override_logical_id("MemberOrganizationalUnitIds")
            return parameter.value_as_list
        units = list(given)
        wrong = [unit for unit in units if not (isinstance(unit, str) and ORGANIZATIONAL_UNIT_ID.match(unit))]
        if not units or wrong:
            raise ValueError(
                "member_organizational_unit_ids must list OU ids (ou-...) or the root id (r-...)"
                + (f"; not {', '.join(map(repr, wrong))}" if wrong else "")
            )
        return units

    def _member_parameters(self) -> dict[str, str]:
        """A value for every member parameter: from the central stack, or the template default."""
        central_parameters = self.central.template.body.get("Parameters", {})
        include = self.central.include
        role = include.get_resource("RuleFunctionRole")
        bus = include.get_resource("KeyEventBus")
        trigger_role = include.get_resource("KeyEventFunctionRole")
        if not isinstance(role, aws_iam.CfnRole) or not isinstance(trigger_role, aws_iam.CfnRole):
            raise TypeError("org-central.yaml's function roles are not IAM roles")
        if not isinstance(bus, aws_events.CfnEventBus):
            raise TypeError("org-central.yaml's KeyEventBus is not an event bus")
        near_real_time = include.get_condition(NEAR_REAL_TIME_CONDITION)
        condition = near_real_time.logical_id
        from_central = {
            "CentralFunctionRoleArn": role.attr_arn,
            "CentralKeyEventBusArn": cdk.Fn.condition_if(condition, bus.attr_arn, "").to_string(),
            "CentralKeyEventRoleArn": cdk.Fn.condition_if(condition, trigger_role.attr_arn, "").to_string(),
        }
        values = {}
        for name, definition in self.member_template.body.get("Parameters", {}).items():
            if name in from_central:
                values[name] = from_central[name]
            elif name in central_parameters:
                values[name] = self.central.value_of(name)
            elif "Default" not in definition:
                raise ValueError(
                    f"{MEMBER_TEMPLATE}.yaml: parameter {name} has no default and no central value"
                )
        return values
