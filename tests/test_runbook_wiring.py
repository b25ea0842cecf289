"""One YAML source per runbook, its generated JSON, the rule's parameters.json, and what rdk deploys.

`rdk create-rule-template` is run for real (offline) and its output is linted with cfn-lint.
"""

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
BIN = Path(sys.executable).parent
PARAMETERS = json.loads((RULES / "IAM_ROOT_NO_ACCESS_KEYS" / "parameters.json").read_text())["Parameters"]
POLICIES = json.loads((ROOT / "remediation" / "policies.json").read_text())["Runbooks"]
MANUAL = yaml.safe_load((ROOT / "remediation" / "root-access-keys-manual.yaml").read_text())
# rdk writes a DependsOn on the document that the Ref in TargetId already implies (and, in the
# full template, on ConfigBucket): cfn-lint W3005. It is rdk's output, harmless, and the only
# warning we accept.
ACCEPTED_WARNINGS = {"W3005"}
IAM_WRITES = tuple(
    f"iam:{verb}" for verb in ("Create", "Delete", "Update", "Put", "Attach", "Detach", "Deactivate")
)


def _build_module():
    spec = importlib.util.spec_from_file_location("build_runbooks", ROOT / "scripts" / "build_runbooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def copied_build(tmp_path, monkeypatch):
    """The build script pointed at a scratch copy of remediation/, so tests can break it."""
    build = _build_module()
    source_dir = tmp_path / "remediation"
    shutil.copytree(ROOT / "remediation", source_dir)
    monkeypatch.setattr(build, "ROOT", tmp_path)
    monkeypatch.setattr(build, "SOURCE_DIR", source_dir)
    monkeypatch.setattr(build, "OUTPUT_DIR", source_dir / "generated")
    return build, source_dir


def test_generated_json_is_current():
    build = _build_module()
    assert build.main(["--check"]) == 0
    for name in build.RUNBOOKS:
        source = yaml.safe_load((ROOT / "remediation" / f"{name}.yaml").read_text())
        generated = json.loads((ROOT / "remediation" / "generated" / f"{name}.json").read_text())
        assert generated == source


def test_check_mode_notices_a_stale_or_missing_copy_and_build_refreshes_it(copied_build, capsys):
    build, source_dir = copied_build
    manual = source_dir / "root-access-keys-manual.yaml"
    manual.write_text(manual.read_text().replace("timeoutSeconds: 604800", "timeoutSeconds: 259200"))
    (source_dir / "generated" / "root-access-keys-central.json").unlink()
    assert build.main(["--check"]) == 1
    assert "root-access-keys-manual.json" in capsys.readouterr().err
    assert build.main([]) == 0
    assert build.main(["--check"]) == 0
    rebuilt = json.loads((source_dir / "generated" / "root-access-keys-manual.json").read_text())
    assert next(s for s in rebuilt["mainSteps"] if s["action"] == "aws:approve")["timeoutSeconds"] == 259200


def test_build_refuses_an_invalid_runbook(copied_build, capsys):
    build, source_dir = copied_build
    manual = source_dir / "root-access-keys-manual.yaml"
    manual.write_text(manual.read_text().replace("Runtime: python3.11", "Runtime: python3.8"))
    before = (source_dir / "generated" / "root-access-keys-manual.json").read_text()
    assert build.main([]) == 1
    assert "python3.8" in capsys.readouterr().err
    assert (source_dir / "generated" / "root-access-keys-manual.json").read_text() == before


def test_parameters_json_wires_the_member_runbook():
    remediation = PARAMETERS["Remediation"]
    automation = PARAMETERS["SSMAutomation"]
    assert (
        RULES / automation["Document"]
    ).resolve() == ROOT / "remediation/generated/root-access-keys-manual.json"
    assert automation["IAM"] == POLICIES["root-access-keys-manual"]["Actions"]
    assert remediation["Automatic"] is False
    assert remediation["TargetType"] == "SSM_DOCUMENT"
    assert remediation["ConfigRuleName"] == PARAMETERS["RuleName"]
    assert remediation["ResourceType"] == "AWS::::Account"
    assert remediation["Parameters"]["AccountId"] == {"ResourceValue": {"Value": "RESOURCE_ID"}}
    assert "Values" in remediation["Parameters"]["AutomationAssumeRole"]["StaticValue"]
    # Every runbook parameter without a default gets a value; nothing unknown is passed.
    declared = MANUAL["parameters"]
    required = {name for name, spec in declared.items() if "default" not in spec}
    assert required <= set(remediation["Parameters"]) <= set(declared)


def test_policies_json_lists_exactly_the_statement_actions():
    for runbook in POLICIES.values():
        in_statements = sorted(
            action for statement in runbook["PolicyDocument"]["Statement"] for action in statement["Action"]
        )
        assert in_statements == sorted(runbook["Actions"])
        assert (ROOT / runbook["Source"]).is_file()
        assert (ROOT / runbook["Json"]).is_file()
        # Neither execution role may change IAM (the central runbook deletes only inside root sessions).
        assert [action for action in runbook["Actions"] if action.startswith(IAM_WRITES)] == []


def _rdk_template(tmp_path, *flags):
    output = tmp_path / f"template{'-'.join(flags)}.json"
    subprocess.run(
        [BIN / "rdk", "create-rule-template", "-o", str(output), "IAM_ROOT_NO_ACCESS_KEYS", *flags],
        cwd=RULES,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return output


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    directory = tmp_path_factory.mktemp("rdk")
    return {"rules-only": _rdk_template(directory, "--rules-only"), "full": _rdk_template(directory)}


def test_rdk_template_carries_the_document_its_role_and_the_remediation(templates):
    resources = json.loads(templates["rules-only"].read_text())["Resources"]
    document = resources["IAMROOTNOACCESSKEYSRemediationAction"]
    assert document["Type"] == "AWS::SSM::Document"
    assert document["Properties"]["DocumentType"] == "Automation"
    assert document["Properties"]["Content"] == MANUAL
    policy = resources["IAMROOTNOACCESSKEYSPolicy"]["Properties"]["PolicyDocument"]
    [statement] = policy["Statement"]
    assert statement["Action"] == POLICIES["root-access-keys-manual"]["Actions"]
    trust = resources["IAMROOTNOACCESSKEYSRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust[0]["Principal"] == {"Service": "ssm.amazonaws.com"}
    remediation = resources["IAMROOTNOACCESSKEYSRemediation"]["Properties"]
    assert remediation["TargetId"] == {"Ref": "IAMROOTNOACCESSKEYSRemediationAction"}
    assert remediation["Parameters"]["AutomationAssumeRole"]["StaticValue"]["Values"] == [
        {"Fn::GetAtt": ["IAMROOTNOACCESSKEYSRole", "Arn"]}
    ]
    assert remediation["Automatic"] is False


@pytest.mark.parametrize("kind", ["rules-only", "full"])
def test_cfn_lint_finds_no_errors_in_the_rdk_template(templates, kind):
    result = subprocess.run(
        [BIN / "cfn-lint", "--format", "json", str(templates[kind])],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    findings = json.loads(result.stdout or "[]")
    errors = [f"{f['Rule']['Id']}: {f['Message']}" for f in findings if f["Level"] == "Error"]
    assert errors == []
    unexpected = [f["Message"] for f in findings if f["Rule"]["Id"] not in ACCEPTED_WARNINGS]
    assert unexpected == []
    assert result.returncode in (0, 4)  # 4 = warnings only
