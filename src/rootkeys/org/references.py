"""The framework references an org-audit run records (`RunInfo.references`), from policy.yaml.

The inventory's evidence is about one control: the CIS AWS Foundations Benchmark's root access
key recommendation (every version in policy.yaml) and AWS Foundational Security Best Practices
IAM.4. The wider mappings (NIST, PCI DSS, ...) stay in the rule's Config tags and README.
"""

from __future__ import annotations

from root_access_keys.metadata import Policy, load_policy

# Frameworks (policy.yaml `framework` names) whose sections a run records, in file order.
INVENTORY_FRAMEWORKS = ("CIS AWS Foundations Benchmark", "AWS Foundational Security Best Practices")


def policy_references(policy: Policy | None = None) -> tuple[str, ...]:
    """'<framework> <version> <section>' for each CIS and FSBP section of policy.yaml, in file order,
    e.g. 'CIS AWS Foundations Benchmark v5.0.0 1.3' and 'AWS Foundational Security Best Practices
    v1.0.0 IAM.4'. Reads the shipped policy.yaml when no policy is given."""
    policy = policy or load_policy()
    return tuple(
        f"{section.label} {section.section}"
        for section in policy.frameworks
        if section.framework in INVENTORY_FRAMEWORKS
    )
