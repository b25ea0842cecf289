"""The inline suppressions the scanners honour, read from each resource's Metadata.

  Metadata:
    checkov:
      skip:
        - id: CKV_AWS_117
          comment: why the check does not apply
    cfn-guard:
      suppress:
        - id: CT.LAMBDA.PR.3
          comment: why the control does not apply

checkov reads its own key. cfn-guard has no suppression of its own for these rules, so
scan_guard.py subtracts the `cfn-guard` entries from its findings, and fails on an entry that no
longer matches a finding. Every entry of either kind needs a comment.
"""

from dataclasses import dataclass
from typing import Any

SCANNER_KEYS = {"checkov": ("checkov", "skip"), "cfn-guard": ("cfn-guard", "suppress")}


@dataclass(frozen=True)
class Suppression:
    scanner: str
    resource: str
    rule_id: str
    comment: str


class SuppressionError(Exception):
    """A suppression entry is malformed; the message names the resource and the entry."""


def suppressions(template: dict[str, Any], scanner: str) -> list[Suppression]:
    """Every suppression for `scanner` ("checkov" or "cfn-guard") in the template, checked for shape."""
    outer, inner = SCANNER_KEYS[scanner]
    found: list[Suppression] = []
    for name, resource in template.get("Resources", {}).items():
        block = (resource.get("Metadata") or {}).get(outer)
        if block is None:
            continue
        entries = block.get(inner) if isinstance(block, dict) else None
        if not isinstance(entries, list) or not entries:
            raise SuppressionError(f"{name}: Metadata.{outer}.{inner} must be a non-empty list")
        for entry in entries:
            rule_id = entry.get("id") if isinstance(entry, dict) else None
            comment = entry.get("comment") if isinstance(entry, dict) else None
            if not isinstance(rule_id, str) or not rule_id.strip():
                raise SuppressionError(f"{name}: a {outer} entry has no id: {entry!r}")
            if not isinstance(comment, str) or not comment.strip():
                raise SuppressionError(f"{name}: {outer} suppression of {rule_id} has no comment saying why")
            found.append(Suppression(scanner, name, rule_id.strip(), " ".join(comment.split())))
    return found
