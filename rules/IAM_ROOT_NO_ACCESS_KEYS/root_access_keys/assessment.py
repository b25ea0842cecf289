"""Gather the evidence and decide: the sequence the Lambda and the CLI's live audit share."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .decision import Verdict, decide, needs_credential_report
from .evidence import ReportEvidence, ReportNotRead
from .iam_evidence import CredentialReportReader, read_account_summary
from .parameters import RuleParameters


@dataclass(frozen=True)
class Assessment:
    verdict: Verdict
    report: ReportEvidence  # the credential report evidence behind the verdict


def root_arn(partition: str, account_id: str) -> str:
    return f"arn:{partition}:iam::{account_id}:root"


def assess_root_access_keys(
    iam: Any,
    parameters: RuleParameters,
    *,
    expected_root_arn: str,
    remaining_seconds: Callable[[], float],
    sleep: Callable[[float], None] = time.sleep,
) -> Assessment:
    """Read the live summary; read the credential report only when a counted credential exists."""
    summary = read_account_summary(iam)
    report: ReportEvidence = ReportNotRead()
    if needs_credential_report(summary, parameters):
        reader = CredentialReportReader(
            iam, remaining_seconds=remaining_seconds, expected_root_arn=expected_root_arn, sleep=sleep
        )
        report = reader.read(summary, parameters)
    return Assessment(decide(summary, report, parameters), report)
