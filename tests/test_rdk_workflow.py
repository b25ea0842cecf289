"""Deploying with rdk: what rdk 1.0.0 does to this rule, run for real and offline, and our repairs.

- `rdk create-rule-template --rules-only` gives the Config rule without a recorder, delivery channel
  or bucket (without the flag the stack fails where AWS Config is already on);
- rdk's tag script cannot run with our tags; `make config-rule-tags` sets exactly the tags rdk would;
- `rdk modify` damages parameters.json; `make rdk-parameters` repairs it.

rdk's tag script runs under bash with a stand-in `aws` on PATH that records its arguments, so the
shell's own word splitting is what is checked; the arguments are then checked against botocore's
model of config:TagResource (the AWS CLI derives its options from that model).
"""

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import botocore.session
import pytest
from botocore import xform_name

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
RULE = "IAM_ROOT_NO_ACCESS_KEYS"
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "scripts"))

import config_rule_tags  # noqa: E402
import rdk_parameters  # noqa: E402

COMMITTED = (RULES / RULE / "parameters.json").read_text(encoding="utf-8")
OUR_TAGS = json.loads(json.loads(COMMITTED)["Tags"])
RULE_ARN = "arn:aws:config:us-east-1:123456789012:config-rule/config-rule-abc123"
# Offline rdk still builds a boto3 session and wants a region.
RDK_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
}
CONFIG_SETUP_TYPES = {
    "AWS::Config::ConfigurationRecorder",
    "AWS::Config::DeliveryChannel",
    "AWS::S3::Bucket",
}


def _rdk(cwd: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "rdk"), *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **RDK_ENV},
        check=False,
    )


@pytest.fixture
def workspace(tmp_path):
    """A scratch rdk workspace: rules/<rule> and the runbook JSON its parameters.json points at."""
    shutil.copytree(RULES / RULE, tmp_path / "rules" / RULE, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "remediation" / "generated", tmp_path / "remediation" / "generated")
    return tmp_path / "rules"


def _parameters(rules: Path) -> dict:
    return json.loads((rules / RULE / "parameters.json").read_text(encoding="utf-8"))


# --- create-rule-template --rules-only ---


def _resource_types(template: Path) -> dict[str, str]:
    return {name: r["Type"] for name, r in json.loads(template.read_text())["Resources"].items()}


def test_rules_only_template_holds_the_rule_and_no_config_setup(workspace, tmp_path):
    output = tmp_path / "rule.json"
    result = _rdk(workspace, "create-rule-template", "--rules-only", "-o", str(output), RULE)
    assert result.returncode == 0, result.stdout + result.stderr

    types = _resource_types(output)
    assert types["IAMROOTNOACCESSKEYSConfigRule"] == "AWS::Config::ConfigRule"
    assert types["IAMROOTNOACCESSKEYSRemediation"] == "AWS::Config::RemediationConfiguration"
    assert types["IAMROOTNOACCESSKEYSRemediationAction"] == "AWS::SSM::Document"
    assert not CONFIG_SETUP_TYPES & set(types.values())
    assert "ConfigRole" not in types
    rule = json.loads(output.read_text())["Resources"]["IAMROOTNOACCESSKEYSConfigRule"]
    assert "DependsOn" not in rule  # nothing left for it to wait on


def test_without_rules_only_rdk_adds_a_recorder_channel_and_bucket(workspace, tmp_path):
    """Why the flag matters: these collide with an account's existing recorder and channel."""
    output = tmp_path / "full.json"
    assert _rdk(workspace, "create-rule-template", "-o", str(output), RULE).returncode == 0
    assert set(_resource_types(output).values()) >= CONFIG_SETUP_TYPES


def test_every_documented_create_rule_template_command_uses_rules_only():
    documents = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    # A command has arguments after the subcommand; prose names it alone, as `rdk create-rule-template`.
    commands = [
        match.group(0)
        for document in documents
        for match in re.finditer(
            r"rdk create-rule-template(?: [^`\s|]+)+", document.read_text(encoding="utf-8")
        )
    ]
    assert commands, "the README documents the rdk template command"
    assert [command for command in commands if "--rules-only" not in command.split()] == []


# --- the tag script ---

STAND_IN_AWS = r"""#!/usr/bin/env python3
import json, os, sys
with open(os.environ["AWS_CALLS"], "a") as calls:
    calls.write(json.dumps(sys.argv[1:]) + "\n")
if sys.argv[1:3] == ["configservice", "describe-config-rules"]:
    print(os.environ["RULE_ARN_OUTPUT"])
"""


def _run_with_stand_in_aws(script: Path, tmp_path: Path, arn_output: str) -> list[list[str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    aws = bin_dir / "aws"
    aws.write_text(STAND_IN_AWS.replace("python3", sys.executable, 1))
    aws.chmod(aws.stat().st_mode | stat.S_IEXEC)
    calls = tmp_path / "calls.jsonl"
    calls.unlink(missing_ok=True)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "AWS_CALLS": str(calls), "RULE_ARN_OUTPUT": arn_output}
    result = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in calls.read_text().splitlines()]


def _tag_resource_options() -> set[str]:
    """The options `aws configservice tag-resource` has: one per input member of the API model."""
    model = botocore.session.get_session().get_service_model("config")
    members = model.operation_model("TagResource").input_shape.members
    return {"--" + xform_name(name, "-") for name in members}


def test_rdk_tag_script_cannot_tag_our_rule(workspace, tmp_path):
    """rdk 1.0.0's generated script, run as written: wrong option name, and our tags torn apart."""
    script = tmp_path / "rdk-tags.sh"
    result = _rdk(
        workspace,
        "create-rule-template",
        "--rules-only",
        "-o",
        str(tmp_path / "rule.json"),
        "--tag-config-rules-script",
        str(script),
        RULE,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # rdk's describe-config-rules prints a JSON string and strips its quotes with tr.
    *_, tag_call = _run_with_stand_in_aws(script, tmp_path, json.dumps(RULE_ARN))
    assert tag_call[:2] == ["configservice", "tag-resource"]
    assert "--resources-arn" in tag_call
    assert "--resources-arn" not in _tag_resource_options()  # the CLI rejects it
    # Each tag should be one Key=...,Value=... word; the shell splits them at every space.
    tag_words = tag_call[tag_call.index("--tags") + 1 :]
    assert len(tag_words) > len(OUR_TAGS)
    assert not all(re.fullmatch(r"Key=[^,]+,Value=.*", word) for word in tag_words)


def test_config_rule_tags_sets_exactly_the_tags_rdk_would():
    """The workaround for rdk's script: the tagging step applies the tags of the rule's parameters.json."""
    assert config_rule_tags.desired_tags() == {tag["Key"]: tag["Value"] for tag in OUR_TAGS}
    assert len(OUR_TAGS) == len({tag["Key"] for tag in OUR_TAGS})


# --- rdk modify and make rdk-parameters ---


def _make_rdk_parameters(rules: Path) -> subprocess.CompletedProcess:
    # -o: never reinstall the venv from inside a test.
    return subprocess.run(
        [
            "make",
            "-s",
            "--no-print-directory",
            "-o",
            ".venv/.installed",
            "rdk-parameters",
            f"RDK_PARAMETERS_ARGS=--rule-dir={rules / RULE}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_committed_parameters_json_is_what_the_target_generates():
    assert rdk_parameters.render(rdk_parameters.canonical()) == COMMITTED
    assert rdk_parameters.render(rdk_parameters.repaired(json.loads(COMMITTED))) == COMMITTED
    assert rdk_parameters.main([]) == 0  # check mode, on the committed file


def test_rdk_modify_fails_on_a_rule_with_tags_unless_they_are_passed_again(workspace):
    """rdk 1.0.0 hands the already-parsed tag list to json.loads: `--tags` is the workaround."""
    result = _rdk(workspace, "-r", "us-east-1", "modify", RULE, "--maximum-frequency", "Twelve_Hours")
    assert result.returncode != 0
    assert "Error parsing optional tags JSON" in result.stdout
    assert _parameters(workspace) == json.loads(COMMITTED)  # nothing written


def test_make_rdk_parameters_repairs_what_rdk_modify_damaged(workspace):
    # The README's workaround: `--tags '[]'` gets modify past its tag bug; the target restores the tags.
    result = _rdk(
        workspace, "-r", "us-east-1", "modify", RULE, "--maximum-frequency", "Twelve_Hours", "--tags", "[]"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert _parameters(workspace)["Tags"] == "[]"
    damaged = _parameters(workspace)["Parameters"]
    assert damaged["SourceRuntime"] == "python3.14-lib"
    assert damaged["Description"] == RULE
    assert damaged["CodeKey"] == f"{RULE}us-east-1.zip"
    assert "SSMAutomation" not in damaged
    assert not {"ResourceType", "Automatic"} & set(damaged["Remediation"])
    assert damaged["SourcePeriodic"] == "Twelve_Hours"

    repair = _make_rdk_parameters(workspace)
    assert repair.returncode == 0, repair.stdout + repair.stderr
    assert "SSMAutomation" in repair.stdout
    assert "Tags" in repair.stdout

    wanted = json.loads(COMMITTED)
    wanted["Parameters"]["SourcePeriodic"] = "Twelve_Hours"  # what modify was run for is kept
    assert _parameters(workspace) == wanted
    assert (workspace / RULE / "parameters.json").read_text() == rdk_parameters.render(wanted)
    # rdk reads the repaired file: the runbook, its role and the remediation are back in its template.
    output = workspace.parent / "rule.json"
    assert _rdk(workspace, "create-rule-template", "--rules-only", "-o", str(output), RULE).returncode == 0
    resources = json.loads(output.read_text())["Resources"]
    assert resources["IAMROOTNOACCESSKEYSRemediationAction"]["Type"] == "AWS::SSM::Document"
    assert resources["IAMROOTNOACCESSKEYSRemediation"]["Properties"]["ResourceType"] == "AWS::::Account"
    assert (
        resources["IAMROOTNOACCESSKEYSConfigRule"]["Properties"]["Source"]["SourceDetails"][0][
            "MaximumExecutionFrequency"
        ]
        == "Twelve_Hours"
    )


def test_parameter_values_set_with_rdk_modify_are_kept(workspace):
    values = {
        **json.loads(json.loads(COMMITTED)["Parameters"]["InputParameters"]),
        "IgnoreInactiveKeys": "true",
    }
    tags = json.loads(COMMITTED)["Tags"]
    result = _rdk(
        workspace, "-r", "us-east-1", "modify", RULE, "--input-parameters", json.dumps(values), "--tags", tags
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert rdk_parameters.main(["--write", "--rule-dir", str(workspace / RULE)]) == 0
    parameters = _parameters(workspace)["Parameters"]
    assert json.loads(parameters["InputParameters"])["IgnoreInactiveKeys"] == "true"
    assert parameters["SourceRuntime"] == "python3.12-lib"
    assert parameters["SSMAutomation"] == json.loads(COMMITTED)["Parameters"]["SSMAutomation"]


@pytest.mark.parametrize(
    ("input_parameters", "message"),
    [
        ({"IgnoreInactiveKeys": "maybe"}, "IgnoreInactiveKeys"),
        ({"IgnoreInactiveKey": "true"}, "Unknown rule parameter(s): IgnoreInactiveKey"),
    ],
)
def test_an_invalid_parameter_is_refused_and_the_file_left_alone(
    workspace, capsys, input_parameters, message
):
    path = workspace / RULE / "parameters.json"
    document = json.loads(COMMITTED)
    document["Parameters"]["InputParameters"] = json.dumps(input_parameters)
    path.write_text(json.dumps(document))
    before = path.read_text()
    assert rdk_parameters.main(["--write", "--rule-dir", str(workspace / RULE)]) == 1
    assert message in capsys.readouterr().err
    assert path.read_text() == before


def test_check_mode_names_what_differs(workspace, capsys):
    path = workspace / RULE / "parameters.json"
    document = json.loads(COMMITTED)
    document["Parameters"]["SourceRuntime"] = "python3.14-lib"
    del document["Parameters"]["SSMAutomation"]
    path.write_text(json.dumps(document, indent=2) + "\n")
    assert rdk_parameters.main(["--rule-dir", str(workspace / RULE)]) == 1
    err = capsys.readouterr().err
    assert "Parameters.SourceRuntime" in err
    assert "Parameters.SSMAutomation" in err
