"""`make config-rule-tags`: the deployed Config rule gets exactly policy.yaml's tags, through the calls
templates/policies/config-rule-tags.json allows, and fails loudly when it cannot."""

import json
import re
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from root_access_keys.metadata import config_tags, load_policy

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import config_rule_tags  # noqa: E402

RULE = "IAM_ROOT_NO_ACCESS_KEYS"
POLICY = ROOT / "templates" / "policies" / "config-rule-tags.json"
POLICY_TAGS = {tag["Key"]: tag["Value"] for tag in config_tags(load_policy())}


class CallLog:
    """service:Operation of every request a client sends (botocore's before-call event)."""

    def __init__(self, client):
        self.calls: list[str] = []
        client.meta.events.register("before-call.config", self._record)

    def _record(self, model, **_):
        self.calls.append(f"config:{model.name}")


@pytest.fixture
def config():
    with mock_aws():
        client = boto3.client("config", region_name="us-east-1")
        client.put_config_rule(
            ConfigRule={
                "ConfigRuleName": RULE,
                "Source": {"Owner": "AWS", "SourceIdentifier": "IAM_ROOT_ACCESS_KEY_CHECK"},
                "MaximumExecutionFrequency": "TwentyFour_Hours",
            }
        )
        yield client


def tags_of(client, name=RULE):
    arn = client.describe_config_rules(ConfigRuleNames=[name])["ConfigRules"][0]["ConfigRuleArn"]
    return {t["Key"]: t["Value"] for t in client.list_tags_for_resource(ResourceArn=arn)["Tags"]}


def test_an_untagged_rule_gets_every_policy_tag(config):
    log = CallLog(config)
    result = config_rule_tags.apply_tags(config, RULE, config_rule_tags.desired_tags())
    assert log.calls == ["config:DescribeConfigRules", "config:ListTagsForResource", "config:TagResource"]
    assert tags_of(config) == POLICY_TAGS
    assert sorted(result["set"]) == sorted(POLICY_TAGS) and result["removed"] == []
    assert len(POLICY_TAGS) > 20 and "Framework:CIS AWS Foundations Benchmark v1.4.0" in POLICY_TAGS


def test_stale_policy_tags_are_removed_and_other_tags_kept(config):
    arn = config.describe_config_rules(ConfigRuleNames=[RULE])["ConfigRules"][0]["ConfigRuleArn"]
    config.tag_resource(
        ResourceArn=arn,
        Tags=[
            {"Key": "Framework:Retired Benchmark v0.1", "Value": "9.9"},
            {"Key": "PolicySeverity", "Value": "LOW"},
            {"Key": "CostCentre", "Value": "security"},
        ],
    )
    result = config_rule_tags.apply_tags(config, RULE, config_rule_tags.desired_tags())
    assert tags_of(config) == POLICY_TAGS | {"CostCentre": "security"}
    assert result["removed"] == ["Framework:Retired Benchmark v0.1"]
    assert "PolicySeverity" in result["set"]


def test_a_second_run_changes_nothing(config):
    config_rule_tags.apply_tags(config, RULE, config_rule_tags.desired_tags())
    log = CallLog(config)
    result = config_rule_tags.apply_tags(config, RULE, config_rule_tags.desired_tags())
    assert result["set"] == [] and result["removed"] == []
    assert log.calls == ["config:DescribeConfigRules", "config:ListTagsForResource"]


def test_a_missing_rule_is_a_clear_error_and_tags_nothing(config):
    log = CallLog(config)
    with pytest.raises(config_rule_tags.TaggingError, match=r"no AWS Config rule named 'OTHER' in us-east-1"):
        config_rule_tags.apply_tags(config, "OTHER", config_rule_tags.desired_tags())
    assert log.calls == ["config:DescribeConfigRules"]


def test_a_refused_tag_request_surfaces_with_a_non_zero_exit(monkeypatch, capsys):
    client = boto3.client("config", region_name="eu-west-1")
    arn = "arn:aws:config:eu-west-1:123456789012:config-rule/config-rule-abc123"
    with Stubber(client) as stub:
        stub.add_response(
            "describe_config_rules",
            {"ConfigRules": [{"ConfigRuleName": RULE, "ConfigRuleArn": arn, "Source": {"Owner": "AWS"}}]},
            {"ConfigRuleNames": [RULE]},
        )
        stub.add_response(
            "list_tags_for_resource", {"Tags": [{"Key": "CostCentre", "Value": "x"}]}, {"ResourceArn": arn}
        )
        stub.add_client_error("tag_resource", "AccessDeniedException", "not authorized to tag")
        monkeypatch.setattr(config_rule_tags.boto3, "client", lambda *_, **__: client)
        assert config_rule_tags.main(["--rule-name", RULE]) == 1
        stub.assert_no_pending_responses()
    error = capsys.readouterr().err
    assert "AccessDeniedException" in error and "not authorized to tag" in error


def test_the_rule_name_comes_from_parameters_json_unless_given(tmp_path, monkeypatch):
    assert config_rule_tags.configured_rule_name(ROOT / "parameters.json") == RULE
    broken = tmp_path / "parameters.json"
    broken.write_text(json.dumps({"Parameters": {}}))
    with pytest.raises(config_rule_tags.TaggingError, match="--rule-name or RULE_NAME"):
        config_rule_tags.configured_rule_name(broken)
    monkeypatch.setenv("RULE_NAME", "FROM_ENVIRONMENT")
    seen = []
    done = {"arn": ["arn:aws:config:us-east-1:1:config-rule/config-rule-a"], "set": [], "removed": []}
    monkeypatch.setattr(config_rule_tags, "apply_tags", lambda _c, name, _d: seen.append(name) or done)
    monkeypatch.setattr(config_rule_tags.boto3, "client", lambda *_, **__: None)
    assert config_rule_tags.main(["--configuration", str(broken)]) == 0
    assert seen == ["FROM_ENVIRONMENT"]


def test_make_config_rule_tags_against_an_emulated_region():
    """The make target end to end on a moto server: refused before the rule exists, then tags it."""
    from rootkeys_dev.local_aws import local_emulator

    def run(*arguments):
        return subprocess.run(
            ["make", "-s", "--no-print-directory", "config-rule-tags", *arguments],
            cwd=ROOT,
            env={
                "PATH": "/usr/bin:/bin",
                "AWS_ENDPOINT_URL": endpoint,
                "AWS_REGION": "eu-central-1",
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_CONFIG_FILE": "/dev/null",
                "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            },
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )

    with local_emulator() as endpoint:
        missing = run("RULE_NAME=NOT_DEPLOYED")
        assert missing.returncode != 0
        assert "no AWS Config rule named 'NOT_DEPLOYED' in eu-central-1" in missing.stderr
        client = boto3.client(
            "config",
            region_name="eu-central-1",
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        client.put_config_rule(
            ConfigRule={
                "ConfigRuleName": RULE,
                "Source": {"Owner": "AWS", "SourceIdentifier": "IAM_ROOT_ACCESS_KEY_CHECK"},
            }
        )
        done = run()  # the rule name from parameters.json
        assert done.returncode == 0, done.stderr
        assert f"{len(POLICY_TAGS)} tags set, 0 removed" in done.stdout
        assert tags_of(client) == POLICY_TAGS


def _policy_statements():
    document = json.loads(POLICY.read_text())
    statements = document["Statement"]
    for statement in statements:
        assert statement["Effect"] == "Allow"
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all("*" not in action for action in actions), "no wildcard actions"
        statement["Action"] = actions
    return statements


def test_the_policy_allows_exactly_the_calls_made(config):
    arn = config.describe_config_rules(ConfigRuleNames=[RULE])["ConfigRules"][0]["ConfigRuleArn"]
    config.tag_resource(ResourceArn=arn, Tags=[{"Key": "Framework:Retired v0", "Value": "1"}])
    log = CallLog(config)
    config_rule_tags.apply_tags(config, RULE, config_rule_tags.desired_tags())
    allowed = {action for statement in _policy_statements() for action in statement["Action"]}
    assert set(log.calls) == allowed


def test_the_tag_actions_are_limited_to_config_rules_and_the_policy_tag_keys():
    arn = "arn:aws:config:eu-west-1:123456789012:config-rule/config-rule-abc123"
    for statement in _policy_statements():
        if statement["Action"] == ["config:DescribeConfigRules"]:
            continue
        pattern = re.escape(statement["Resource"]).replace(r"\*", "[^:]*")
        assert re.fullmatch(pattern, arn)
        assert not re.fullmatch(pattern, "arn:aws:config:eu-west-1:123456789012:config-aggregator/x")
        if "config:TagResource" in statement["Action"]:
            patterns = statement["Condition"]["ForAllValues:StringLike"]["aws:TagKeys"]
            as_regex = [re.escape(p).replace(r"\*", ".*") for p in patterns]
            for key in [*POLICY_TAGS, "Framework:Retired v0"]:
                assert any(re.fullmatch(p, key) for p in as_regex), key
            assert not any(re.fullmatch(p, "CostCentre") for p in as_regex)
