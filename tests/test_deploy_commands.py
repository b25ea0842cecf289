"""The README's single-account deploy block, run as written with AWS CLI v1 (the `deploy-test`
extra) against a moto server: every parameter and tag of parameters.json reaches the stack, and the
Config rule gets policy.yaml's tags.

moto's CloudFormation does not create AWS::Config::ConfigRule resources, so the test creates the
rule the stack would have created before running the block; everything else is the stack's own.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from root_access_keys.metadata import config_tags, load_policy

from rootkeys_dev.local_aws import local_emulator

pytestmark = pytest.mark.server
ROOT = Path(__file__).resolve().parent.parent
AWS_CLI = Path(sys.executable).with_name("aws")
BUCKET = "deploy-artifacts"
STACK = "iam-root-no-access-keys"
REGION = "eu-west-1"


def readme_deploy_block() -> str:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", readme, flags=re.DOTALL)
    # The single-account block (the rdk section has its own deploy of rdk's template).
    [block] = [b for b in blocks if "aws cloudformation deploy" in b and "deploy-parameters" in b]
    return block


def cli_version() -> str:
    result = subprocess.run([str(AWS_CLI), "--version"], capture_output=True, text=True, check=True)
    return (result.stdout + result.stderr).strip()


@pytest.fixture(scope="module")
def emulator():
    with local_emulator() as endpoint:
        # moto's CloudFormation reads an uploaded template only from a localhost URL.
        yield endpoint.replace("127.0.0.1", "localhost")


def environment(endpoint: str) -> dict[str, str]:
    return {
        "PATH": f"{AWS_CLI.parent}:/usr/bin:/bin",
        "HOME": "/nonexistent",
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }


def client(service: str, endpoint: str):
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


# moto says which resource types its CloudFormation skips (the Config rule, its remediation, alarms).
@pytest.mark.filterwarnings("ignore:Tried to parse AWS.*not supported by moto")
def test_the_readme_block_deploys_with_aws_cli_v1(emulator):
    assert cli_version().startswith("aws-cli/1."), cli_version()
    block = readme_deploy_block()
    assert "file://" not in block
    configuration = json.loads((ROOT / "parameters.json").read_text())
    client("s3", emulator).create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    config = client("config", emulator)
    config.put_config_rule(
        ConfigRule={
            "ConfigRuleName": configuration["Parameters"]["ConfigRuleName"],
            "Source": {"Owner": "AWS", "SourceIdentifier": "IAM_ROOT_ACCESS_KEY_CHECK"},
        }
    )

    result = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", block.replace("<bucket>", BUCKET)],
        cwd=ROOT,
        env=environment(emulator),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Successfully created/updated stack - {STACK}" in result.stdout

    [stack] = client("cloudformation", emulator).describe_stacks(StackName=STACK)["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    deployed = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert deployed == configuration["Parameters"]
    assert {t["Key"]: t["Value"] for t in stack["Tags"]} == configuration["Tags"]
    function = client("lambda", emulator).get_function(FunctionName=deployed["ConfigRuleName"])
    assert function["Configuration"]["Runtime"] == "python3.12"

    arn = config.describe_config_rules(ConfigRuleNames=[deployed["ConfigRuleName"]])["ConfigRules"][0][
        "ConfigRuleArn"
    ]
    tags = {t["Key"]: t["Value"] for t in config.list_tags_for_resource(ResourceArn=arn)["Tags"]}
    assert tags == {t["Key"]: t["Value"] for t in config_tags(load_policy())}


def test_aws_cli_v1_refuses_the_file_form_the_words_replace(emulator, tmp_path):
    """Why the README passes words: v1 cannot read a template-configuration file."""
    template = tmp_path / "t.yaml"
    template.write_text("Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n")
    result = subprocess.run(
        [
            str(AWS_CLI),
            "cloudformation",
            "deploy",
            "--template-file",
            str(template),
            "--stack-name",
            "file-form",
            "--parameter-overrides",
            f"file://{ROOT / 'parameters.json'}",
        ],
        env=environment(emulator),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode != 0
    assert "must be of format Key=Value" in result.stderr
