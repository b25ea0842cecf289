"""`make scan`: the scanners' findings, the suppressions and the reasons given for them.

The Control Tower rules run with the cfn-guard binary from tools/node_modules and checkov from
.venv-scan; `make test` installs both (the same targets `make scan` uses).
"""

import copy
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import package  # noqa: E402
import scan  # noqa: E402
import scan_checkov  # noqa: E402
import scan_guard  # noqa: E402
from scan_suppressions import SuppressionError, suppressions  # noqa: E402

FUNCTION_TEMPLATES = ("single-account", "org-central")
ACCOUNT = "123456789012"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
TOPIC_ARN = f"arn:aws:sns:us-east-1:{ACCOUNT}:rootkeys-alarms"
LAMBDA = "AWS::Lambda::Function"
PERMISSION = "AWS::Lambda::Permission"


@pytest.fixture(scope="module")
def guard() -> scan_guard.Guard:
    return scan_guard.locate(ROOT / "tools")


def load(name: str) -> dict[str, Any]:
    return package.load_template(ROOT / "templates" / f"{name}.yaml")


def guard_report(guard, tmp_path: Path, resources: dict[str, Any]) -> scan_guard.GuardReport:
    template = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}
    path = tmp_path / "snippet.json"
    path.write_text(json.dumps(template))
    return scan_guard.check_template(guard, path, template, "snippet")


def function(**properties: Any) -> dict[str, Any]:
    base = {"Runtime": "python3.12", "Handler": "index.handler", "Role": "arn:aws:iam::1:role/r", "Code": {}}
    return {"Type": LAMBDA, "Properties": {**base, **properties}}


def suppress(resource: dict[str, Any], rule_id: str, comment: str = "reason") -> dict[str, Any]:
    resource = copy.deepcopy(resource)
    resource["Metadata"] = {"cfn-guard": {"suppress": [{"id": rule_id, "comment": comment}]}}
    return resource


# --- the Control Tower rules catch what they should, and only that ---


def test_lambda_outside_a_vpc_fails_ct_lambda_pr_3_and_one_inside_passes(guard, tmp_path):
    vpc = {"SubnetIds": ["subnet-0abc"], "SecurityGroupIds": ["sg-0abc"]}
    report = guard_report(guard, tmp_path, {"Outside": function(), "Inside": function(VpcConfig=vpc)})
    assert ("Outside", "CT.LAMBDA.PR.3") in report.findings
    assert not any(resource == "Inside" for resource, _ in report.findings)
    assert report.unsuppressed == [("Outside", "CT.LAMBDA.PR.3")]


def test_service_permission_without_source_fails_ct_lambda_pr_2(guard, tmp_path):
    bare = {"Type": PERMISSION, "Properties": {"FunctionName": "f", "Action": "lambda:InvokeFunction"}}
    bare["Properties"]["Principal"] = "config.amazonaws.com"
    bound = copy.deepcopy(bare)
    bound["Properties"]["SourceAccount"] = ACCOUNT
    report = guard_report(guard, tmp_path, {"Bare": bare, "Bound": bound})
    assert report.findings == {("Bare", "CT.LAMBDA.PR.2")}


@pytest.mark.parametrize(("days", "fails"), [(30, True), (364, True), (365, False), (3653, False)])
def test_log_group_retention_under_a_year_fails_ct_cloudwatch_pr_2(guard, tmp_path, days, fails):
    group = {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": days, "KmsKeyId": KEY_ARN}}
    report = guard_report(guard, tmp_path, {"Group": group})
    assert (("Group", "CT.CLOUDWATCH.PR.2") in report.findings) is fails


def test_a_suppression_covers_its_finding_and_one_without_a_finding_is_reported_stale(guard, tmp_path):
    vpc = {"SubnetIds": ["subnet-0abc"], "SecurityGroupIds": ["sg-0abc"]}
    resources = {
        "Outside": suppress(function(), "CT.LAMBDA.PR.3"),
        "Inside": suppress(function(VpcConfig=vpc), "CT.LAMBDA.PR.3"),
    }
    report = guard_report(guard, tmp_path, resources)
    assert [(s.resource, s.rule_id) for s in report.suppressed] == [("Outside", "CT.LAMBDA.PR.3")]
    assert report.unsuppressed == []
    assert [(s.resource, s.rule_id) for s in report.stale] == [("Inside", "CT.LAMBDA.PR.3")]
    assert not report.ok


@pytest.mark.parametrize(
    "metadata",
    [
        {"cfn-guard": {"suppress": [{"id": "CT.LAMBDA.PR.3"}]}},
        {"cfn-guard": {"suppress": [{"id": "CT.LAMBDA.PR.3", "comment": "  "}]}},
        {"cfn-guard": {"suppress": []}},
        {"checkov": {"skip": [{"id": "CKV_AWS_117", "comment": ""}]}},
        {"checkov": {"skip": [{"comment": "no id"}]}},
    ],
)
def test_a_suppression_without_a_reason_or_id_is_refused(metadata):
    template = {"Resources": {"Fn": {"Type": LAMBDA, "Metadata": metadata}}}
    scanner = next(iter(metadata))
    with pytest.raises(SuppressionError, match="Fn"):
        suppressions(template, scanner)


# --- our templates: every finding is fixed or suppressed with a reason ---


@pytest.mark.parametrize("name", ["single-account", "org-central", "org-member-role", "conformance-pack"])
def test_every_control_tower_finding_on_our_templates_is_suppressed_and_every_suppression_is_used(
    guard, name
):
    path = ROOT / "templates" / f"{name}.yaml"
    report = scan_guard.check_template(guard, path, load(name), name)
    assert report.unsuppressed == []
    assert report.stale == []


@pytest.mark.parametrize("name", FUNCTION_TEMPLATES)
def test_every_suppression_in_the_templates_names_a_reason(name):
    template = load(name)
    for scanner in ("checkov", "cfn-guard"):
        found = suppressions(template, scanner)
        assert found, scanner
        for suppression in found:
            assert len(suppression.comment.split()) >= 8, suppression


# --- the real fixes ---


@pytest.mark.parametrize("name", FUNCTION_TEMPLATES)
def test_log_kms_key_encrypts_every_log_group_when_given(name):
    template = load(name)
    parameter = template["Parameters"]["LogKmsKeyArn"]
    assert parameter["Default"] == ""
    assert re.fullmatch(parameter["AllowedPattern"], KEY_ARN)
    assert re.fullmatch(parameter["AllowedPattern"], "")
    assert not re.fullmatch(parameter["AllowedPattern"], f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/logs")
    assert "logs." in parameter["Description"]  # the key policy must admit CloudWatch Logs
    assert template["Conditions"]["HasLogKmsKey"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "LogKmsKeyArn"}, ""]}]
    }
    groups = [r for r in template["Resources"].values() if r["Type"] == "AWS::Logs::LogGroup"]
    assert len(groups) == 2
    for group in groups:
        assert group["Properties"]["KmsKeyId"] == {
            "Fn::If": ["HasLogKmsKey", {"Ref": "LogKmsKeyArn"}, {"Ref": "AWS::NoValue"}]
        }


@pytest.mark.parametrize("name", FUNCTION_TEMPLATES)
def test_every_allowed_retention_passes_ct_cloudwatch_pr_2_and_a_shorter_one_would_not(guard, name):
    template = load(name)
    retention = template["Parameters"]["LogRetentionInDays"]
    assert retention["Default"] in retention["AllowedValues"]
    assert min(retention["AllowedValues"]) == 365
    checked, failed = scan_guard.retention_check(guard, template)
    assert len(checked) == 2 * len(retention["AllowedValues"])
    assert failed == []
    widened = copy.deepcopy(template)
    widened["Parameters"]["LogRetentionInDays"]["AllowedValues"].append(180)
    _, failed = scan_guard.retention_check(guard, widened)
    assert failed == ["RuleLogGroup LogRetentionInDays=180", "KeyEventLogGroup LogRetentionInDays=180"]


# --- the reasons given for the suppressions hold where Control Tower checks deployments ---
# Control Tower runs these controls as CloudFormation hooks on resolved properties. Resolving our
# resources with chosen parameters shows which suppressions are template-check artefacts and
# which are real, as the suppression comments say.


def resolve(node: Any, values: dict[str, Any], conditions: dict[str, bool]) -> Any:
    """The properties as CloudFormation would pass them, for Ref, Fn::If, Fn::Sub and Fn::GetAtt."""
    if isinstance(node, list):
        items = [resolve(item, values, conditions) for item in node]
        return [item for item in items if item is not NO_VALUE]
    if not isinstance(node, dict):
        return node
    if set(node) == {"Ref"}:
        return NO_VALUE if node["Ref"] == "AWS::NoValue" else values[node["Ref"]]
    if set(node) == {"Fn::If"}:
        condition, when_true, when_false = node["Fn::If"]
        return resolve(when_true if conditions[condition] else when_false, values, conditions)
    if set(node) == {"Fn::Sub"}:
        return re.sub(r"\$\{([\w:.]+)\}", lambda match: str(values[match.group(1)]), node["Fn::Sub"])
    if set(node) == {"Fn::GetAtt"}:
        return f"arn:aws:fake:us-east-1:{ACCOUNT}:{node['Fn::GetAtt'][0]}"
    resolved = {key: resolve(value, values, conditions) for key, value in node.items()}
    return {key: value for key, value in resolved.items() if value is not NO_VALUE}


NO_VALUE = object()
PSEUDO = {"AWS::AccountId": ACCOUNT, "AWS::Region": "us-east-1", "AWS::Partition": "aws"}


def hook_passes(guard, template, resource, control, values=None, conditions=None) -> bool:
    parameters = {name: p.get("Default", "") for name, p in template["Parameters"].items()}
    names = {name: f"{name}-id" for name in template["Resources"]}
    resolved = resolve(
        template["Resources"][resource]["Properties"],
        {**names, **PSEUDO, **parameters, **(values or {})},
        conditions or {},
    )
    document = scan_guard.hook_document(template["Resources"][resource]["Type"], resolved)
    return scan_guard.passes(guard, control, document)


@pytest.mark.parametrize("name", FUNCTION_TEMPLATES)
def test_errors_alarm_has_an_action_exactly_when_a_topic_is_given(guard, name):
    template = load(name)
    with_topic = {"values": {"AlarmTopicArn": TOPIC_ARN}, "conditions": {"HasAlarmTopic": True}}
    assert hook_passes(guard, template, "RuleErrorsAlarm", "CT.CLOUDWATCH.PR.1", **with_topic)
    assert not hook_passes(
        guard, template, "RuleErrorsAlarm", "CT.CLOUDWATCH.PR.1", conditions={"HasAlarmTopic": False}
    )


@pytest.mark.parametrize("name", FUNCTION_TEMPLATES)
def test_log_groups_are_kms_encrypted_exactly_when_a_key_is_given(guard, name):
    template = load(name)
    with_key = {"values": {"LogKmsKeyArn": KEY_ARN}, "conditions": {"HasLogKmsKey": True}}
    assert hook_passes(guard, template, "RuleLogGroup", "CT.CLOUDWATCH.PR.3", **with_key)
    assert not hook_passes(
        guard, template, "RuleLogGroup", "CT.CLOUDWATCH.PR.3", conditions={"HasLogKmsKey": False}
    )


def test_single_account_invoke_permission_passes_ct_lambda_pr_2_once_resolved(guard):
    template = load("single-account")
    assert hook_passes(guard, template, "ConfigInvokePermission", "CT.LAMBDA.PR.2")
    assert hook_passes(guard, template, "KeyEventInvokePermission", "CT.LAMBDA.PR.2")


def test_organization_invoke_permission_really_fails_ct_lambda_pr_2_as_its_suppression_says(guard):
    template = load("org-central")
    assert not hook_passes(guard, template, "ConfigInvokePermission", "CT.LAMBDA.PR.2")
    [reason] = [
        s.comment for s in suppressions(template, "cfn-guard") if s.resource == "ConfigInvokePermission"
    ]
    assert "every member account" in reason


# --- checkov ---


@pytest.fixture(scope="module")
def checkov() -> Path:
    path = scan.DEFAULT_CHECKOV
    assert path.is_file(), "checkov is missing: `make test` and `make scan` install it into .venv-scan"
    return path


def test_checkov_fails_an_unsuppressed_lambda_and_honours_a_reasoned_skip(checkov, tmp_path):
    skip = {"checkov": {"skip": [{"id": "CKV_AWS_117", "comment": "calls only AWS APIs"}]}}
    resources = {"Plain": function(), "Skipped": {**function(), "Metadata": skip}}
    path = tmp_path / "lambda.yaml"
    path.write_text(yaml.safe_dump({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}))
    report = scan_checkov.run(checkov, {path: "lambda.yaml"})
    failed = {(f.resource, f.check_id) for f in report.failed}
    assert (f"{LAMBDA}.Plain", "CKV_AWS_117") in failed
    assert (f"{LAMBDA}.Skipped", "CKV_AWS_117") not in failed
    [skipped] = [f for f in report.skipped if f.resource == f"{LAMBDA}.Skipped"]
    assert (skipped.check_id, skipped.comment, skipped.path) == (
        "CKV_AWS_117",
        "calls only AWS APIs",
        "lambda.yaml",
    )
    assert not report.ok


def test_a_checkov_skip_with_an_unknown_id_is_reported(checkov, tmp_path):
    skip = {"checkov": {"skip": [{"id": "CKV_AWS_99999", "comment": "typo in the id"}]}}
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {"Fn": {**function(), "Metadata": skip}},
    }
    path = tmp_path / "typo.yaml"
    path.write_text(yaml.safe_dump(template))
    report = scan_checkov.run(checkov, {path: "typo.yaml"})
    problems = scan._unapplied_checkov_skips([(path, "typo.yaml", template)], report)
    assert problems == [
        "typo.yaml Fn: checkov did not apply skip CKV_AWS_99999 (unknown id, or no such check here)"
    ]


def test_suppression_reasons_keep_the_single_account_render_an_inline_template_body(tmp_path):
    # docs/deployment.md: the rendered single-account template fits CloudFormation's 51,200-byte
    # limit for a template body passed inline, reasons and all.
    rendered = package.render_template(ROOT / "templates" / "single-account.yaml", tmp_path)
    assert rendered.stat().st_size < 51_200
