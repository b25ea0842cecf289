"""The verdict: a pure function of the account summary, the report's root row, the parameters and
the time of the decision.

It returns the compliance, a reason code and the counts; `annotation.py` words it. The evidence
policy (when the report is needed, when it must be regenerated) lives here too, so the IAM
adapter needs no knowledge of verdicts.

The rule, for every combination of evidence:
- A LIVE summary (read from IAM in this run) is current. When it shows no key, the verdict is
  COMPLIANT whatever a (possibly 4-hour-old) report lists. When it shows a key, the verdict is
  NON_COMPLIANT unless the report lists the keys, every one inactive, IgnoreInactiveKeys is
  true, and the report was generated at most 4 hours before the summary was read.
- EXPORTED evidence (files) carries no time and no account of its own, so no piece of it can
  overrule another: any piece that shows a counted credential (an active key, an inactive key
  unless IgnoreInactiveKeys, a signing certificate when IncludeSigningCertificates) makes the
  verdict NON_COMPLIANT, and when the summary says none, the annotation names the conflict.
  A summary without the AccountAccessKeysPresent entry says nothing about keys: the report
  decides them.
- Without a summary, a report proves compliance only for what it lists (it can lag 4 hours),
  and a report without a <root_account> row proves nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from .account_summary import AccountSummary
from .errors import UndecidableError
from .evidence import Origin, ReportEvidence, ReportNotRead, ReportRead, ReportUnavailable
from .spec import RuleParameters

# IAM generates a new credential report at most every 4 hours and hands back the cached one until then.
REPORT_MAX_AGE = timedelta(hours=4)
NOT_APPLICABLE_CHOICE = "NOT_APPLICABLE"  # RootWithoutCredentials


class Compliance(StrEnum):
    COMPLIANT = "COMPLIANT"
    NON_COMPLIANT = "NON_COMPLIANT"
    NOT_APPLICABLE = "NOT_APPLICABLE"


class ReportState(StrEnum):
    NOT_READ = "not_read"
    CURRENT = "current"  # generated at most 4 hours before the decision
    OLD = "older_than_4h"  # generated more than 4 hours before the decision
    UNDATED = "undated"  # no generation time (a CSV downloaded from the console)
    STALE = "stale"  # lists no key where the summary shows one
    UNAVAILABLE = "unavailable"


class Reason(StrEnum):
    """Why the verdict is what it is; annotation.py has the words for each."""

    NO_KEY = "no_key"  # the summary shows no key
    NO_ROOT_CREDENTIALS = "no_root_credentials"  # ... nor password, MFA or certificate
    SIGNING_CERTIFICATES = "signing_certificates"  # no key, but counted certificates
    KEYS_PRESENT = "keys_present"  # the report lists counted keys
    INACTIVE_KEYS_ACCEPTED = "inactive_keys_accepted"  # every key inactive, IgnoreInactiveKeys
    REPORT_TOO_OLD = "report_too_old"  # inactive keys, but the report cannot vouch for them now
    EVIDENCE_CONFLICT = "evidence_conflict"  # exported summary: none; exported report: some
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
    return (summary.access_keys_present or 0) > 0 or counted_certificates(summary, parameters) > 0


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
    disagrees = (summary.access_keys_present or 0) > 0 and (root is None or not root.access_keys)
    would_accept_inactive = (
        parameters.ignore_inactive_keys
        and root is not None
        and bool(root.access_keys)
        and not root.active_keys
    )
    return disagrees or would_accept_inactive


def report_state(report: ReportEvidence, at: datetime) -> ReportState:
    if isinstance(report, ReportNotRead):
        return ReportState.NOT_READ
    if isinstance(report, ReportUnavailable):
        return ReportState.UNAVAILABLE
    if report.generated_at is None:
        return ReportState.UNDATED
    return ReportState.CURRENT if at - report.generated_at <= REPORT_MAX_AGE else ReportState.OLD


def _root_counts(report: ReportEvidence, parameters: RuleParameters) -> tuple[int, int, int]:
    """(active keys, inactive keys, counted certificates) the report lists; zeros without a root row."""
    if not isinstance(report, ReportRead) or report.root is None:
        return 0, 0, 0
    root = report.root
    certificates = len(root.certificates) if parameters.include_signing_certificates else 0
    return len(root.active_keys), len(root.inactive_keys), certificates


def _vouches_now(report: ReportRead, summary: AccountSummary | None) -> bool:
    """Whether the report can prove that keys the live summary shows are (still) inactive."""
    if summary is None or not summary.origin.is_current:
        return True  # exported evidence: the verdict rests on what the files say, with their ages
    if summary.read_at is None or report.generated_at is None:
        return False
    return summary.read_at - report.generated_at <= REPORT_MAX_AGE


def _keys_verdict(
    report: ReportRead,
    summary: AccountSummary | None,
    parameters: RuleParameters,
    certificates: int,
    at: datetime,
) -> Verdict:
    active, inactive, report_certificates = _root_counts(report, parameters)
    certificates = max(certificates, report_certificates)
    state = report_state(report, at)
    if active == 0 and parameters.ignore_inactive_keys and certificates == 0:
        if not _vouches_now(report, summary):
            return Verdict(
                Compliance.NON_COMPLIANT, Reason.REPORT_TOO_OLD, state, active, inactive, certificates
            )
        return Verdict(
            Compliance.COMPLIANT, Reason.INACTIVE_KEYS_ACCEPTED, state, active, inactive, certificates
        )
    conflict = summary is not None and summary.origin is Origin.EXPORTED and summary.access_keys_present == 0
    reason = Reason.EVIDENCE_CONFLICT if conflict else Reason.KEYS_PRESENT
    return Verdict(Compliance.NON_COMPLIANT, reason, state, active, inactive, certificates)


def _decide_live(
    summary: AccountSummary, report: ReportEvidence, parameters: RuleParameters, at: datetime
) -> Verdict:
    certificates = counted_certificates(summary, parameters)
    state = report_state(report, at)
    if summary.access_keys_present == 0:
        if certificates:
            return Verdict(Compliance.NON_COMPLIANT, Reason.SIGNING_CERTIFICATES, state, 0, 0, certificates)
        return _no_key(summary, parameters, state)
    if isinstance(report, ReportUnavailable):
        return Verdict(
            Compliance.NON_COMPLIANT, Reason.REPORT_UNAVAILABLE, state, signing_certificates=certificates
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
    return _keys_verdict(report, summary, parameters, certificates, at)


def _no_key(summary: AccountSummary, parameters: RuleParameters, state: ReportState) -> Verdict:
    if summary.root_has_no_credentials:
        compliance = (
            Compliance.NOT_APPLICABLE
            if parameters.root_without_credentials == NOT_APPLICABLE_CHOICE
            else Compliance.COMPLIANT
        )
        return Verdict(compliance, Reason.NO_ROOT_CREDENTIALS, state, 0, 0, 0)
    return Verdict(Compliance.COMPLIANT, Reason.NO_KEY, state, 0, 0, 0)


def _decide_exported(
    summary: AccountSummary | None, report: ReportEvidence, parameters: RuleParameters, at: datetime
) -> Verdict:
    summary_keys = summary.access_keys_present if summary is not None else None
    has_root_row = isinstance(report, ReportRead) and report.root is not None
    if summary is not None and summary.signing_certificates_present is None and has_root_row:
        summary_certificates = 0  # the report's root row counts them instead
    else:
        summary_certificates = counted_certificates(summary, parameters)
    active, inactive, report_certificates = _root_counts(report, parameters)
    state = report_state(report, at)
    if isinstance(report, ReportRead) and (active or inactive):
        return _keys_verdict(report, summary, parameters, summary_certificates, at)
    if summary_keys:
        if isinstance(report, ReportRead):
            return Verdict(
                Compliance.NON_COMPLIANT,
                Reason.REPORT_STALE,
                ReportState.STALE,
                signing_certificates=summary_certificates,
            )
        return Verdict(
            Compliance.NON_COMPLIANT,
            Reason.REPORT_NOT_READ,
            ReportState.UNAVAILABLE,
            signing_certificates=summary_certificates,
        )
    certificates = max(summary_certificates, report_certificates)
    if certificates:
        conflict = summary is not None and summary_certificates == 0
        reason = Reason.EVIDENCE_CONFLICT if conflict else Reason.SIGNING_CERTIFICATES
        return Verdict(Compliance.NON_COMPLIANT, reason, state, 0, 0, certificates)
    if summary_keys == 0 and summary is not None:
        return _no_key(summary, parameters, state)
    if not isinstance(report, ReportRead):
        if summary is not None:
            raise UndecidableError(
                "The account summary has no AccountAccessKeysPresent entry and no credential report was given"
            )
        raise UndecidableError("Neither an account summary nor a readable credential report is available")
    if report.root is None:
        raise UndecidableError(
            "The credential report has no <root_account> row and no account summary says how many keys exist"
        )
    return Verdict(Compliance.COMPLIANT, Reason.REPORT_LISTS_NO_KEY, state, 0, 0, 0)


def decide(
    summary: AccountSummary | None, report: ReportEvidence, parameters: RuleParameters, *, at: datetime
) -> Verdict:
    """Decide compliance from plain data at time `at`. summary None: only a report was given."""
    if summary is not None and summary.origin.is_current and summary.access_keys_present is not None:
        return _decide_live(summary, report, parameters, at)
    return _decide_exported(summary, report, parameters, at)
