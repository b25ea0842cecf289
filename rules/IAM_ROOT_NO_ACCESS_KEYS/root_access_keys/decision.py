"""The verdict: a pure function of the account summary, the report's root row and the parameters.

It returns the compliance, a reason code and the counts; `annotation.py` words it. Never
COMPLIANT while the live summary shows a key, unless IgnoreInactiveKeys is set and the
credential report lists the keys and every one of them is inactive. The evidence policy (when
the report is needed, when it must be regenerated) lives here too, so the IAM adapter needs no
knowledge of verdicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from .account_summary import AccountSummary
from .errors import UndecidableError
from .evidence import ReportEvidence, ReportNotRead, ReportRead, ReportUnavailable
from .spec import RuleParameters

if TYPE_CHECKING:  # the report parser loads only when a report is read
    from .credential_report import RootCredentials

# IAM generates a new credential report at most every 4 hours and hands back the cached one until then.
REPORT_MAX_AGE = timedelta(hours=4)


class Compliance(StrEnum):
    COMPLIANT = "COMPLIANT"
    NON_COMPLIANT = "NON_COMPLIANT"


class ReportState(StrEnum):
    NOT_READ = "not_read"
    CURRENT = "current"
    STALE = "stale"
    UNAVAILABLE = "unavailable"


class Reason(StrEnum):
    """Why the verdict is what it is; annotation.py has the words for each."""

    NO_KEY = "no_key"  # the summary shows no key
    NO_ROOT_CREDENTIALS = "no_root_credentials"  # ... nor password, MFA or certificate
    SIGNING_CERTIFICATES = "signing_certificates"  # no key, but counted certificates
    KEYS_PRESENT = "keys_present"  # the report lists counted keys
    INACTIVE_KEYS_ACCEPTED = "inactive_keys_accepted"  # every key inactive, IgnoreInactiveKeys
    REPORT_UNAVAILABLE = "report_unavailable"  # a key exists; the report could not be had
    REPORT_NOT_READ = "report_not_read"  # a key exists; no report was read
    REPORT_STALE = "report_stale"  # a key exists; the report predates it
    REPORT_LISTS_NO_KEY = "report_lists_no_key"  # report-only evidence listing no key


@dataclass(frozen=True)
class Verdict:
    compliance: Compliance
    reason: Reason
    report_state: ReportState
    active_keys: int | None = None
    inactive_keys: int | None = None
    signing_certificates: int | None = None


def counted_certificates(summary: AccountSummary | None, parameters: RuleParameters) -> int:
    if not parameters.include_signing_certificates or summary is None:
        return 0
    if summary.signing_certificates_present is None:
        raise UndecidableError(
            "IncludeSigningCertificates is true but the account summary "
            "has no AccountSigningCertificatesPresent entry"
        )
    return summary.signing_certificates_present


def needs_credential_report(summary: AccountSummary, parameters: RuleParameters) -> bool:
    """The report is read only when the summary shows a root credential the rule counts."""
    return summary.access_keys_present > 0 or counted_certificates(summary, parameters) > 0


def report_needs_refresh(
    report: ReportRead, summary: AccountSummary, parameters: RuleParameters, now: datetime
) -> bool:
    """Whether an existing report must be regenerated before it can be used.

    Only a report over 4 hours old can be replaced (IAM hands back the same one otherwise), and
    only when it disagrees with the live summary or would be the sole basis for accepting
    inactive keys.
    """
    if report.generated_at is None or now - report.generated_at <= REPORT_MAX_AGE:
        return False
    root = report.root
    disagrees = summary.access_keys_present > 0 and (root is None or not root.access_keys)
    would_accept_inactive = (
        parameters.ignore_inactive_keys
        and root is not None
        and bool(root.access_keys)
        and not root.active_keys
    )
    return disagrees or would_accept_inactive


def _state(report: ReportEvidence) -> ReportState:
    return ReportState.NOT_READ if isinstance(report, ReportNotRead) else ReportState.CURRENT


def _keys_verdict(root: RootCredentials, parameters: RuleParameters, certificates: int) -> Verdict:
    active, inactive = len(root.active_keys), len(root.inactive_keys)
    if active == 0 and parameters.ignore_inactive_keys and certificates == 0:
        return Verdict(
            Compliance.COMPLIANT,
            Reason.INACTIVE_KEYS_ACCEPTED,
            ReportState.CURRENT,
            active,
            inactive,
            certificates,
        )
    return Verdict(
        Compliance.NON_COMPLIANT, Reason.KEYS_PRESENT, ReportState.CURRENT, active, inactive, certificates
    )


def _decide_with_summary(
    summary: AccountSummary, report: ReportEvidence, parameters: RuleParameters
) -> Verdict:
    certificates = counted_certificates(summary, parameters)
    if summary.access_keys_present == 0:
        if certificates:
            return Verdict(
                Compliance.NON_COMPLIANT, Reason.SIGNING_CERTIFICATES, _state(report), 0, 0, certificates
            )
        reason = Reason.NO_ROOT_CREDENTIALS if summary.root_has_no_credentials else Reason.NO_KEY
        return Verdict(Compliance.COMPLIANT, reason, _state(report), 0, 0, certificates)

    if isinstance(report, ReportUnavailable):
        return Verdict(
            Compliance.NON_COMPLIANT,
            Reason.REPORT_UNAVAILABLE,
            ReportState.UNAVAILABLE,
            signing_certificates=certificates,
        )
    if isinstance(report, ReportNotRead):
        return Verdict(
            Compliance.NON_COMPLIANT,
            Reason.REPORT_NOT_READ,
            ReportState.UNAVAILABLE,
            signing_certificates=certificates,
        )
    if report.root is None or not report.root.access_keys:
        return Verdict(
            Compliance.NON_COMPLIANT,
            Reason.REPORT_STALE,
            ReportState.STALE,
            signing_certificates=certificates,
        )
    return _keys_verdict(report.root, parameters, certificates)


def _decide_from_report_only(report: ReportEvidence, parameters: RuleParameters) -> Verdict:
    if not isinstance(report, ReportRead):
        raise UndecidableError("Neither an account summary nor a readable credential report is available")
    if report.root is None:
        raise UndecidableError(
            "The credential report has no <root_account> row and no account summary was given"
        )
    root = report.root
    certificates = len(root.certificates) if parameters.include_signing_certificates else 0
    if root.access_keys:
        return _keys_verdict(root, parameters, certificates)
    if certificates:
        return Verdict(
            Compliance.NON_COMPLIANT, Reason.SIGNING_CERTIFICATES, ReportState.CURRENT, 0, 0, certificates
        )
    return Verdict(Compliance.COMPLIANT, Reason.REPORT_LISTS_NO_KEY, ReportState.CURRENT, 0, 0, certificates)


def decide(summary: AccountSummary | None, report: ReportEvidence, parameters: RuleParameters) -> Verdict:
    """Decide compliance from plain data. summary None means only exported report evidence exists."""
    if summary is None:
        return _decide_from_report_only(report, parameters)
    return _decide_with_summary(summary, report, parameters)
