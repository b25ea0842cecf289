"""The deployment tags of parameters.json, the file `aws cloudformation deploy --tags` reads."""

import json
from collections.abc import Mapping

import aws_cdk as cdk
from constructs import Construct

from rootkeys_cdk.artifacts import REPO_ROOT

CONFIGURATION_FILE = REPO_ROOT / "parameters.json"


def deployment_tags() -> dict[str, str]:
    tags = json.loads(CONFIGURATION_FILE.read_text(encoding="utf-8")).get("Tags") or {}
    if not isinstance(tags, dict) or not all(isinstance(value, str) for value in tags.values()):
        raise ValueError(f"{CONFIGURATION_FILE}: Tags must be an object of strings")
    return tags


def apply_tags(scope: Construct, tags: Mapping[str, str] | None) -> dict[str, str]:
    """Tag every taggable resource under scope; None means parameters.json's Tags."""
    chosen = deployment_tags() if tags is None else dict(tags)
    for key, value in chosen.items():
        cdk.Tags.of(scope).add(key, value)
    return chosen
