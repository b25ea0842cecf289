"""policy.yaml is the one source: prove its content and that every consumer agrees with it."""

import copy
import json
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from root_access_keys.metadata import (
    MAX_RELATED_REQUIREMENTS,
    POLICY_FILE,
    PolicyMetadataError,
    config_tags,
    frameworks_table,
    load_policy,
    parse_policy,
    related_requirements,
    tag_section_id,
)
from root_access_keys.spec import default_input_parameters

ROOT = Path(__file__).resolve().parent.parent
PARAMETERS_JSON = ROOT / "rules" / "IAM_ROOT_NO_ACCESS_KEYS" / "parameters.json"
README = ROOT / "README.md"
TABLE_START = "<!-- frameworks table: generated from policy.yaml by scripts/policy_metadata.py -->"
TABLE_END = "<!-- end of frameworks table -->"

# The facts from the policy page (../shared/seed), stated a second time on purpose: a typo in
# policy.yaml has to match a typo here to go unnoticed. (label, section id)
EXPECTED_SECTIONS = {
    ("CIS AWS Foundations Benchmark v1.2.0", "1.12"),
    *(
        (f"CIS AWS Foundations Benchmark {v}", "1.4")
        for v in ("v1.3.0", "v1.4.0", "v1.5.0", "v2.0.0", "v3.0.0", "v4.0.0", "v4.0.1")
    ),
    ("CIS AWS Foundations Benchmark v5.0.0", "1.3"),
    # Not on the policy page; sources are named next to the entries in policy.yaml.
    ("CIS AWS Foundations Benchmark v6.0.0", "2.3"),
    ("CIS AWS Foundations Benchmark v7.0.0", "2.4"),
    ("AWS Foundational Security Best Practices v1.0.0", "IAM.4"),
    ("NIST SP 800-53 Revision 4", "SC-12"),
    *(
        ("NIST SP 800-53 Revision 5", s)
        for s in ("AC-2(1)", "AC-3(7)", "AC-3(15)", "AC-6", "AC-6(2)", "AC-6(5)", "AC-6(10)")
    ),
    *(("NIST CSF v1.1", s) for s in ("PR.AC-4", "PR.DS-1", "PR.DS-2", "PR.DS-5", "PR.PT-3")),
    *(("NIST CSF v2.0", s) for s in ("PR.AA-05", "PR.DS-01", "PR.DS-02", "PR.DS-10")),
    *(("PCI DSS v3.2.1", s) for s in ("2.1", "2.2", "7.2.1")),
    *(("PCI DSS v4.0", s) for s in ("2.2.1", "2.2.2", "7.3.1")),
    *(("PCI DSS v4.0.1", s) for s in ("2.2.1", "2.2.2", "7.3.1")),
    ("ISO/IEC 27001 2013", "A.9.1.2"),
    *(("ISO/IEC 27001 2022", s) for s in ("5.10", "5.15", "8.2", "8.3", "8.4")),
    ("FedRAMP Low", "AC-3"),
    *(
        (f"FedRAMP {baseline}", s)
        for baseline in ("Moderate", "High")
        for s in ("AC-2(1)", "AC-2(9)", "AC-3", "AC-6", "AC-6(2)", "AC-6(5)", "AC-6(10)")
    ),
    ("GDPR", "Art. 25"),
    ("GDPR", "Art. 32"),
    ("APRA CPG 234", "47c"),
    ("APRA CPG 234", "c"),
}
# A few titles checked word for word (ids and titles are facts).
EXPECTED_TITLES = {
    ("CIS AWS Foundations Benchmark v1.2.0", "1.12"): "Ensure no root account access key exists",
    ("CIS AWS Foundations Benchmark v1.4.0", "1.4"): "Ensure no 'root' user account access key exists",
    (
        "CIS AWS Foundations Benchmark v5.0.0",
        "1.3",
    ): "Ensure no 'root' user account access key exists (Automated)",
    ("CIS AWS Foundations Benchmark v6.0.0", "2.3"): "Ensure no 'root' user account access key exists",
    ("CIS AWS Foundations Benchmark v7.0.0", "2.4"): "Ensure no 'root' user account access key exists",
    ("AWS Foundational Security Best Practices v1.0.0", "IAM.4"): "IAM root user access key should not exist",
    ("NIST SP 800-53 Revision 5", "AC-6(5)"): "Least Privilege _ Privileged Accounts",
    ("ISO/IEC 27001 2022", "8.2"): "Privileged access rights",
    ("GDPR", "Art. 32"): "Security of processing",
}


def tag_text_allowed(text):
    """Letters, digits, spaces and _ . : / = + - @ (the tag characters all AWS services accept)."""
    return all(c.isalnum() or c in " _.:/=+-@" or unicodedata.category(c) == "Zs" for c in text)


def raw_policy():
    return yaml.safe_load(POLICY_FILE.read_text(encoding="utf-8"))


def test_policy_identity_and_texts():
    policy = load_policy()
    assert policy.id == "/ce/ca/aws/iam/delete-root-user-access-keys"
    assert (policy.type, policy.category, policy.severity) == ("COMPLIANCE_POLICY", "SECURITY", "CRITICAL")
    assert policy.title == "AWS Account Root User has active access keys"
    for text in (policy.description, policy.rationale, policy.audit, policy.remediation):
        assert len(text) >= 200
    assert "AccountAccessKeysPresent" in policy.audit
    assert "<root_account>" in policy.audit
    assert policy.remediation_url.startswith("https://docs.aws.amazon.com/")
    assert policy.security_hub.security_control_id == "IAM.4"
    assert len(policy.security_hub.recommendation) <= 512
    assert len(policy.security_hub.title) <= 256


def test_framework_sections_are_exactly_the_policy_pages():
    policy = load_policy()
    found = [(section.label, section.section) for section in policy.frameworks]
    assert len(found) == len(set(found)) == 63
    assert set(found) == EXPECTED_SECTIONS
    titles = {(s.label, s.section): s.title for s in policy.frameworks}
    for key, title in EXPECTED_TITLES.items():
        assert titles[key] == title


# Where each CIS AWS Foundations Benchmark version numbers this recommendation: 1.12 in v1.2.0,
# 1.4 from v1.3.0 to v4.0.1, 1.3 in v5.0.0, then section 2 (Identity and Access Management).
CIS_SECTION_BY_VERSION = {
    "v1.2.0": "1.12",
    "v1.3.0": "1.4",
    "v1.4.0": "1.4",
    "v1.5.0": "1.4",
    "v2.0.0": "1.4",
    "v3.0.0": "1.4",
    "v4.0.0": "1.4",
    "v4.0.1": "1.4",
    "v5.0.0": "1.3",
    "v6.0.0": "2.3",
    "v7.0.0": "2.4",
}


def test_each_cis_version_has_exactly_one_section_oldest_first():
    policy = load_policy()
    cis = [s for s in policy.frameworks if s.framework == "CIS AWS Foundations Benchmark"]
    assert [(s.version, s.section) for s in cis] == list(CIS_SECTION_BY_VERSION.items())
    for section in cis:
        assert section.title.startswith("Ensure no ")
        assert "access key exists" in section.title


def test_cis_versions_without_a_security_hub_standard_stay_off_the_finding():
    # Security Hub CSPM has CIS standards v5.0.0, v3.0.0, v1.4.0 and v1.2.0 only; the newer
    # benchmarks are in the Config tags and the README table but not in RelatedRequirements.
    policy = load_policy()
    items = related_requirements(policy)
    cis_on_finding = [item for item in items if item.startswith("CIS AWS Foundations Benchmark ")]
    assert cis_on_finding == [
        "CIS AWS Foundations Benchmark v5.0.0/1.3",
        "CIS AWS Foundations Benchmark v3.0.0/1.4",
        "CIS AWS Foundations Benchmark v1.4.0/1.4",
        "CIS AWS Foundations Benchmark v1.2.0/1.12",
    ]
    tags = {tag["Key"]: tag["Value"] for tag in config_tags(policy)}
    assert tags["Framework:CIS AWS Foundations Benchmark v6.0.0"] == "2.3"
    assert tags["Framework:CIS AWS Foundations Benchmark v7.0.0"] == "2.4"
    rows = readme_table().splitlines()
    assert (
        "| CIS AWS Foundations Benchmark | v6.0.0 | 2.3 | Ensure no 'root' user account access key exists |"
        in rows
    )
    assert (
        "| CIS AWS Foundations Benchmark | v7.0.0 | 2.4 | Ensure no 'root' user account access key exists |"
        in rows
    )


def test_config_tags_in_parameters_json_are_what_policy_yaml_produces():
    parameters = json.loads(PARAMETERS_JSON.read_text(encoding="utf-8"))
    assert json.loads(parameters["Tags"]) == config_tags(load_policy())


def test_config_tags_fit_aws_config_limits_and_cover_every_section():
    policy = load_policy()
    tags = config_tags(policy)
    assert 1 <= len(tags) <= 50
    assert len({tag["Key"] for tag in tags}) == len(tags)
    for tag in tags:
        assert set(tag) == {"Key", "Value"}
        assert 1 <= len(tag["Key"]) <= 128
        assert len(tag["Value"]) <= 256
        for text in tag.values():
            assert tag_text_allowed(text), text
            assert not text.lower().startswith("aws:")
    values = {tag["Key"]: tag["Value"] for tag in tags}
    assert values["PolicyId"] == policy.id
    assert values["PolicySeverity"] == "CRITICAL"
    for label, section in EXPECTED_SECTIONS:
        assert tag_section_id(section) in values[f"Framework:{label}"].split(" / "), (label, section)
    assert values["Framework:NIST SP 800-53 Revision 5"].startswith("AC-2.1 / AC-3.7 / AC-3.15")


def test_input_parameters_default_security_hub_findings_off():
    parameters = json.loads(PARAMETERS_JSON.read_text(encoding="utf-8"))
    inputs = json.loads(parameters["Parameters"]["InputParameters"])
    assert inputs["SecurityHubFindings"] == "false"
    assert inputs == default_input_parameters()


def readme_table() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(TABLE_START) + len(TABLE_START)
    return text[start : text.index(TABLE_END, start)].strip("\n")


def test_readme_framework_table_is_generated_from_policy_yaml():
    policy = load_policy()
    table = readme_table()
    assert table == frameworks_table(policy)
    rows = table.splitlines()[2:]
    assert len(rows) == len(policy.frameworks)
    for row, section in zip(rows, policy.frameworks, strict=True):
        cells = [cell.strip() for cell in row.strip("|").split(" | ")]
        assert cells == [section.framework, section.version or "-", section.section, section.title]


def test_the_generator_script_reports_the_files_in_sync():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "policy_metadata.py")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_related_requirements_come_from_the_file_and_fit_security_hub():
    policy = load_policy()
    items = related_requirements(policy)
    assert len(items) == 28 <= MAX_RELATED_REQUIREMENTS
    assert len(set(items)) == len(items)
    known = {f"{label}/{section}" for label, section in EXPECTED_SECTIONS}
    assert set(items) <= known
    assert items[:4] == [
        "CIS AWS Foundations Benchmark v5.0.0/1.3",
        "CIS AWS Foundations Benchmark v3.0.0/1.4",
        "CIS AWS Foundations Benchmark v1.4.0/1.4",
        "CIS AWS Foundations Benchmark v1.2.0/1.12",
    ]
    for label in policy.security_hub.related_frameworks:  # every section of a chosen framework
        assert {f"{label}/{s.section}" for s in policy.sections_of(label)} <= set(items)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("rationale"), "'rationale'"),
        (lambda d: d.update(severity=" "), "'severity'"),
        (lambda d: d.update(severity="SEVERE"), "severity must be one of"),
        (lambda d: d["frameworks"].append(dict(d["frameworks"][0])), "duplicate framework sections"),
        (lambda d: d["frameworks"][0].pop("section"), "frameworks[0]: field 'section'"),
        (lambda d: d["frameworks"][0].update(version=3), "version must be"),
        (lambda d: d["security_hub"]["related_frameworks"].append("CIS AWS v9"), "unknown frameworks"),
        (lambda d: d["security_hub"].update(types=[]), "types must be"),
        (lambda d: d.update(frameworks="CIS"), "frameworks must be"),
    ],
)
def test_a_broken_policy_file_is_rejected_naming_the_problem(change, message):
    document = copy.deepcopy(raw_policy())
    change(document)
    with pytest.raises(PolicyMetadataError, match=re.escape(message)):
        parse_policy(document)


def test_more_than_32_related_requirements_is_an_error_not_a_silent_cut():
    document = copy.deepcopy(raw_policy())
    document["security_hub"]["related_frameworks"] = list(
        dict.fromkeys(
            f"{e['framework']} {e['version']}" if e["version"] else e["framework"]
            for e in document["frameworks"]
        )
    )
    with pytest.raises(PolicyMetadataError, match="at most 32"):
        related_requirements(parse_policy(document))


@settings(max_examples=60, deadline=None)
@given(
    framework=st.text(min_size=1, max_size=150).filter(str.strip),
    section=st.text(min_size=1, max_size=300).filter(str.strip),
)
def test_config_tags_are_valid_or_refused_never_silently_wrong(framework, section):
    document = copy.deepcopy(raw_policy())
    document["frameworks"].append({"framework": framework, "version": None, "section": section, "title": "t"})
    try:
        policy = parse_policy(document)
        tags = config_tags(policy)
    except PolicyMetadataError:
        return
    for tag in tags:
        assert 1 <= len(tag["Key"]) <= 128
        assert len(tag["Value"]) <= 256
        assert tag_text_allowed(tag["Key"] + tag["Value"])
        assert not tag["Key"].lower().startswith("aws:")
    assert len(tags) <= 50
