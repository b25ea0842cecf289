"""Gather evidence (live from IAM, or from exported files) and decide with the rule's own code.

The live audit runs the same adapter the Lambda runs: read_account_summary, then, only when the
summary shows a counted credential, CredentialReportReader; the verdict always comes from
decide(). Nothing here decides on its own.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from root_access_keys.arns import parse_arn, root_user_arn
from root_access_keys.assessment import Assessment, assess_root_access_keys, judge
from root_access_keys.aws_errors import describe_failure
from root_access_keys.budget import Budget
from root_access_keys.clients import AwsClients
from root_access_keys.errors import DeadlineReachedError
from root_access_keys.evidence import ReportEvidence, ReportNotRead, ReportRead
from root_access_keys.spec import RuleParameters
from root_access_keys.times import utc_now

from .evidence_files import read_account_summary_export, read_credential_report_file

# IAM and STS answer in every region of a partition; used only when nothing configures one.
FALLBACK_REGION = "us-east-1"


class AuditError(Exception):
    """The audit could not reach a verdict; the message says why."""


@dataclass(frozen=True)
class AuditResult:
    assessment: Assessment
    evidence_source: str  # "live" or "files"
    account_id: str | None = None
    partition: str | None = None
    api_calls: tuple[str, ...] = ()
    evidence_files: dict[str, str] = field(default_factory=dict)
    # How each file was read: its export form and what was normalised (encoding, separator, ...).
    evidence_forms: dict[str, str] = field(default_factory=dict)

    @property
    def report_generated_at(self) -> datetime | None:
        report = self.assessment.report
        return report.generated_at if isinstance(report, ReportRead) else None


def audit_files(
    parameters: RuleParameters,
    *,
    credential_report: Path | None = None,
    account_summary: Path | None = None,
    now: Callable[[], datetime] = utc_now,
) -> AuditResult:
    """Decide from exported evidence only, as of now (the age of the files matters). No AWS call."""
    if credential_report is None and account_summary is None:
        raise AuditError("No evidence file given")
    summary = None
    report: ReportEvidence = ReportNotRead()
    files: dict[str, str] = {}
    forms: dict[str, str] = {}
    if account_summary is not None:
        summary_file = read_account_summary_export(account_summary)
        summary = summary_file.summary
        files["account_summary"] = str(account_summary)
        forms["account_summary"] = summary_file.description
    root = None
    if credential_report is not None:
        report_file = read_credential_report_file(credential_report)
        report = report_file.report
        root = parse_arn(report_file.root.arn) if report_file.root else None
        files["credential_report"] = str(credential_report)
        forms["credential_report"] = report_file.description
    return AuditResult(
        assessment=judge(summary, report, parameters, at=now()),
        evidence_source="files",
        account_id=root.account or None if root else None,
        partition=root.partition if root else None,
        evidence_files=files,
        evidence_forms=forms,
    )


def _caller_account(sts: Any) -> tuple[str, str]:
    try:
        identity = sts.get_caller_identity()
    except (ClientError, BotoCoreError, DeadlineReachedError) as error:
        raise AuditError(describe_failure(error, "sts:GetCallerIdentity")) from error
    arn = parse_arn(identity.get("Arn"))
    account = str(identity.get("Account", ""))
    if arn is None or not account.isdigit():
        raise AuditError(
            f"sts:GetCallerIdentity returned an unexpected identity: {str(identity.get('Arn'))[:120]!r}"
        )
    return account, arn.partition


def audit_live(
    parameters: RuleParameters,
    *,
    budget: Budget,
    profile: str | None = None,
    region: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> AuditResult:
    """Evaluate the account of the current credentials, as the rule would, within `budget`.

    Raises AuditError or the rule's own RuleError subclasses when no verdict can be reached.
    """
    try:
        session = boto3.Session(profile_name=profile, region_name=region)
    except BotoCoreError as error:
        raise AuditError(f"Cannot set up AWS clients: {error}") from error
    region_name = session.region_name or FALLBACK_REGION
    with AwsClients(region=region_name, budget=budget, session=session) as clients:
        account_id, partition = _caller_account(clients.build_client("sts"))
        assessment = assess_root_access_keys(
            clients.build_client("iam"),
            parameters,
            expected_root_arn=root_user_arn(partition, account_id),
            budget=budget,
            sleep=sleep,
        )
    return AuditResult(
        assessment=assessment,
        evidence_source="live",
        account_id=account_id,
        partition=partition,
        api_calls=tuple(clients.calls),
    )
