"""The CloudFormation templates, their rendered copies, parameters.json and the RDK template."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import package  # noqa: E402
from lint_and_schema import CFN_LINT, assert_cfn_lint_clean  # noqa: E402
from root_access_keys import spec  # noqa: E402
from root_access_keys.parameters import parse_rule_parameters  # noqa: E402

TEMPLATES = ROOT / "templates"
TEMPLATE_NAMES = ("single-account", "org-member-role", "org-central", "conformance-pack")
CONFORMANCE_PACK_BODY_LIMIT = 51_200
RDK = Path(sys.executable).with_name("rdk")
MANUAL_RUNBOOK = ROOT / "remediation" / "root-access-keys-manual.yaml"
CENTRAL_RUNBOOK = ROOT / "remediation" / "root-access-keys-central.yaml"


def load(name):
    return package.load_template(TEMPLATES / f"{name}.yaml")


def resources_of_type(template, resource_type):
    return {
        name: resource
        for name, resource in template["Resources"].items()
        if resource["Type"] == resource_type
    }


def defaults(template):
    return {name: str(p.get("Default", "")) for name, p in template.get("Parameters", {}).items()}


def resolve_input_parameters(value, template):
    """InputParameters as AWS Config would receive them with every template parameter at its default."""
    values = defaults(template)
    if isinstance(value, dict) and set(value) == {"Fn::Sub"}:
        text = re.sub(r"\$\{([\w:]+)\}", lambda match: values[match.group(1)], value["Fn::Sub"])
        return json.loads(text)
    return {key: values[item["Ref"]] if isinstance(item, dict) else item for key, item in value.items()}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    directory = tmp_path_factory.mktemp("rendered")
    package.render_templates(directory)
    return directory


def test_cfn_lint_passes_on_every_template_and_rendered_copy(rendered):
    files = [TEMPLATES / f"{name}.yaml" for name in TEMPLATE_NAMES]
    files += [rendered / f"{name}.yaml" for name in TEMPLATE_NAMES]
    assert all(path.is_file() for path in files)
    assert_cfn_lint_clean(files)


def test_rdk_create_rule_template_still_produces_a_valid_template(tmp_path):
    output = tmp_path / "rdk-template.json"
    result = subprocess.run(
        [str(RDK), "create-rule-template", "-o", str(output), spec.RULE_NAME],
        cwd=ROOT / "rules",
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    template = json.loads(output.read_text())
    types = {resource["Type"] for resource in template["Resources"].values()}
    assert {"AWS::Config::ConfigRule", "AWS::SSM::Document", "AWS::Config::RemediationConfiguration"} <= types
    lint = subprocess.run(
        # W3005 (a DependsOn that a Ref already implies) is how rdk's generator writes every
        # template; it is redundant, not wrong, and the generator is not ours to change.
        [str(CFN_LINT), "--format", "parseable", "--ignore-checks", "W3005", "--", str(output)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr


@pytest.mark.parametrize(
    ("name", "resource", "runbook"),
    [
        ("single-account", "RemediationDocument", MANUAL_RUNBOOK),
        ("org-central", "CentralRemediationDocument", CENTRAL_RUNBOOK),
    ],
)
def test_templates_reference_the_one_runbook_copy_and_the_render_embeds_it(name, resource, runbook, rendered):
    source = load(name)["Resources"][resource]["Properties"]["Content"]
    location = package.include_location(source)
    assert location is not None, "the runbook must be included, not pasted"
    assert (TEMPLATES / location).resolve() == runbook.resolve()
    embedded = yaml.safe_load((rendered / f"{name}.yaml").read_text())["Resources"][resource]
    assert embedded["Properties"]["Content"] == yaml.safe_load(runbook.read_text())
    assert "mainSteps" not in (TEMPLATES / f"{name}.yaml").read_text()


def test_inlining_rejects_a_missing_include(tmp_path):
    template = tmp_path / "broken.yaml"
    template.write_text(
        "Resources:\n  Doc:\n    Type: AWS::SSM::Document\n    Properties:\n      Content:\n"
        "        Fn::Transform: {Name: AWS::Include, Parameters: {Location: missing.yaml}}\n"
    )
    with pytest.raises(package.PackagingError, match=r"missing\.yaml"):
        package.render_template(template, tmp_path / "out")


@pytest.mark.parametrize("name", ["single-account", "org-central"])
def test_rule_function_runs_the_packaged_code_on_python312_arm64_with_json_logs(name):
    template = load(name)
    function = template["Resources"]["RuleFunction"]["Properties"]
    assert function["Runtime"] == spec.LAMBDA_RUNTIME == "python3.12"
    assert function["Architectures"] == ["arm64"]
    assert function["Handler"] == f"{spec.RULE_NAME}.lambda_handler"
    assert (TEMPLATES / function["Code"]).resolve() == package.RULE_ZIP.resolve()
    assert function["LoggingConfig"]["LogFormat"] == "JSON"
    log_group = template["Resources"][function["LoggingConfig"]["LogGroup"]["Ref"]]
    assert log_group["Type"] == "AWS::Logs::LogGroup"
    assert log_group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionInDays"}
    assert (function["MemorySize"], function["Timeout"]) == (256, 120)


@pytest.mark.parametrize(
    ("name", "environment"),
    [
        ("single-account", {"CONFIG_RULE_NAME": {"Ref": "ConfigRule"}}),
        (
            "org-central",
            {
                "ORGANIZATION_CONFIG_RULE_NAME": {"Ref": "OrganizationRule"},
                "MEMBER_ROLE_NAME": {"Ref": "ReevaluationRoleName"},
            },
        ),
    ],
)
def test_near_real_time_trigger_code_is_the_packaged_trigger(name, environment):
    function = load(name)["Resources"]["KeyEventFunction"]["Properties"]
    assert (TEMPLATES / function["Code"]).resolve() == package.TRIGGER_ZIP.resolve()
    assert function["Handler"] == "root_key_events.lambda_handler"
    assert function["Runtime"] == "python3.12"
    assert function["Architectures"] == ["arm64"]
    assert function["LoggingConfig"]["LogFormat"] == "JSON"
    assert function["Environment"]["Variables"] == environment


def test_single_account_rule_is_periodic_unscoped_and_fed_by_parameters():
    template = load("single-account")
    [rule] = resources_of_type(template, "AWS::Config::ConfigRule").values()
    properties = rule["Properties"]
    assert "Scope" not in properties
    assert properties["MaximumExecutionFrequency"] == {"Ref": "MaximumExecutionFrequency"}
    assert properties["Source"]["Owner"] == "CUSTOM_LAMBDA"
    assert properties["Source"]["SourceIdentifier"] == {"Fn::GetAtt": ["RuleFunction", "Arn"]}
    assert properties["Source"]["SourceDetails"] == [
        {
            "EventSource": "aws.config",
            "MessageType": "ScheduledNotification",
            "MaximumExecutionFrequency": {"Ref": "MaximumExecutionFrequency"},
        }
    ]
    assert template["Parameters"]["MaximumExecutionFrequency"]["AllowedValues"] == list(spec.FREQUENCIES)
    parameters = resolve_input_parameters(properties["InputParameters"], template)
    assert parameters["AssumeRoleMode"] == "false"
    assert parse_rule_parameters(parameters).assume_role_mode is False
    for key, value in properties["InputParameters"].items():
        if isinstance(value, dict):
            assert value == {"Ref": key}
            assert template["Parameters"][key]["AllowedValues"] == list(spec.PARAMETERS_BY_NAME[key].allowed)


def test_single_account_invoke_permission_is_bound_to_this_accounts_config_rules():
    [permission] = [
        p["Properties"]
        for p in resources_of_type(load("single-account"), "AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "config.amazonaws.com"
    ]
    assert permission["FunctionName"] == {"Fn::GetAtt": ["RuleFunction", "Arn"]}
    assert permission["Action"] == "lambda:InvokeFunction"
    assert permission["SourceAccount"] == {"Ref": "AWS::AccountId"}
    assert permission["SourceArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:config:${AWS::Region}:${AWS::AccountId}:config-rule/config-rule-*"
    }


def test_remediation_is_manual_by_default_and_passes_what_the_runbook_requires():
    template = load("single-account")
    [remediation] = resources_of_type(template, "AWS::Config::RemediationConfiguration").values()
    properties = remediation["Properties"]
    assert properties["TargetType"] == "SSM_DOCUMENT"
    assert properties["TargetId"] == {"Ref": "RemediationDocument"}
    assert properties["ConfigRuleName"] == {"Ref": "ConfigRule"}
    assert properties["Automatic"] == {"Fn::If": ["RemediateAutomatically", True, False]}
    assert template["Parameters"]["AutomaticRemediation"]["Default"] == "false"
    passed = properties["Parameters"]
    assert passed["AccountId"] == {"ResourceValue": {"Value": "RESOURCE_ID"}}
    assert passed["AutomationAssumeRole"] == {
        "StaticValue": {"Values": [{"Fn::GetAtt": ["RemediationRole", "Arn"]}]}
    }
    runbook_parameters = yaml.safe_load(MANUAL_RUNBOOK.read_text())["parameters"]
    assert set(passed) <= set(runbook_parameters)
    required = {name for name, p in runbook_parameters.items() if "default" not in p}
    assert required <= set(passed)


@pytest.mark.parametrize("name", ["single-account", "org-central"])
def test_errors_alarm_watches_the_rule_function(name):
    template = load(name)
    alarms = resources_of_type(template, "AWS::CloudWatch::Alarm")
    [alarm] = [
        a["Properties"]
        for a in alarms.values()
        if a["Properties"]["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": "RuleFunction"}}]
    ]
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == ("AWS/Lambda", "Errors", "Sum")
    assert alarm["Threshold"] == 1
    assert alarm["TreatMissingData"] == "notBreaching"
    assert alarm["AlarmActions"] == {
        "Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]
    }
    assert template["Parameters"]["AlarmTopicArn"]["Default"] == ""


NEAR_REAL_TIME_RESOURCES = {
    "single-account": [
        "KeyEventFunction",
        "KeyEventFunctionRole",
        "RootKeyEventRule",
        "KeyEventInvokePermission",
    ],
    "org-central": [
        "KeyEventBus",
        "KeyEventBusPolicy",
        "KeyEventFunction",
        "KeyEventFunctionRole",
        "RootKeyEventRule",
        "KeyEventInvokePermission",
    ],
    "org-member-role": ["ReevaluationRole", "ForwardingRole", "ForwardRootKeyEvents"],
}


@pytest.mark.parametrize("name", sorted(NEAR_REAL_TIME_RESOURCES))
def test_near_real_time_resources_exist_only_when_enabled_in_the_iam_event_region(name):
    template = load(name)
    assert "us-east-1" in template["Description"]
    condition = template["Conditions"]["NearRealTime"]["Fn::And"]
    assert {
        "Fn::Equals": [
            {"Ref": "AWS::Region"},
            {"Fn::FindInMap": ["IamEventRegion", {"Ref": "AWS::Partition"}, "Region"]},
        ]
    } in condition
    assert template["Mappings"]["IamEventRegion"] == {
        "aws": {"Region": "us-east-1"},
        "aws-us-gov": {"Region": "us-gov-west-1"},
        "aws-cn": {"Region": "cn-north-1"},
    }
    for resource in NEAR_REAL_TIME_RESOURCES[name]:
        assert template["Resources"][resource]["Condition"] == "NearRealTime", resource
    [rule] = template["Rules"].values()
    assert rule["Assertions"][0]["Assert"] == {
        "Fn::Contains": [["us-east-1", "us-gov-west-1", "cn-north-1"], {"Ref": "AWS::Region"}]
    }


def test_single_account_near_real_time_is_opt_in():
    template = load("single-account")
    assert "us-east-1" in template["Description"]
    condition = template["Conditions"]["NearRealTime"]["Fn::And"]
    assert {"Fn::Equals": [{"Ref": "EnableNearRealTimeDetection"}, "true"]} in condition
    assert {
        "Fn::Equals": [
            {"Ref": "AWS::Region"},
            {"Fn::FindInMap": ["IamEventRegion", {"Ref": "AWS::Partition"}, "Region"]},
        ]
    } in condition
    assert template["Mappings"]["IamEventRegion"]["aws"]["Region"] == "us-east-1"
    for name in ("KeyEventFunction", "KeyEventFunctionRole", "RootKeyEventRule", "KeyEventInvokePermission"):
        assert template["Resources"][name]["Condition"] == "NearRealTime"
    assert template["Parameters"]["EnableNearRealTimeDetection"]["Default"] == "false"


def test_organization_rule_runs_the_central_function_in_member_accounts():
    template = load("org-central")
    [rule] = resources_of_type(template, "AWS::Config::OrganizationConfigRule").values()
    metadata = rule["Properties"]["OrganizationCustomRuleMetadata"]
    assert metadata["LambdaFunctionArn"] == {"Fn::GetAtt": ["RuleFunction", "Arn"]}
    assert metadata["OrganizationConfigRuleTriggerTypes"] == ["ScheduledNotification"]
    assert metadata["MaximumExecutionFrequency"] == {"Ref": "MaximumExecutionFrequency"}
    assert rule["Properties"]["ExcludedAccounts"] == {
        "Fn::If": ["HasExcludedAccounts", {"Ref": "ExcludedAccounts"}, {"Ref": "AWS::NoValue"}]
    }
    assert rule["DependsOn"] == "ConfigInvokePermission"
    parameters = resolve_input_parameters(metadata["InputParameters"], template)
    parsed = parse_rule_parameters(parameters)
    assert parsed.assume_role_mode is True
    assert parsed.execution_role_name == defaults(template)["ExecutionRoleName"]
    member = load("org-member-role")
    assert defaults(member)["ExecutionRoleName"] == defaults(template)["ExecutionRoleName"]
    assert member["Resources"]["ExecutionRole"]["Properties"]["RoleName"] == {"Ref": "ExecutionRoleName"}
    permission = template["Resources"]["ConfigInvokePermission"]["Properties"]
    assert permission["Principal"] == "config.amazonaws.com"
    assert permission["FunctionName"] == {"Fn::GetAtt": ["RuleFunction", "Arn"]}
    assert permission["Action"] == "lambda:InvokeFunction"


def test_conformance_pack_is_a_small_custom_lambda_pack():
    body = (TEMPLATES / "conformance-pack.yaml").read_bytes()
    assert len(body) <= CONFORMANCE_PACK_BODY_LIMIT
    template = load("conformance-pack")
    assert {r["Type"] for r in template["Resources"].values()} == {"AWS::Config::ConfigRule"}
    [rule] = template["Resources"].values()
    source = rule["Properties"]["Source"]
    assert source["Owner"] == "CUSTOM_LAMBDA"
    assert source["SourceIdentifier"] == {"Ref": "FunctionArn"}
    assert [d["MessageType"] for d in source["SourceDetails"]] == ["ScheduledNotification"]
    assert "Scope" not in rule["Properties"]
    parsed = parse_rule_parameters(resolve_input_parameters(rule["Properties"]["InputParameters"], template))
    assert parsed.assume_role_mode is True
    assert parsed.execution_role_name == defaults(load("org-central"))["ExecutionRoleName"]
    # Conformance pack parameters reach the pack as strings: every one needs a default or a value.
    assert all(p["Type"] == "String" for p in template["Parameters"].values())


# --- parameters.json -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def configuration():
    return json.loads((ROOT / "parameters.json").read_text())


def test_parameters_json_is_a_template_configuration_for_the_single_account_template(configuration):
    assert set(configuration) <= {"Parameters", "Tags", "StackPolicy"}
    template = load("single-account")
    declared = template["Parameters"]
    assert set(configuration["Parameters"]) <= set(declared), set(configuration["Parameters"]) - set(declared)
    without_default = {name for name, p in declared.items() if "Default" not in p}
    assert without_default <= set(configuration["Parameters"])
    for name, value in configuration["Parameters"].items():
        assert isinstance(value, str), name
        allowed = [str(v) for v in declared[name].get("AllowedValues", [])]
        if allowed:
            assert value in allowed, name
        pattern = declared[name].get("AllowedPattern")
        if pattern:
            assert re.fullmatch(pattern, value), name
    assert all(isinstance(v, str) and " " not in v for v in configuration["Tags"].values())
    assert package.tag_words(ROOT / "parameters.json")


def test_parameters_json_defaults_agree_with_the_rdk_parameters_and_the_rule_spec(configuration):
    rdk = json.loads((ROOT / "rules" / spec.RULE_NAME / "parameters.json").read_text())["Parameters"]
    rdk_inputs = json.loads(rdk["InputParameters"])
    chosen = configuration["Parameters"]
    for name, value in rdk_inputs.items():
        if name == "AssumeRoleMode":
            # Fixed by the template (the single-account function uses its own role), not an input.
            [rule] = resources_of_type(load("single-account"), "AWS::Config::ConfigRule").values()
            assert rule["Properties"]["InputParameters"][name] == value
            continue
        assert chosen[name] == value, name
        assert spec.PARAMETERS_BY_NAME[name].default == value, name
    assert chosen["MaximumExecutionFrequency"] == rdk["SourcePeriodic"] == spec.DEFAULT_FREQUENCY
    assert set(rdk_inputs) == set(spec.default_input_parameters())


def test_function_timeout_budget_and_readme_agree():
    from root_access_keys.budget import FUNCTION_TIMEOUT_SECONDS, LAMBDA_POLICY

    for name in ("single-account", "org-central"):
        functions = resources_of_type(load(name), "AWS::Lambda::Function")
        assert functions["RuleFunction"]["Properties"]["Timeout"] == FUNCTION_TIMEOUT_SECONDS, name
    policy = LAMBDA_POLICY
    # Room for the recording reserve, the exit margin and three full-length calls.
    evidence_room = FUNCTION_TIMEOUT_SECONDS - policy.record_reserve - policy.exit_margin
    assert evidence_room >= 3 * (policy.connect_timeout + policy.read_timeout)
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Time budget", 1)[1].strip().split("\n\n", 1)[0]
    for fact in (
        f"{FUNCTION_TIMEOUT_SECONDS} s timeout",
        f"{policy.connect_timeout:g} s connect timeout",
        f"at least {policy.min_read_timeout:g} s of reading",
        f"from {policy.read_timeout:g} s",
        f"at most {policy.max_attempts} attempts",
        f"{policy.record_reserve:g} s stay",
        f"last {policy.exit_margin:g} s",
    ):
        assert fact in " ".join(section.split()), fact
    deployment = " ".join((ROOT / "docs" / "deployment.md").read_text().split())
    assert f"**256 MB, {FUNCTION_TIMEOUT_SECONDS} s**" in deployment


def test_organization_function_refuses_outsiders_and_counts_them_apart_from_errors():
    from root_access_keys.organization_scope import (
        EXECUTION_ROLE_VARIABLE,
        ORGANIZATION_ID_VARIABLE,
        REFUSED_MESSAGE,
    )

    template = load("org-central")
    function = resources_of_type(template, "AWS::Lambda::Function")["RuleFunction"]["Properties"]
    assert function["Environment"]["Variables"] == {
        ORGANIZATION_ID_VARIABLE: {"Ref": "OrganizationId"},
        EXECUTION_ROLE_VARIABLE: {"Ref": "ExecutionRoleName"},
    }
    [metric] = resources_of_type(template, "AWS::Logs::MetricFilter").values()
    assert metric["Properties"]["LogGroupName"] == {"Ref": "RuleLogGroup"}
    assert metric["Properties"]["FilterPattern"] == f'"{REFUSED_MESSAGE}"'
    [transformation] = metric["Properties"]["MetricTransformations"]
    assert transformation["MetricName"] == "OutsideOrganizationEvents"
    # The errors alarm watches Lambda's Errors metric, which a refused event never increments.
    alarm = resources_of_type(template, "AWS::CloudWatch::Alarm")["RuleErrorsAlarm"]["Properties"]
    assert alarm["MetricName"] == "Errors"


def test_only_operators_given_the_operator_policy_may_pass_the_central_remediation_role():
    template = load("org-central")
    policy = resources_of_type(template, "AWS::IAM::ManagedPolicy")["CentralRemediationOperatorPolicy"]
    assert policy["Condition"] == "CentralRemediation"
    statements = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    passing = statements["PassTheRemediationRoleToAutomationOnly"]
    assert passing["Action"] == "iam:PassRole"
    assert passing["Resource"] == {"Fn::GetAtt": ["CentralRemediationRole", "Arn"]}
    assert passing["Condition"] == {"StringEquals": {"iam:PassedToService": "ssm.amazonaws.com"}}
    starting = statements["StartTheCentralRunbookOnly"]
    assert starting["Action"] == "ssm:StartAutomationExecution"
    assert "automation-definition/${CentralRemediationDocument}:*" in starting["Resource"]["Fn::Sub"]
    every_action = {s["Action"] for s in statements.values()}
    assert every_action == {"iam:PassRole", "ssm:StartAutomationExecution", "ssm:GetAutomationExecution"}
    role = resources_of_type(template, "AWS::IAM::Role")["CentralRemediationRole"]["Properties"]
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
