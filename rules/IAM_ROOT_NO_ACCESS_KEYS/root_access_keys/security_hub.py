"""One Security Hub finding (ASFF) per account and Region, upserted with BatchImportFindings.

Why our own finding: Security Hub's Config integration gives a custom rule's result MEDIUM
severity and a generic text, sends it only when compliance changes, and deletes it 90 days
after its last update. This finding carries the policy's severity (CRITICAL), the framework
references from policy.yaml, and a fresh UpdatedAt on every run, so a key that stays never
ages out.

Decisions (Security Hub user guide, "BatchImportFindings for finding providers" and the ASFF
reference):
- Id is stable per rule, partition, Region and account and has no time or random part: every
  run updates the same finding. Security Hub keys findings by (ProductArn, Id); the default
  product ARN already names the account and Region, the Id repeats them so the finding stays
  unique in a cross-Region aggregation or an administrator account's view.
- UpdatedAt is the time of this run. Security Hub ignores an update whose UpdatedAt is older
  than the stored one, so the clock (not the Config notification time) is used.
- CreatedAt ("when the potential security issue was created") cannot be first-seen without
  reading the finding (securityhub:GetFindings, which we do not grant), and the documentation
  does not promise that Security Hub keeps the first CreatedAt when an update sends another.
  So CreatedAt is sent as a value that does not move: while keys exist and the credential
  report dates them, the oldest key's creation time (when the issue began). Otherwise
  (compliant, or no date in the report) it is this run's time.
- Severity and Types are sent both at the top level and in FindingProviderFields: after
  creation, Security Hub takes a provider's changes to them only from FindingProviderFields.
- Workflow: a provider can set Workflow.Status only when the finding is created; on updates
  Security Hub ignores it. A new finding starts NEW (FAILED) or RESOLVED (PASSED). When a
  finding goes back from PASSED to FAILED, Security Hub itself resets RESOLVED to NEW. For
  FAILED -> PASSED to end as RESOLVED in a real hub, `resolve_automation_rule()` describes a
  Security Hub automation rule (created in the administrator account; rules apply to new and
  updated findings) that sets RESOLVED on our PASSED findings. The finding is never deleted
  or archived: RecordState stays ACTIVE, so the PASSED state remains visible as evidence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from .aws_errors import describe_failure
from .decision import Compliance
from .errors import DeadlineReachedError
from .evidence import ReportRead
from .spec import RULE_NAME

if TYPE_CHECKING:  # the policy metadata loads only when a finding is built
    from .assessment import Assessment
    from .metadata import Policy

SCHEMA_VERSION = "2018-10-08"
ACCOUNT_RESOURCE_TYPE = "AwsAccount"
MAX_TITLE = 256
MAX_DESCRIPTION = 1024
MAX_RECOMMENDATION = 512
MAX_PRODUCT_FIELD = 2048
IMPORT_ACTION = "securityhub:BatchImportFindings"


def product_arn(partition: str, region: str, account_id: str) -> str:
    """The account's default product, to which an account imports its own findings."""
    return f"arn:{partition}:securityhub:{region}:{account_id}:product/{account_id}/default"


def finding_id(partition: str, region: str, account_id: str) -> str:
    return f"{RULE_NAME}/{partition}/{region}/{account_id}"


def asff_time(moment: datetime) -> str:
    """UTC, millisecond precision, 'Z' suffix: a format Security Hub documents as accepted."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def issue_started(assessment: Assessment) -> datetime | None:
    """When the oldest root key still present was created, if the credential report says."""
    report = assessment.report
    if assessment.verdict.compliance is not Compliance.NON_COMPLIANT or not isinstance(report, ReportRead):
        return None
    if report.root is None:
        return None
    created = [
        key.last_rotated if key.last_rotated.tzinfo else key.last_rotated.replace(tzinfo=UTC)
        for key in report.root.access_keys
        if key.last_rotated is not None
    ]
    return min(created) if created else None


@dataclass(frozen=True)
class FindingTarget:
    """Where the finding goes: the evaluated account, in the rule's partition and Region."""

    account_id: str
    partition: str
    region: str
    config_rule_name: str | None = None
    config_rule_arn: str | None = None


def build_finding(
    assessment: Assessment, target: FindingTarget, policy: Policy, *, now: datetime
) -> dict[str, Any]:
    """The ASFF finding for one account's assessment (a plain dict, as BatchImportFindings takes it)."""
    from .metadata import related_requirements  # noqa: PLC0415 - see TYPE_CHECKING above

    verdict = assessment.verdict
    failed = verdict.compliance is Compliance.NON_COMPLIANT
    # The policy's severity while it fails; ASFF's guidance puts passed checks at INFORMATIONAL.
    severity = {"Label": policy.severity if failed else "INFORMATIONAL"}
    updated_at = asff_time(now)
    started = issue_started(assessment)
    created_at = asff_time(min(started, now)) if started else updated_at
    types = list(policy.security_hub.types)
    product_fields = {
        "rootkeys/PolicyId": policy.id,
        "rootkeys/ComplianceType": verdict.compliance.value,
        "rootkeys/CredentialReport": verdict.report_state.value,
    }
    counts = {
        "rootkeys/ActiveKeys": verdict.active_keys,
        "rootkeys/InactiveKeys": verdict.inactive_keys,
        "rootkeys/SigningCertificates": verdict.signing_certificates,
    }
    product_fields.update({name: str(count) for name, count in counts.items() if count is not None})
    if target.config_rule_name:
        product_fields["rootkeys/ConfigRuleName"] = target.config_rule_name[:MAX_PRODUCT_FIELD]
    if target.config_rule_arn:
        product_fields["rootkeys/ConfigRuleArn"] = target.config_rule_arn[:MAX_PRODUCT_FIELD]
    return {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": finding_id(target.partition, target.region, target.account_id),
        "ProductArn": product_arn(target.partition, target.region, target.account_id),
        "GeneratorId": RULE_NAME,
        "AwsAccountId": target.account_id,
        "Types": types,
        "CreatedAt": created_at,
        "UpdatedAt": updated_at,
        "LastObservedAt": updated_at,
        "Severity": severity,
        "FindingProviderFields": {"Severity": dict(severity), "Types": list(types)},
        "Title": policy.security_hub.title[:MAX_TITLE],
        "Description": assessment.annotation[:MAX_DESCRIPTION],
        "Remediation": {
            "Recommendation": {
                "Text": policy.security_hub.recommendation[:MAX_RECOMMENDATION],
                "Url": policy.remediation_url,
            }
        },
        "ProductFields": product_fields,
        "Resources": [
            {
                "Type": ACCOUNT_RESOURCE_TYPE,
                "Id": f"AWS::::Account:{target.account_id}",
                "Partition": target.partition,
                "Region": target.region,
            }
        ],
        "Compliance": {
            "Status": "FAILED" if failed else "PASSED",
            "RelatedRequirements": related_requirements(policy),
            "SecurityControlId": policy.security_hub.security_control_id,
        },
        "Workflow": {"Status": "NEW" if failed else "RESOLVED"},
        "RecordState": "ACTIVE",
    }


@dataclass(frozen=True)
class ImportResult:
    finding_id: str
    error: str | None = None  # None: Security Hub accepted the finding

    @property
    def imported(self) -> bool:
        return self.error is None


def import_finding(securityhub: Any, finding: Mapping[str, Any]) -> ImportResult:
    """Send one finding. Never raises: a failure comes back as ImportResult.error."""
    try:
        response = securityhub.batch_import_findings(Findings=[finding])
    except (ClientError, BotoCoreError, DeadlineReachedError) as error:
        return ImportResult(finding["Id"], describe_failure(error, IMPORT_ACTION))
    failed = response.get("FailedFindings") or []
    count = response.get("FailedCount") or len(failed)
    if count:
        first = failed[0] if failed else {}
        detail = f"{first.get('ErrorCode', 'unknown')}: {str(first.get('ErrorMessage', ''))[:160]}"
        return ImportResult(
            finding["Id"], f"{IMPORT_ACTION} rejected the finding (FailedCount {count}): {detail}"
        )
    return ImportResult(finding["Id"])


def resolve_automation_rule(rule_order: int = 50) -> dict[str, Any]:
    """securityhub:CreateAutomationRule input (also the AWS::SecurityHub::AutomationRule
    properties) that marks this rule's PASSED findings RESOLVED, which BatchImportFindings
    cannot do for an existing finding. Created once, in the Security Hub administrator account
    of each Region; it applies to that account's and its members' findings."""
    return {
        "RuleName": f"{RULE_NAME} resolve passed findings",
        "RuleOrder": rule_order,
        "RuleStatus": "ENABLED",
        "Description": (
            f"Sets Workflow.Status RESOLVED on {RULE_NAME} findings whose compliance status is PASSED "
            "(the finding provider cannot change the workflow status of an existing finding)."
        ),
        "IsTerminal": False,
        "Criteria": {
            "GeneratorId": [{"Value": RULE_NAME, "Comparison": "EQUALS"}],
            "ComplianceStatus": [{"Value": "PASSED", "Comparison": "EQUALS"}],
            "WorkflowStatus": [
                {"Value": "NEW", "Comparison": "EQUALS"},
                {"Value": "NOTIFIED", "Comparison": "EQUALS"},
            ],
        },
        "Actions": [
            {"Type": "FINDING_FIELDS_UPDATE", "FindingFieldsUpdate": {"Workflow": {"Status": "RESOLVED"}}}
        ],
    }
