"""The only module that calls IAM for the rule: the live account summary and the credential report.

Report handling: read the existing report first; generate a new one only when it is missing or
expired, or when the caller's refresh test says so. Generation is polled with exponential
backoff, each wait and call admitted by the time budget, never in a busy loop.
"""

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .account_summary import AccountSummary, parse_summary_map
from .aws_errors import describe_failure, error_code
from .budget import Budget
from .errors import (
    AccountSummaryFormatError,
    AccountSummaryUnavailableError,
    CredentialReportError,
    DeadlineReachedError,
    ExecutionRoleError,
)
from .evidence import ReportEvidence, ReportRead, ReportUnavailable
from .times import utc_now

REPORT_MISSING_CODES = frozenset({"ReportNotPresent", "ReportExpired"})
REPORT_IN_PROGRESS_CODE = "ReportInProgress"
GENERATE_OPERATION = "iam:GenerateCredentialReport"
CALL_FAILURES = (ClientError, BotoCoreError, DeadlineReachedError)


_SUMMARY_ENTRY = re.compile(rb"<entry>\s*<key>([^<]{1,128})</key>\s*<value>([^<]{0,64})</value>\s*</entry>")


def _check_summary_values(response_dict: dict[str, Any], **_: Any) -> None:
    """botocore reads SummaryMap values with int() and would fail with a bare ValueError that names
    no field: check them first, naming the API and the entry."""
    if response_dict.get("status_code", 200) >= 300:
        return
    body = response_dict.get("body") or b""
    for key, value in _SUMMARY_ENTRY.findall(body if isinstance(body, bytes) else body.encode()):
        text = value.decode(errors="replace").strip()
        if not (text.isascii() and text.isdigit()):
            name = key.decode(errors="replace").strip()[:64]
            raise AccountSummaryFormatError(
                f"iam:GetAccountSummary returned SummaryMap entry {name} = {text[:40]!r}, not a count"
            )


def read_account_summary(iam: Any, now: Callable[[], datetime] = utc_now) -> AccountSummary:
    """Call iam:GetAccountSummary. Any failure raises: without it nothing can be decided."""
    iam.meta.events.register(
        "before-parse.iam.GetAccountSummary", _check_summary_values, unique_id="rootkeys-summary-values"
    )
    try:
        response = iam.get_account_summary()
    except CALL_FAILURES as error:
        raise AccountSummaryUnavailableError(describe_failure(error, "iam:GetAccountSummary")) from error
    except ValueError as error:  # a value the check above does not see (another response shape)
        raise AccountSummaryFormatError(
            f"iam:GetAccountSummary returned a value that is not a count: {error}"
        ) from None
    return parse_summary_map(response.get("SummaryMap"), read_at=now())


@dataclass(frozen=True)
class PollingPolicy:
    first_delay: float = 1.0
    max_delay: float = 8.0
    # A bound that does not trust the clock, so even a budget that never shrinks ends. 120 polls
    # cover Lambda's longest timeout (900 s) at max_delay; the time budget normally ends it first.
    max_polls: int = 120


class _NotReady(Exception):
    """The report does not exist yet or is being generated."""


class _Unavailable(Exception):
    """The report cannot be had within this invocation; the message says why."""


class CredentialReportReader:
    """Reads the root row of the credential report within the time budget."""

    def __init__(
        self,
        iam: Any,
        *,
        budget: Budget,
        expected_root_arn: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        polling: PollingPolicy | None = None,
    ) -> None:
        self._iam = iam
        self._budget = budget
        self._expected_root_arn = expected_root_arn
        self._sleep = sleep
        self._polling = polling or PollingPolicy()

    def read(self, needs_refresh: Callable[[ReportRead], bool]) -> ReportEvidence:
        """The existing report, unless it is missing or `needs_refresh` rejects it: then a new one."""
        try:
            existing = self._get()
        except _NotReady:
            existing = None
        except _Unavailable as unavailable:
            return ReportUnavailable(str(unavailable))
        if existing is not None and not needs_refresh(existing):
            return existing
        try:
            return self._generate_and_get(needs_refresh)
        except _Unavailable as unavailable:
            return ReportUnavailable(str(unavailable))

    def _get(self) -> ReportRead:
        try:
            response = self._iam.get_credential_report()
        except ClientError as error:
            code = error_code(error)
            if code in REPORT_MISSING_CODES or code == REPORT_IN_PROGRESS_CODE:
                raise _NotReady(code) from error
            raise _Unavailable(describe_failure(error, "iam:GetCredentialReport")) from error
        except CALL_FAILURES as error:
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
            raise _Unavailable(describe_failure(error, GENERATE_OPERATION)) from error
        except CALL_FAILURES as error:
            raise _Unavailable(describe_failure(error, GENERATE_OPERATION)) from error

    def _generate_and_get(self, needs_refresh: Callable[[ReportRead], bool]) -> ReportRead:
        """A report that passes the refresh test. IAM may answer COMPLETE and still hand back the
        old report for a while: its GeneratedTime is checked, and the newest report read is
        returned when time runs out (the decision never accepts keys on a report too old)."""
        delay = self._polling.first_delay
        waited = 0.0
        latest: ReportRead | None = None
        for _ in range(self._polling.max_polls):
            if self._generate() == "COMPLETE":
                try:
                    latest = self._get()
                except _NotReady:
                    pass
                else:
                    if not needs_refresh(latest):
                        return latest
            if not self._budget.can_wait(delay, GENERATE_OPERATION):
                if latest is not None:
                    return latest
                raise _Unavailable(
                    f"credential report still generating after {waited:.0f}s (time budget reached)"
                )
            self._sleep(delay)
            waited += delay
            delay = min(delay * 2, self._polling.max_delay)
        if latest is not None:
            return latest
        raise _Unavailable(
            f"credential report still generating after {self._polling.max_polls} checks over {waited:.0f}s"
        )
