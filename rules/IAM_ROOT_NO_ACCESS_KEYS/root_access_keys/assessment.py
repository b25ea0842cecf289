"""Gather the evidence and decide: the sequence the Lambda and the CLI's live audit share."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .account_summary import AccountSummary
from .annotation import annotate
from .budget import Budget
from .decision import Verdict, decide, needs_credential_report, report_needs_refresh
from .evidence import ReportEvidence, ReportNotRead
from .iam_evidence import CredentialReportReader, read_account_summary
from .spec import RuleParameters
from .times import utc_now


@dataclass(frozen=True)
class Assessment:
    """A verdict, its annotation, and the evidence behind both."""

    verdict: Verdict
    annotation: str
    summary: AccountSummary | None
    report: ReportEvidence


def judge(
    summary: AccountSummary | None, report: ReportEvidence, parameters: RuleParameters, *, at: datetime
) -> Assessment:
    """Decide and word the verdict from evidence already at hand, at time `at` (pure)."""
    verdict = decide(summary, report, parameters, at=at)
    return Assessment(verdict, annotate(verdict, summary, report, at), summary, report)


def assess_root_access_keys(
    iam: Any,
    parameters: RuleParameters,
    *,
    expected_root_arn: str,
    budget: Budget,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], datetime] = utc_now,
) -> Assessment:
    """Read the live summary; read the credential report only when a counted credential exists."""
    summary = read_account_summary(iam, now)
    report: ReportEvidence = ReportNotRead()
    if needs_credential_report(summary, parameters):
        reader = CredentialReportReader(iam, budget=budget, expected_root_arn=expected_root_arn, sleep=sleep)
        report = reader.read(lambda existing: report_needs_refresh(existing, summary, parameters, now()))
    return judge(summary, report, parameters, at=now())
