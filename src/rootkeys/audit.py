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
from root_access_keys.account_summary import AccountSummary
from root_access_keys.assessment import assess_root_access_keys, root_arn
from root_access_keys.aws_errors import describe_failure
from root_access_keys.clients import client_config, instrumented, recording_calls
from root_access_keys.decision import Verdict, decide
from root_access_keys.evidence import ReportEvidence, ReportNotRead, ReportRead
from root_access_keys.parameters import RuleParameters

from .evidence_files import read_account_summary_file, read_credential_report_file

# IAM and STS answer in every region of a partition; used only when nothing configures one.
FALLBACK_REGION = "us-east-1"


class AuditError(Exception):
    """The audit could not reach a verdict; the message says why."""


@dataclass(frozen=True)
class AuditResult:
    verdict: Verdict
    evidence_source: str  # "live" or "files"
    account_id: str | None = None
    partition: str | None = None
    report_generated_at: datetime | None = None
    api_calls: tuple[str, ...] = ()
    evidence_files: dict[str, str] = field(default_factory=dict)


def _report_time(report: ReportEvidence) -> datetime | None:
    return report.generated_at if isinstance(report, ReportRead) else None


def _account_from_root_arn(arn: str | None) -> tuple[str | None, str | None]:
    parts = (arn or "").split(":")
    if len(parts) == 6 and parts[0] == "arn" and parts[4].isdigit():
        return parts[4], parts[1]
    return None, None


def audit_files(
    parameters: RuleParameters,
    *,
    credential_report: Path | None = None,
    account_summary: Path | None = None,
) -> AuditResult:
    """Decide from exported evidence only. Makes no AWS call."""
    if credential_report is None and account_summary is None:
        raise AuditError("No evidence file given")
    summary: AccountSummary | None = None
    report: ReportEvidence = ReportNotRead()
    files: dict[str, str] = {}
    if account_summary is not None:
        summary = read_account_summary_file(account_summary)
        files["account_summary"] = str(account_summary)
    root_arn = None
    if credential_report is not None:
        report_file = read_credential_report_file(credential_report)
        report = report_file.report
        root_arn = report_file.root.arn if report_file.root else None
        files["credential_report"] = str(credential_report)
    account_id, partition = _account_from_root_arn(root_arn)
    return AuditResult(
        verdict=decide(summary, report, parameters),
        evidence_source="files",
        account_id=account_id,
        partition=partition,
        report_generated_at=_report_time(report),
        evidence_files=files,
    )


def _caller_account(sts: Any) -> tuple[str, str]:
    try:
        identity = sts.get_caller_identity()
    except (ClientError, BotoCoreError) as error:
        raise AuditError(describe_failure(error, "sts:GetCallerIdentity")) from error
    arn = str(identity.get("Arn", ""))
    parts = arn.split(":")
    account = str(identity.get("Account", ""))
    if len(parts) < 5 or parts[0] != "arn" or not account.isdigit():
        raise AuditError(f"sts:GetCallerIdentity returned an unexpected identity: {arn[:120]!r}")
    return account, parts[1]


def audit_live(
    parameters: RuleParameters,
    *,
    profile: str | None = None,
    region: str | None = None,
    timeout: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
) -> AuditResult:
    """Evaluate the account of the current credentials, as the rule would.

    timeout bounds the wait for a credential report being generated. Raises AuditError or the
    rule's own RuleError subclasses when no verdict can be reached.
    """
    calls: list[str] = []
    try:
        session = boto3.Session(profile_name=profile, region_name=region)
        region_name = session.region_name or FALLBACK_REGION
        sts = instrumented(session.client("sts", region_name=region_name, config=client_config()))
        iam = instrumented(session.client("iam", region_name=region_name, config=client_config()))
    except BotoCoreError as error:
        raise AuditError(f"Cannot set up AWS clients: {error}") from error
    with recording_calls(calls):
        account_id, partition = _caller_account(sts)
        deadline = time.monotonic() + max(timeout, 0.0)
        assessment = assess_root_access_keys(
            iam,
            parameters,
            expected_root_arn=root_arn(partition, account_id),
            remaining_seconds=lambda: deadline - time.monotonic(),
            sleep=sleep,
        )
    return AuditResult(
        verdict=assessment.verdict,
        evidence_source="live",
        account_id=account_id,
        partition=partition,
        report_generated_at=_report_time(assessment.report),
        api_calls=tuple(calls),
    )
