"""The only module that calls IAM: the live account summary and the credential report.

Report policy: read the existing report first; generate a new one only when it is missing or
expired, or when it is over 4 hours old and disagrees with the live summary (or would be the
sole basis of a COMPLIANT verdict for inactive keys). Generation is polled with exponential
backoff and abandoned inside the caller's time budget, never in a busy loop.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .account_summary import AccountSummary, parse_summary_map
from .aws_errors import describe_failure, error_code
from .errors import AccountSummaryUnavailableError, CredentialReportError, ExecutionRoleError
from .evidence import ReportEvidence, ReportRead, ReportUnavailable
from .parameters import RuleParameters

REPORT_MAX_AGE = timedelta(hours=4)
REPORT_MISSING_CODES = frozenset({"ReportNotPresent", "ReportExpired"})
REPORT_IN_PROGRESS_CODE = "ReportInProgress"


def read_account_summary(iam: Any) -> AccountSummary:
    """Call iam:GetAccountSummary. Any failure raises: without it nothing can be decided."""
    try:
        response = iam.get_account_summary()
    except (ClientError, BotoCoreError) as error:
        raise AccountSummaryUnavailableError(describe_failure(error, "iam:GetAccountSummary")) from error
    return parse_summary_map(response.get("SummaryMap"))


@dataclass(frozen=True)
class PollingPolicy:
    first_delay: float = 1.0
    max_delay: float = 8.0
    # Seconds a GenerateCredentialReport/GetCredentialReport pair needs; no poll starts without it.
    call_allowance: float = 2.0
    # A bound that does not trust the clock, so even a budget that never shrinks ends. 120 polls
    # cover Lambda's longest timeout (900 s) at max_delay; the time budget normally ends it first.
    max_polls: int = 120


class _NotReady(Exception):
    """The report does not exist yet or is being generated."""


class CredentialReportReader:
    """Reads the root row of the credential report within a time budget."""

    def __init__(
        self,
        iam: Any,
        *,
        remaining_seconds: Callable[[], float],
        expected_root_arn: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        polling: PollingPolicy | None = None,
    ) -> None:
        self._iam = iam
        self._remaining = remaining_seconds
        self._expected_root_arn = expected_root_arn
        self._sleep = sleep
        self._now = now
        self._polling = polling or PollingPolicy()

    def read(self, summary: AccountSummary, parameters: RuleParameters) -> ReportEvidence:
        try:
            existing = self._get()
        except _NotReady:
            existing = None
        except _Unavailable as unavailable:
            return ReportUnavailable(str(unavailable))
        if existing is not None and not self._needs_refresh(existing, summary, parameters):
            return existing
        try:
            return self._generate_and_get()
        except _Unavailable as unavailable:
            return ReportUnavailable(str(unavailable))

    def _needs_refresh(self, report: ReportRead, summary: AccountSummary, parameters: RuleParameters) -> bool:
        if report.generated_at is None or self._now() - report.generated_at <= REPORT_MAX_AGE:
            return False  # IAM would hand back this same report anyway
        root = report.root
        disagrees = summary.access_keys_present > 0 and (root is None or not root.access_keys)
        would_accept_inactive = (
            parameters.ignore_inactive_keys
            and root is not None
            and bool(root.access_keys)
            and not root.active_keys
        )
        return disagrees or would_accept_inactive

    def _get(self) -> ReportRead:
        try:
            response = self._iam.get_credential_report()
        except ClientError as error:
            code = error_code(error)
            if code in REPORT_MISSING_CODES or code == REPORT_IN_PROGRESS_CODE:
                raise _NotReady(code) from error
            raise _Unavailable(describe_failure(error, "iam:GetCredentialReport")) from error
        except BotoCoreError as error:
            raise _Unavailable(describe_failure(error, "iam:GetCredentialReport")) from error
        from .credential_report import parse_root_credentials  # noqa: PLC0415 - only with a report

        try:
            root = parse_root_credentials(response.get("Content", b""))
        except CredentialReportError as error:
            raise _Unavailable(f"credential report unreadable: {error}") from error
        if root is not None and self._expected_root_arn and root.arn != self._expected_root_arn:
            raise ExecutionRoleError(
                f"The credential report's root row is {root.arn[:80]!r}, expected {self._expected_root_arn}: "
                "the credentials in use belong to another account"
            )
        generated = response.get("GeneratedTime")
        return ReportRead(root=root, generated_at=generated if isinstance(generated, datetime) else None)

    def _generate(self) -> str:
        try:
            return str(self._iam.generate_credential_report().get("State", ""))
        except ClientError as error:
            if error_code(error) == "LimitExceeded":
                return "LIMITED"  # too many generations at once: wait and ask again
            raise _Unavailable(describe_failure(error, "iam:GenerateCredentialReport")) from error
        except BotoCoreError as error:
            raise _Unavailable(describe_failure(error, "iam:GenerateCredentialReport")) from error

    def _generate_and_get(self) -> ReportRead:
        delay = self._polling.first_delay
        waited = 0.0
        for _ in range(self._polling.max_polls):
            if self._generate() == "COMPLETE":
                try:
                    return self._get()
                except _NotReady:
                    pass
            if self._remaining() < delay + self._polling.call_allowance:
                raise _Unavailable(
                    f"credential report still generating after {waited:.0f}s (time budget reached)"
                )
            self._sleep(delay)
            waited += delay
            delay = min(delay * 2, self._polling.max_delay)
        raise _Unavailable(
            f"credential report still generating after {self._polling.max_polls} checks over {waited:.0f}s"
        )


class _Unavailable(Exception):
    """The report cannot be had within this invocation; the message says why."""
