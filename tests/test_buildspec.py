"""buildspec.yml: it parses, calls only Makefile targets and standard AWS CLI commands, and deploys
only when asked to."""

import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SHELL_WORDS = {"if", "elif", "else", "fi", "then", "echo", "exit"}
AWS_COMMANDS = {("cloudformation", "package"), ("cloudformation", "deploy")}


@pytest.fixture(scope="module")
def buildspec():
    return yaml.safe_load((ROOT / "buildspec.yml").read_text())


@pytest.fixture(scope="module")
def makefile_targets():
    text = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([A-Za-z0-9][\w.-]*)\s*:(?!=)", text, flags=re.MULTILINE))


def commands(buildspec):
    for phase_name, phase in buildspec["phases"].items():
        for command in phase.get("commands", []):
            yield phase_name, command


def shell_lines(command):
    """Logical lines of a (possibly multi-line) command, continuation backslashes joined."""
    joined = command.replace("\\\n", " ")
    return [line.strip() for line in joined.splitlines() if line.strip()]


def make_targets_in(line):
    found = []
    for match in re.finditer(r"(?:^[ \t]*|\$\()make\s+([^)\n]*)", line, flags=re.MULTILINE):
        words = shlex.split(match.group(1))
        found += [word for word in words if not word.startswith("-") and "=" not in word]
    return found


def test_buildspec_is_version_0_2_on_python_3_12(buildspec):
    assert str(buildspec["version"]) == "0.2"
    assert str(buildspec["phases"]["install"]["runtime-versions"]["python"]) == "3.12"
    assert buildspec["phases"]["install"]["commands"] == ["make venv"]


def test_every_make_target_it_calls_exists(buildspec, makefile_targets):
    called = [target for _, command in commands(buildspec) for target in make_targets_in(command)]
    assert {
        "venv",
        "lint",
        "test-unit",
        "test-rdk",
        "package",
        "cfn-lint",
        "scan",
        "deploy-parameters",
        "deploy-tags",
        "config-rule-tags",
    } <= set(called)
    missing = sorted(set(called) - makefile_targets)
    assert missing == []
    for target in sorted(set(called)):
        dry_run = subprocess.run(
            ["make", "-n", target], cwd=ROOT, capture_output=True, text=True, check=False, timeout=60
        )
        assert "No rule to make target" not in dry_run.stderr, target


def test_everything_else_is_a_standard_aws_cli_call_or_shell_glue(buildspec):
    for _, command in commands(buildspec):
        for line in shell_lines(command):
            words = shlex.split(line.replace("$(", " ").replace(")", " ").replace(";", " "))
            first = words[0]
            if first == "make":
                continue
            if first == "aws":
                assert tuple(words[1:3]) in AWS_COMMANDS, line
                continue
            assert first in SHELL_WORDS, line


def test_tests_write_a_junit_report_into_a_report_group(buildspec):
    [group] = buildspec["reports"].values()
    assert group["file-format"] == "JUNITXML"
    report = Path(group["base-directory"]) / group["files"][0]
    test_commands = [c for _, c in commands(buildspec) if c.startswith("make test-unit")]
    assert test_commands == [f'make test-unit PYTEST_ARGS="--junitxml={report}"']


def test_deploy_runs_only_when_the_deploy_variable_is_true_and_uses_parameters_json(buildspec):
    assert buildspec["env"]["variables"]["DEPLOY"] == "false"
    [deploy] = [c for _, c in commands(buildspec) if "aws cloudformation deploy" in c]
    lines = shell_lines(deploy)
    assert lines[0] == 'if [ "$DEPLOY" = "true" ]; then'
    call = next(line for line in lines if line.startswith("aws cloudformation deploy"))
    # Key=Value words, which AWS CLI v1 and v2 both take (v1 cannot read file://parameters.json).
    assert "--parameter-overrides $(make --no-print-directory -s deploy-parameters)" in call
    assert "file://" not in deploy
    assert "--template-file build/packaged-single-account.yaml" in call
    assert "$(make --no-print-directory -s deploy-tags)" in call
    [package] = [c for _, c in commands(buildspec) if "aws cloudformation package" in c]
    assert "--template-file build/single-account.yaml" in package
    assert "--output-template-file build/packaged-single-account.yaml" in package
    # The Config rule's tags (CloudFormation cannot set them) right after the deploy, only then.
    build = buildspec["phases"]["build"]["commands"]
    tagging = build[build.index(deploy) + 1]
    assert shell_lines(tagging) == ['if [ "$DEPLOY" = "true" ]; then', "make config-rule-tags", "fi"]
    # Deploying from post_build would also happen after a failed build.
    assert "post_build" not in buildspec["phases"]
    assert buildspec["phases"]["build"]["on-failure"] == "ABORT"


def test_the_deploy_tags_target_prints_the_tags_of_parameters_json():
    result = subprocess.run(
        ["make", "--no-print-directory", "-s", "deploy-tags"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    words = result.stdout.split()
    assert words and all(re.fullmatch(r"[^=\s]+=[^\s]+", word) for word in words)
