"""Tag the deployed AWS Config rule with the tags policy.yaml defines (`make config-rule-tags`).

    python scripts/config_rule_tags.py [--rule-name NAME] [--region REGION] [--configuration FILE]

CloudFormation cannot tag an AWS::Config::ConfigRule, so this runs after `aws cloudformation
deploy`. It finds the rule's ARN (config:DescribeConfigRules), reads its tags
(config:ListTagsForResource), sets every tag policy.yaml produces (config:TagResource) and removes
tags of the same families that policy.yaml no longer produces (config:UntagResource), so the
rule carries exactly the policy's tags; tags of other families are left alone.
templates/policies/config-rule-tags.json is the policy the deploying principal needs.

The rule name comes from --rule-name, else RULE_NAME, else ConfigRuleName in parameters.json;
the Region from --region, else AWS_REGION, else the SDK's default chain.
"""

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoRegionError
from root_access_keys.metadata import FRAMEWORK_TAG_PREFIX, config_tags, load_policy

ROOT = Path(__file__).resolve().parent.parent
CONFIGURATION = ROOT / "parameters.json"


class TaggingError(Exception):
    """The rule could not be tagged; the message says why."""


def desired_tags() -> dict[str, str]:
    """policy.yaml's Config rule tags (the same ones rdk deploys from the rule's parameters.json)."""
    return {tag["Key"]: tag["Value"] for tag in config_tags(load_policy())}


def owned(key: str, desired: dict[str, str]) -> bool:
    """Tags of the families this step manages: the policy identity keys and every framework tag."""
    identity = {name for name in desired if not name.startswith(FRAMEWORK_TAG_PREFIX)}
    return key in identity or key.startswith(FRAMEWORK_TAG_PREFIX)


def rule_arn(config: Any, rule_name: str) -> str:
    not_found = TaggingError(
        f"no AWS Config rule named {rule_name!r} in {config.meta.region_name}: deploy the stack "
        "first, or set RULE_NAME (or ConfigRuleName in parameters.json) and AWS_REGION"
    )
    try:
        rules = config.describe_config_rules(ConfigRuleNames=[rule_name])["ConfigRules"]
    except ClientError as error:
        if error.response["Error"]["Code"] == "NoSuchConfigRuleException":
            raise not_found from error
        raise
    matching = [rule for rule in rules if rule.get("ConfigRuleName") == rule_name]
    if not matching:
        raise not_found
    if len(matching) > 1:
        raise TaggingError(f"AWS Config answered {len(matching)} rules for the name {rule_name!r}")
    return matching[0]["ConfigRuleArn"]


def current_tags(config: Any, arn: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    request: dict[str, Any] = {"ResourceArn": arn}
    while True:
        page = config.list_tags_for_resource(**request)
        tags |= {tag["Key"]: tag.get("Value", "") for tag in page.get("Tags", [])}
        if not page.get("NextToken"):
            return tags
        request["NextToken"] = page["NextToken"]


def apply_tags(config: Any, rule_name: str, desired: dict[str, str]) -> dict[str, list[str]]:
    """Make the rule's managed tags equal `desired`; returns what was set and what was removed."""
    arn = rule_arn(config, rule_name)
    existing = current_tags(config, arn)
    stale = sorted(key for key in existing if owned(key, desired) and key not in desired)
    changed = [key for key, value in desired.items() if existing.get(key) != value]
    if stale:
        config.untag_resource(ResourceArn=arn, TagKeys=stale)
    if changed:
        config.tag_resource(ResourceArn=arn, Tags=[{"Key": key, "Value": desired[key]} for key in changed])
    return {"arn": [arn], "set": changed, "removed": stale}


def configured_rule_name(configuration: Path) -> str:
    try:
        parameters = json.loads(configuration.read_text(encoding="utf-8"))["Parameters"]
        name = parameters["ConfigRuleName"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise TaggingError(
            f"no rule name: pass --rule-name or RULE_NAME, or give {configuration} a "
            "Parameters.ConfigRuleName"
        ) from error
    if not isinstance(name, str) or not name:
        raise TaggingError(f"{configuration}: Parameters.ConfigRuleName must be a non-empty string")
    return name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rule-name", default=os.environ.get("RULE_NAME") or None)
    parser.add_argument("--region", default=os.environ.get("AWS_REGION") or None)
    parser.add_argument("--configuration", type=Path, default=CONFIGURATION)
    arguments = parser.parse_args(argv)
    try:
        rule_name = arguments.rule_name or configured_rule_name(arguments.configuration)
        config = boto3.client("config", region_name=arguments.region)
        result = apply_tags(config, rule_name, desired_tags())
    except TaggingError as error:
        print(f"config-rule-tags: {error}", file=sys.stderr)
        return 1
    except NoRegionError:
        print("config-rule-tags: no Region: set AWS_REGION or pass --region", file=sys.stderr)
        return 1
    except (ClientError, BotoCoreError) as error:
        print(f"config-rule-tags: AWS Config refused the request: {error}", file=sys.stderr)
        return 1
    print(
        f"config-rule-tags: {result['arn'][0]}: {len(result['set'])} tags set, "
        f"{len(result['removed'])} removed"
        + (f" ({', '.join(result['removed'])})" if result["removed"] else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
