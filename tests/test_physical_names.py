"""Physical names: single-account.yaml, org-central.yaml and org-member-role.yaml can be deployed in
the same account and Region (the management account often gets all three) without two stacks
claiming one name.

Every resource type the templates use must be listed in NAME_PROPERTIES, so a new type cannot slip
past this test. conformance-pack.yaml is left out: AWS Config adds a suffix of its own to the names
of a conformance pack's rules.
"""

import re
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import package  # noqa: E402

STACK_TEMPLATES = ("single-account", "org-central", "org-member-role")
# The property that holds each type's physical name; None: the type has no name of its own
# (or one CloudFormation always makes unique). Absent property: CloudFormation generates a name.
NAME_PROPERTIES: dict[str, str | None] = {
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::CloudWatch::Dashboard": "DashboardName",
    "AWS::Config::ConfigRule": "ConfigRuleName",
    "AWS::Config::OrganizationConfigRule": "OrganizationConfigRuleName",
    "AWS::Config::RemediationConfiguration": None,
    "AWS::Events::EventBus": "Name",
    "AWS::Events::EventBusPolicy": None,
    "AWS::Events::Rule": "Name",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::Role": "RoleName",
    "AWS::KMS::Alias": "AliasName",
    "AWS::KMS::Key": None,
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Lambda::Permission": None,
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::Logs::MetricFilter": "FilterName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::SSM::Document": "Name",
}
NAME_LIMITS = {"AWS::Lambda::Function": 64, "AWS::Logs::LogGroup": 512, "AWS::IAM::Role": 64}
# Parameters without a default, and the values a deployment would give them.
REQUIRED = {
    "OrganizationId": "o-abcdefghij",
    "CentralFunctionRoleArn": "arn:aws:iam::111111111111:role/central",
}
PSEUDO = {
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "111111111111",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
}
# Every optional feature on: the resources that only exist then must not collide either.
EVERYTHING_ON = {
    "EnableNearRealTimeDetection": "true",
    "DeployCentralRemediation": "true",
    "SecurityHubFindings": "true",
    "CentralKeyEventBusArn": "arn:aws:events:us-east-1:111111111111:event-bus/b",
    "CentralKeyEventRoleArn": "arn:aws:iam::111111111111:role/k",
}
_NO_VALUE = object()


class Resolver:
    """Evaluates the intrinsic functions the templates use in names, for one set of parameters."""

    def __init__(self, template: dict[str, Any], stack: str, overrides: dict[str, str]) -> None:
        self.template = template
        self.values = {
            name: str(declared["Default"])
            for name, declared in template.get("Parameters", {}).items()
            if "Default" in declared
        }
        self.values |= {k: v for k, v in {**REQUIRED, **overrides}.items() if k in template["Parameters"]}
        self.values |= PSEUDO | {"AWS::StackName": stack}

    def condition(self, name: str) -> bool:
        return bool(self.value(self.template["Conditions"][name]))

    def value(self, node: Any) -> Any:
        if not isinstance(node, dict):
            return [self.value(item) for item in node] if isinstance(node, list) else node
        [(function, argument)] = node.items()
        if function == "Ref":
            return _NO_VALUE if argument == "AWS::NoValue" else self.values[argument]
        if function == "Fn::Sub":
            text, local = (argument, {}) if isinstance(argument, str) else argument
            lookup = self.values | {key: self.value(item) for key, item in local.items()}
            return re.sub(r"\$\{([\w:]+)\}", lambda match: lookup[match.group(1)], text)
        if function == "Fn::If":
            chosen = argument[1] if self.condition(argument[0]) else argument[2]
            return self.value(chosen)
        if function == "Fn::Join":
            return argument[0].join(self.value(argument[1]))
        if function == "Fn::Equals":
            first, second = self.value(argument)
            return first == second
        if function == "Fn::Not":
            return not self.value(argument[0])
        if function == "Fn::And":
            return all(self.value(item) for item in argument)
        if function == "Fn::Or":
            return any(self.value(item) for item in argument)
        if function == "Condition":
            return self.condition(argument)
        if function == "Fn::FindInMap":
            mapping, first, second = self.value(argument)
            return self.template["Mappings"][mapping][first][second]
        raise AssertionError(f"no evaluation for {function} in a name")


def physical_names(
    template: dict[str, Any], stack: str, overrides: dict[str, str]
) -> dict[tuple[str, str], str]:
    """{(resource type, physical name): logical id} for every named resource the stack creates."""
    resolver = Resolver(template, stack, overrides)
    names: dict[tuple[str, str], str] = {}
    for logical_id, resource in template["Resources"].items():
        kind = resource["Type"]
        assert kind in NAME_PROPERTIES, f"{stack}: add {kind} to NAME_PROPERTIES"
        prop = NAME_PROPERTIES[kind]
        if "Condition" in resource and not resolver.condition(resource["Condition"]):
            continue
        if prop is None or prop not in resource.get("Properties", {}):
            continue
        name = resolver.value(resource["Properties"][prop])
        if name is not _NO_VALUE:
            names[(kind, name)] = f"{stack}/{logical_id}"
    return names


def collisions(stacks: dict[str, dict[str, Any]], overrides: dict[str, str]) -> list[str]:
    seen: dict[tuple[str, str], str] = {}
    found = []
    for stack, template in stacks.items():
        for key, owner in physical_names(template, stack, overrides).items():
            if key in seen:
                found.append(f"{key[0]} {key[1]!r}: {seen[key]} and {owner}")
            seen[key] = owner
    return found


@pytest.fixture(scope="module")
def templates():
    return {name: package.load_template(ROOT / "templates" / f"{name}.yaml") for name in STACK_TEMPLATES}


@pytest.mark.parametrize("overrides", [{}, EVERYTHING_ON], ids=["defaults", "every-option-on"])
def test_no_two_stacks_claim_the_same_name(templates, overrides):
    assert collisions(templates, overrides) == []


def test_the_default_names_are_the_documented_ones(templates):
    single = physical_names(templates["single-account"], "single-account", EVERYTHING_ON)
    central = physical_names(templates["org-central"], "org-central", EVERYTHING_ON)
    assert ("AWS::Lambda::Function", "IAM_ROOT_NO_ACCESS_KEYS") in single
    assert ("AWS::Logs::LogGroup", "/aws/lambda/IAM_ROOT_NO_ACCESS_KEYS") in single
    assert ("AWS::Lambda::Function", "IAM_ROOT_NO_ACCESS_KEYS-org") in central
    assert ("AWS::Logs::LogGroup", "/aws/lambda/IAM_ROOT_NO_ACCESS_KEYS-org") in central
    assert ("AWS::Lambda::Function", "IAM_ROOT_NO_ACCESS_KEYS-org-key-events") in central
    assert ("AWS::Logs::LogGroup", "/aws/lambda/IAM_ROOT_NO_ACCESS_KEYS-org-key-events") in central


def test_the_check_finds_the_collision_the_old_central_names_caused(templates):
    old = package.load_template(ROOT / "templates" / "org-central.yaml")
    old["Resources"]["RuleFunction"]["Properties"]["FunctionName"] = {"Ref": "ConfigRuleName"}
    old["Resources"]["RuleLogGroup"]["Properties"]["LogGroupName"] = {
        "Fn::Sub": "/aws/lambda/${ConfigRuleName}"
    }
    found = collisions({"single-account": templates["single-account"], "org-central": old}, {})
    assert found == [
        "AWS::Logs::LogGroup '/aws/lambda/IAM_ROOT_NO_ACCESS_KEYS': "
        "single-account/RuleLogGroup and org-central/RuleLogGroup",
        "AWS::Lambda::Function 'IAM_ROOT_NO_ACCESS_KEYS': "
        "single-account/RuleFunction and org-central/RuleFunction",
    ]


@pytest.mark.parametrize("name", ["single-account", "org-central"])
def test_the_longest_allowed_rule_name_still_gives_valid_names(templates, name):
    pattern = templates[name]["Parameters"]["ConfigRuleName"]["AllowedPattern"]
    [longest] = re.findall(r"\{1,(\d+)\}", pattern)
    rule_name = "R" * int(longest)
    assert re.fullmatch(pattern, rule_name)
    names = physical_names(templates[name], name, EVERYTHING_ON | {"ConfigRuleName": rule_name})
    assert any(rule_name in physical for _, physical in names)
    for kind, physical in names:
        assert len(physical) <= NAME_LIMITS.get(kind, 256), (kind, physical)
    # One more character would overflow a function name: the pattern is as loose as it can be.
    longer = physical_names(templates[name], name, EVERYTHING_ON | {"ConfigRuleName": rule_name + "R"})
    assert max(len(p) for kind, p in longer if kind == "AWS::Lambda::Function") == 65
