"""cdk/: the constructs synthesized offline (no AWS account, no cdk CLI), linted, and compared
with the templates `make package` renders, so the CDK path deploys the same resources, policies,
Lambda code and runbooks as the CloudFormation path.

aws-cdk-lib runs on node through jsii: each synth starts a node process, so this module synthesizes
one app with every variant once and the tests read its output.
"""

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "cdk"))
# node 20 works with this jsii but is past its end of life; the notice is not a test finding.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk  # noqa: E402
import package  # noqa: E402
from lint_and_schema import assert_cfn_lint_clean  # noqa: E402

CDK_CLI = ROOT / "tools" / "node_modules" / ".bin" / "cdk"
from root_access_keys import spec  # noqa: E402
from rootkeys_cdk import ArtifactError, RootKeysOrganization, RootKeysSingleAccount  # noqa: E402
from rootkeys_cdk.tags import deployment_tags  # noqa: E402

MANUAL_RUNBOOK = ROOT / "remediation" / "root-access-keys-manual.yaml"
CENTRAL_RUNBOOK = ROOT / "remediation" / "root-access-keys-central.yaml"
FUNCTIONS = {"RuleFunction": "IAM_ROOT_NO_ACCESS_KEYS.zip", "KeyEventFunction": "ROOT_KEY_EVENTS.zip"}
OU = "ou-ab12-34cd56ef"
ORGANIZATION_ID = "o-abcdefghij"
TOPIC = "arn:aws:sns:us-east-1:123456789012:alarms"


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory):
    build = tmp_path_factory.mktemp("build")
    package.build_rule_zip(build / "IAM_ROOT_NO_ACCESS_KEYS.zip")
    package.build_trigger_zip(build / "ROOT_KEY_EVENTS.zip")
    return build


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    directory = tmp_path_factory.mktemp("rendered")
    package.render_templates(directory)
    return {path.stem: package.load_template(path) for path in directory.glob("*.yaml")}


@pytest.fixture(scope="module")
def synth(build_dir, tmp_path_factory):
    """Every variant in one app: templates, assets and the assembly directory."""
    outdir = tmp_path_factory.mktemp("cdk.out")
    app = cdk.App(outdir=str(outdir))
    RootKeysSingleAccount(cdk.Stack(app, "Plain"), "RootKeys", build_dir=build_dir, tags={})
    configured = RootKeysSingleAccount(
        cdk.Stack(app, "Configured"),
        "RootKeys",
        build_dir=build_dir,
        parameters={"IgnoreInactiveKeys": "true", "LogRetentionInDays": "400", "AlarmTopicArn": TOPIC},
    )
    organization = RootKeysOrganization(
        cdk.Stack(app, "Org"),
        "RootKeys",
        build_dir=build_dir,
        tags={},
        member_organizational_unit_ids=[OU],
        parameters={"OrganizationId": ORGANIZATION_ID, "ExecutionRoleName": "rootkeys-exec"},
        call_as="DELEGATED_ADMIN",
    )
    RootKeysOrganization(cdk.Stack(app, "OrgUnitsAtDeploy"), "RootKeys", build_dir=build_dir)
    app.synth()
    templates = {
        path.name.removesuffix(".template.json"): json.loads(path.read_text())
        for path in outdir.glob("*.template.json")
    }
    member = json.loads(templates["Org"]["Resources"]["MemberRoleStackSet"]["Properties"]["TemplateBody"])
    return {
        "outdir": outdir,
        "templates": templates,
        "member": member,
        "configured": configured,
        "organization": organization,
    }


def _without_code(resources):
    copy = json.loads(json.dumps(resources))
    for logical_id in FUNCTIONS:
        if logical_id in copy:
            copy[logical_id]["Properties"].pop("Code")
    return copy


def _actions(resources):
    found = set()
    for resource in resources.values():
        properties = resource.get("Properties", {})
        documents = [policy["PolicyDocument"] for policy in properties.get("Policies", [])]
        documents += [properties["PolicyDocument"]] if "PolicyDocument" in properties else []
        for document in documents:
            for statement in document["Statement"]:
                for branch in statement.get("Fn::If", [None, statement, statement])[1:]:
                    if isinstance(branch, dict) and "Action" in branch:
                        actions = branch["Action"]
                        found.update([actions] if isinstance(actions, str) else actions)
    return found


def test_cfn_lint_passes_on_every_synthesized_template_and_the_member_stack_set_body(synth, tmp_path):
    member_body = tmp_path / "member-role-stack-set-body.json"
    member_body.write_text(json.dumps(synth["member"]))
    files = [*sorted(synth["outdir"].glob("*.template.json")), member_body]
    assert len(files) == 5
    assert_cfn_lint_clean(files)


@pytest.mark.parametrize(("stack", "template"), [("Plain", "single-account"), ("Org", "org-central")])
def test_the_stack_is_the_rendered_template_with_only_the_code_location_changed(
    synth, rendered, stack, template
):
    synthesized = synth["templates"][stack]
    source = rendered[template]
    resources = _without_code(synthesized["Resources"])
    if stack == "Org":
        stack_set = resources.pop("MemberRoleStackSet")
        assert stack_set["Type"] == "AWS::CloudFormation::StackSet"
        rule = resources["OrganizationRule"]
        assert rule["DependsOn"] == ["ConfigInvokePermission", "MemberRoleStackSet"]
        rule["DependsOn"] = ["ConfigInvokePermission"]
    expected = _without_code(source["Resources"])
    for resource in expected.values():
        if isinstance(resource.get("DependsOn"), str):
            resource["DependsOn"] = [resource["DependsOn"]]
    assert resources == expected
    # What the CDK adds to every stack it synthesizes for `cdk deploy`: the bootstrap version check.
    rules = dict(synthesized["Rules"])
    assert rules.pop("CheckBootstrapVersion")
    assert rules == source["Rules"]
    for section in ("Conditions", "Mappings", "Outputs"):
        assert synthesized.get(section) == source.get(section), section
    parameters = dict(synthesized["Parameters"])
    assert parameters.pop("BootstrapVersion")["Type"] == "AWS::SSM::Parameter::Value<String>"
    for name, value in {"OrganizationId": ORGANIZATION_ID, "ExecutionRoleName": "rootkeys-exec"}.items():
        if stack == "Org":
            assert parameters[name].pop("Default") == value
            source["Parameters"][name].pop("Default", None)
    assert parameters == source["Parameters"]


@pytest.mark.parametrize("stack", ["Plain", "Org"])
def test_functions_run_the_packaged_zips_on_python312(synth, build_dir, stack):
    template = synth["templates"][stack]
    assets = json.loads((synth["outdir"] / f"{stack}.assets.json").read_text())["files"]
    for logical_id, zip_name in FUNCTIONS.items():
        function = template["Resources"][logical_id]["Properties"]
        assert function["Runtime"] == spec.LAMBDA_RUNTIME == "python3.12"
        key = function["Code"]["S3Key"]
        asset = assets[key.removesuffix(".zip")]
        assert asset["source"]["packaging"] == "file"
        staged = synth["outdir"] / asset["source"]["path"]
        assert staged.read_bytes() == (build_dir / zip_name).read_bytes()
    assert (
        template["Resources"]["RuleFunction"]["Properties"]["Handler"] == f"{spec.RULE_NAME}.lambda_handler"
    )
    with zipfile.ZipFile(build_dir / FUNCTIONS["RuleFunction"]) as archive:
        assert f"{spec.RULE_NAME}.py" in archive.namelist()


@pytest.mark.parametrize(
    ("stack", "document", "runbook"),
    [
        ("Plain", "RemediationDocument", MANUAL_RUNBOOK),
        ("Org", "CentralRemediationDocument", CENTRAL_RUNBOOK),
    ],
)
def test_runbooks_are_the_repository_runbooks(synth, stack, document, runbook):
    resource = synth["templates"][stack]["Resources"][document]
    assert resource["Type"] == "AWS::SSM::Document"
    assert resource["Properties"]["Content"] == yaml.safe_load(runbook.read_text(encoding="utf-8"))


def test_the_config_rules_carry_the_rule_identity(synth):
    single = synth["templates"]["Plain"]
    rule = single["Resources"]["ConfigRule"]["Properties"]
    assert rule["Source"]["Owner"] == "CUSTOM_LAMBDA"
    assert rule["Source"]["SourceIdentifier"] == {"Fn::GetAtt": ["RuleFunction", "Arn"]}
    assert single["Parameters"]["ConfigRuleName"]["Default"] == spec.RULE_NAME
    assert rule["InputParameters"]["AssumeRoleMode"] == "false"
    organization = synth["templates"]["Org"]["Resources"]["OrganizationRule"]["Properties"]
    assert organization["OrganizationCustomRuleMetadata"]["LambdaFunctionArn"] == {
        "Fn::GetAtt": ["RuleFunction", "Arn"]
    }
    assert (
        '"ExecutionRoleName": "${ExecutionRoleName}"'
        in organization["OrganizationCustomRuleMetadata"]["InputParameters"]["Fn::Sub"]
    )


@pytest.mark.parametrize(
    ("stack", "template"),
    [("Plain", "single-account"), ("Org", "org-central"), ("member", "org-member-role")],
)
def test_iam_policies_grant_the_templates_exact_actions_without_wildcards(synth, rendered, stack, template):
    resources = synth["member"]["Resources"] if stack == "member" else synth["templates"][stack]["Resources"]
    actions = _actions(resources)
    assert actions
    assert actions == _actions(rendered[template]["Resources"])
    assert not [action for action in actions if "*" in action]


def test_parameters_given_in_code_become_the_stack_parameter_defaults(synth):
    template = synth["templates"]["Configured"]
    parameters = template["Parameters"]
    assert parameters["IgnoreInactiveKeys"]["Default"] == "true"
    assert parameters["LogRetentionInDays"]["Default"] == 400
    assert parameters["AlarmTopicArn"]["Default"] == TOPIC
    assert parameters["IncludeSigningCertificates"]["Default"] == "false"
    rule = template["Resources"]["ConfigRule"]["Properties"]
    assert rule["InputParameters"]["IgnoreInactiveKeys"] == {"Ref": "IgnoreInactiveKeys"}
    assert synth["configured"].tags == deployment_tags()
    tags = template["Resources"]["RuleFunction"]["Properties"]["Tags"]
    assert {tag["Key"]: tag["Value"] for tag in tags} == deployment_tags()


def test_the_member_role_stack_set_is_wired_to_the_central_stack(synth, rendered):
    template = synth["templates"]["Org"]
    stack_set = template["Resources"]["MemberRoleStackSet"]["Properties"]
    assert synth["member"] == rendered["org-member-role"]
    assert stack_set["PermissionModel"] == "SERVICE_MANAGED"
    assert stack_set["CallAs"] == "DELEGATED_ADMIN"
    assert stack_set["AutoDeployment"] == {"Enabled": True, "RetainStacksOnAccountRemoval": False}
    assert stack_set["Capabilities"] == ["CAPABILITY_NAMED_IAM"]
    assert stack_set["StackInstancesGroup"] == [
        {"DeploymentTargets": {"OrganizationalUnitIds": [OU]}, "Regions": [{"Ref": "AWS::Region"}]}
    ]
    given = {item["ParameterKey"]: item["ParameterValue"] for item in stack_set["Parameters"]}
    assert given == {
        "ExecutionRoleName": {"Ref": "ExecutionRoleName"},
        "SecurityHubFindings": {"Ref": "SecurityHubFindings"},
        "ReevaluationRoleName": {"Ref": "ReevaluationRoleName"},
        "CentralFunctionRoleArn": {"Fn::GetAtt": ["RuleFunctionRole", "Arn"]},
        "CentralKeyEventBusArn": {"Fn::If": ["NearRealTime", {"Fn::GetAtt": ["KeyEventBus", "Arn"]}, ""]},
        "CentralKeyEventRoleArn": {
            "Fn::If": ["NearRealTime", {"Fn::GetAtt": ["KeyEventFunctionRole", "Arn"]}, ""]
        },
    }
    assert set(given) == set(synth["member"]["Parameters"])
    units_at_deploy = synth["templates"]["OrgUnitsAtDeploy"]
    assert units_at_deploy["Parameters"]["MemberOrganizationalUnitIds"]["Type"] == "CommaDelimitedList"
    group = units_at_deploy["Resources"]["MemberRoleStackSet"]["Properties"]["StackInstancesGroup"][0]
    assert group["DeploymentTargets"]["OrganizationalUnitIds"] == {"Ref": "MemberOrganizationalUnitIds"}
    assert "Default" not in units_at_deploy["Parameters"]["OrganizationId"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"parameters": {"IgnoreInactivKeys": "true"}}, "has no parameter IgnoreInactivKeys"),
        ({"parameters": {"IgnoreInactiveKeys": "yes"}}, "IgnoreInactiveKeys='yes' is not one of true, false"),
        ({"parameters": {"AlarmTopicArn": "topic"}}, "AlarmTopicArn='topic' does not match"),
        ({"parameters": {"LogRetentionInDays": 365}}, "must be a string"),
    ],
)
def test_single_account_refuses_parameters_the_template_would_refuse(build_dir, arguments, message):
    with pytest.raises(ValueError, match=message):
        RootKeysSingleAccount(cdk.Stack(cdk.App(), "S"), "R", build_dir=build_dir, **arguments)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"member_organizational_unit_ids": []}, "must list OU ids"),
        ({"member_organizational_unit_ids": ["Workloads"]}, "not 'Workloads'"),
        ({"member_organizational_unit_ids": [OU], "call_as": "ADMIN"}, "call_as must be one of"),
        ({"member_organizational_unit_ids": [OU], "parameters": {"OrganizationId": "o-1"}}, "does not match"),
    ],
)
def test_organization_refuses_wrong_targets_and_parameters(build_dir, arguments, message):
    with pytest.raises(ValueError, match=message):
        RootKeysOrganization(cdk.Stack(cdk.App(), "O"), "R", build_dir=build_dir, **arguments)


def test_a_missing_or_stale_zip_is_refused(build_dir, tmp_path):
    with pytest.raises(
        ArtifactError, match=r"IAM_ROOT_NO_ACCESS_KEYS.zip does not exist: run `make package`"
    ):
        RootKeysSingleAccount(cdk.Stack(cdk.App(), "S"), "R", build_dir=tmp_path)
    shutil.copy(build_dir / "ROOT_KEY_EVENTS.zip", tmp_path)
    stale = tmp_path / "IAM_ROOT_NO_ACCESS_KEYS.zip"
    with (
        zipfile.ZipFile(build_dir / "IAM_ROOT_NO_ACCESS_KEYS.zip") as source,
        zipfile.ZipFile(stale, "w") as copy,
    ):
        for item in source.infolist():
            data = source.read(item)
            copy.writestr(
                item, data + b"\n# edited" if item.filename == "root_access_keys/decision.py" else data
            )
    with pytest.raises(ArtifactError, match=r"out of date with the source \(root_access_keys/decision.py\)"):
        RootKeysSingleAccount(cdk.Stack(cdk.App(), "S"), "R", build_dir=tmp_path)


def test_the_cdk_cli_synthesizes_both_stacks_offline_from_cdk_json(build_dir, tmp_path):
    """`cdk synth` (the CLI pinned in tools/package.json) runs cdk.json's app with `-c` context."""
    settings = json.loads((ROOT / "cdk" / "cdk.json").read_text())
    assert settings["app"] == "python3 app.py"
    assert CDK_CLI.is_file(), f"{CDK_CLI} is missing: run `npm ci --prefix tools` (make test does)"
    environment = {
        **os.environ,
        # cdk.json's `python3` is this venv's; nothing may reach the network.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "CDK_DISABLE_CLI_TELEMETRY": "true",
        "CDK_DISABLE_VERSION_CHECK": "true",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    context = {
        "rootkeys:buildDir": str(build_dir),
        # `-c key=value` gives strings; the app reads lists and objects as JSON text.
        "rootkeys:memberOrganizationalUnitIds": json.dumps([OU]),
        "rootkeys:organizationParameters": json.dumps({"OrganizationId": ORGANIZATION_ID}),
    }
    command = [str(CDK_CLI), "synth", "--no-notices", "--no-version-reporting", "--ci", "--quiet"]
    command += ["-o", str(tmp_path)]
    for key, value in context.items():
        command += ["-c", f"{key}={value}"]
    result = subprocess.run(
        command, cwd=ROOT / "cdk", env=environment, capture_output=True, text=True, check=False, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    single = json.loads((tmp_path / "RootKeysSingleAccount.template.json").read_text())
    configuration = json.loads((ROOT / "parameters.json").read_text())
    for name, value in configuration["Parameters"].items():
        assert str(single["Parameters"][name]["Default"]) == value, name
    organization = json.loads((tmp_path / "RootKeysOrganization.template.json").read_text())
    assert organization["Resources"]["OrganizationRule"]["Type"] == "AWS::Config::OrganizationConfigRule"
    assert organization["Parameters"]["OrganizationId"]["Default"] == ORGANIZATION_ID
    group = organization["Resources"]["MemberRoleStackSet"]["Properties"]["StackInstancesGroup"][0]
    assert group["DeploymentTargets"]["OrganizationalUnitIds"] == [OU]
    assert_cfn_lint_clean(sorted(tmp_path.glob("*.template.json")))
