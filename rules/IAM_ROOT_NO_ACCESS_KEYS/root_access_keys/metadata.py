"""The rule's compliance metadata, read once, and what is derived from it.

policy.yaml is the single source: the Config rule tags, the README's framework table and the
Security Hub finding's related requirements are produced here, so they cannot drift apart.
At run time the rule reads policy.json, the same document generated from policy.yaml at build
time (`make policy-metadata`): a Lambda zipped by `rdk deploy` holds only the rule folder and
the rdklib layer, without PyYAML. A test proves the committed policy.json matches policy.yaml.
"""

import json
import re
import sys
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

POLICY_FILE = Path(__file__).with_name("policy.yaml")  # the source, edited by people
POLICY_JSON = POLICY_FILE.with_suffix(".json")  # generated from it, read at run time
GENERATED_KEY = "_generated"
GENERATED_NOTE = "from policy.yaml by `make policy-metadata`: edit policy.yaml, not this file"

MAX_RELATED_REQUIREMENTS = 32  # Security Hub's limit for Compliance.RelatedRequirements
MAX_TAGS = 50  # AWS Config TagResource / PutConfigRule
MAX_TAG_KEY = 128
MAX_TAG_VALUE = 256
# Besides letters, digits and spaces, the characters every AWS service accepts in tags.
TAG_SYMBOLS = frozenset("_.:/=+-@")
TAG_SECTION_SEPARATOR = " / "
FRAMEWORK_TAG_PREFIX = "Framework:"

_REQUIRED_TEXT = ("id", "title", "type", "category", "severity", "description", "rationale", "audit")
_REQUIRED_MORE = ("remediation", "remediation_url")
SEVERITIES = ("INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL")  # Security Hub's labels


class PolicyMetadataError(Exception):
    """policy.yaml is missing, unreadable or lacks a required field."""


@dataclass(frozen=True)
class FrameworkSection:
    framework: str
    version: str | None
    section: str
    title: str

    @property
    def label(self) -> str:
        """'<framework> <version>', e.g. 'CIS AWS Foundations Benchmark v1.4.0'."""
        return f"{self.framework} {self.version}" if self.version else self.framework


@dataclass(frozen=True)
class SecurityHubSettings:
    title: str
    security_control_id: str
    recommendation: str
    types: tuple[str, ...]
    related_frameworks: tuple[str, ...]


@dataclass(frozen=True)
class Policy:
    id: str
    title: str
    type: str
    category: str
    severity: str
    description: str
    rationale: str
    audit: str
    remediation: str
    remediation_url: str
    security_hub: SecurityHubSettings
    frameworks: tuple[FrameworkSection, ...]

    def labels(self) -> tuple[str, ...]:
        """Framework labels in the order they first appear in the file."""
        return tuple(dict.fromkeys(section.label for section in self.frameworks))

    def sections_of(self, label: str) -> tuple[FrameworkSection, ...]:
        return tuple(section for section in self.frameworks if section.label == label)


def _text(document: Mapping[str, Any], name: str, where: str = "policy.yaml") -> str:
    value = document.get(name)
    if not isinstance(value, str) or not value.strip():
        raise PolicyMetadataError(f"{where}: field {name!r} must be a non-empty string")
    return value.strip()


def _section(entry: object, index: int) -> FrameworkSection:
    where = f"policy.yaml frameworks[{index}]"
    if not isinstance(entry, Mapping):
        raise PolicyMetadataError(f"{where} must be a mapping")
    version = entry.get("version")
    if version is not None and (not isinstance(version, str) or not version.strip()):
        raise PolicyMetadataError(f"{where}: version must be a non-empty string or null")
    return FrameworkSection(
        framework=_text(entry, "framework", where),
        version=version.strip() if version else None,
        section=_text(entry, "section", where),
        title=_text(entry, "title", where),
    )


def _string_list(document: Mapping[str, Any], name: str, where: str) -> tuple[str, ...]:
    value = document.get(name)
    if not isinstance(value, list) or not value or not all(isinstance(i, str) and i for i in value):
        raise PolicyMetadataError(f"{where}: {name} must be a non-empty list of strings")
    return tuple(value)


def parse_policy(document: object) -> Policy:
    """Validate a decoded policy.yaml document."""
    if not isinstance(document, Mapping):
        raise PolicyMetadataError("policy.yaml must be a mapping at the top level")
    texts = {name: _text(document, name) for name in _REQUIRED_TEXT + _REQUIRED_MORE}
    if texts["severity"] not in SEVERITIES:
        raise PolicyMetadataError(f"policy.yaml: severity must be one of {', '.join(SEVERITIES)}")
    hub = document.get("security_hub")
    if not isinstance(hub, Mapping):
        raise PolicyMetadataError("policy.yaml: security_hub must be a mapping")
    entries = document.get("frameworks")
    if not isinstance(entries, list) or not entries:
        raise PolicyMetadataError("policy.yaml: frameworks must be a non-empty list")
    sections = tuple(_section(entry, index) for index, entry in enumerate(entries))
    keys = [(s.label, s.section) for s in sections]
    duplicates = sorted({f"{label}/{section}" for label, section in keys if keys.count((label, section)) > 1})
    if duplicates:
        raise PolicyMetadataError(f"policy.yaml: duplicate framework sections: {', '.join(duplicates)}")
    policy = Policy(
        **texts,
        security_hub=SecurityHubSettings(
            title=_text(hub, "title", "policy.yaml security_hub"),
            security_control_id=_text(hub, "security_control_id", "policy.yaml security_hub"),
            recommendation=" ".join(_text(hub, "recommendation", "policy.yaml security_hub").split()),
            types=_string_list(hub, "types", "policy.yaml security_hub"),
            related_frameworks=_string_list(hub, "related_frameworks", "policy.yaml security_hub"),
        ),
        frameworks=sections,
    )
    unknown = [label for label in policy.security_hub.related_frameworks if label not in policy.labels()]
    if unknown:
        raise PolicyMetadataError(f"policy.yaml: related_frameworks names unknown frameworks: {unknown}")
    return policy


@cache
def load_policy() -> Policy:
    """Read and validate policy.json (once per process: warm Lambda invocations reuse it).

    Read as package data, so it is found wherever the package is imported from (a Lambda task
    directory, site-packages, or a zip on sys.path)."""
    try:
        text = (
            resources.files(__package__ or "root_access_keys").joinpath(POLICY_JSON.name).read_text("utf-8")
        )
        document = json.loads(text)
    except (OSError, ValueError) as error:
        raise PolicyMetadataError(f"Cannot read {POLICY_JSON.name}: {error}") from error
    return parse_policy(document)


def read_policy_yaml(path: Path = POLICY_FILE) -> object:
    """The decoded policy.yaml; build time only (PyYAML is not part of the Lambda package)."""
    import yaml  # noqa: PLC0415 - the rule never calls this, so the Lambda never imports PyYAML

    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise PolicyMetadataError(f"Cannot read {path.name}: {error}") from error


def render_policy_json(document: object) -> str:
    """policy.json's text for a decoded policy.yaml, after validating it."""
    parse_policy(document)
    stamped = {GENERATED_KEY: GENERATED_NOTE, **document}  # type: ignore[dict-item]
    try:
        text = json.dumps(stamped, indent=2, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as error:  # dates and other YAML-only values
        raise PolicyMetadataError(f"policy.yaml holds a value JSON cannot carry: {error}") from error
    return text + "\n"


def related_requirements(policy: Policy) -> list[str]:
    """Compliance.RelatedRequirements: '<label>/<section>' for the chosen frameworks, in file order."""
    items = [
        f"{label}/{section.section}"
        for label in policy.security_hub.related_frameworks
        for section in policy.sections_of(label)
    ]
    if len(items) > MAX_RELATED_REQUIREMENTS:
        raise PolicyMetadataError(
            f"policy.yaml: related_frameworks yield {len(items)} requirements; "
            f"Security Hub accepts at most {MAX_RELATED_REQUIREMENTS}"
        )
    return items


def tag_section_id(section: str) -> str:
    """Section ids in tag form: parentheses are not allowed in tags, so 'AC-2(1)' becomes 'AC-2.1'
    (the notation OSCAL uses for control enhancements)."""
    return re.sub(r"\((\w+)\)", r".\1", section)


def _tag_text_ok(text: str) -> bool:
    return all(c.isalnum() or c in TAG_SYMBOLS or unicodedata.category(c) == "Zs" for c in text)


def _check_tag(key: str, value: str) -> None:
    problems = []
    if not 1 <= len(key) <= MAX_TAG_KEY:
        problems.append(f"key length {len(key)} outside 1..{MAX_TAG_KEY}")
    if len(value) > MAX_TAG_VALUE:
        problems.append(f"value length {len(value)} over {MAX_TAG_VALUE}")
    if not (_tag_text_ok(key) and _tag_text_ok(value)):
        problems.append("characters outside letters, digits, spaces and + - = . _ : / @")
    if key.lower().startswith("aws:") or value.lower().startswith("aws:"):
        problems.append('"aws:" prefix is reserved')
    if problems:
        raise PolicyMetadataError(f"Config tag {key!r}: {'; '.join(problems)}")


def config_tags(policy: Policy) -> list[dict[str, str]]:
    """The Config rule's tags: the policy's identity, then one tag per framework version."""
    tags = {
        "PolicyId": policy.id,
        "PolicyType": policy.type,
        "PolicyCategory": policy.category,
        "PolicySeverity": policy.severity,
        "SecurityControlId": policy.security_hub.security_control_id,
    }
    for label in policy.labels():
        sections = TAG_SECTION_SEPARATOR.join(tag_section_id(s.section) for s in policy.sections_of(label))
        tags[f"{FRAMEWORK_TAG_PREFIX}{label}"] = sections
    if len(tags) > MAX_TAGS:
        raise PolicyMetadataError(f"{len(tags)} Config tags; AWS Config accepts at most {MAX_TAGS}")
    for key, value in tags.items():
        _check_tag(key, value)
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def frameworks_table(policy: Policy) -> str:
    """The README's framework table (markdown), one row per section, in file order."""
    lines = ["| framework | version | section | title |", "|---|---|---|---|"]
    lines += [
        f"| {_cell(s.framework)} | {_cell(s.version or '-')} | {_cell(s.section)} | {_cell(s.title)} |"
        for s in policy.frameworks
    ]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - `python -m root_access_keys.metadata` prints the table
    sys.stdout.write(frameworks_table(load_policy()) + "\n")
