"""The verdict: a pure function of the account summary, the report's root row and the parameters.

Never COMPLIANT while the live summary shows a key, unless IgnoreInactiveKeys is set and the
credential report lists the keys and every one of them is inactive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from .account_summary import AccountSummary
from .errors import UndecidableError
from .evidence import ReportEvidence, ReportNotRead, ReportRead, ReportUnavailable
from .parameters import RuleParameters

if TYPE_CHECKING:  # the report parser loads only when a report is read
    from .credential_report import AccessKeyState, RootCredentials

MAX_ANNOTATION = 256
DELETE_ADVICE = "Sign in as root and delete the keys (CIS 1.4, IAM.4)."


class Compliance(StrEnum):
    COMPLIANT = "COMPLIANT"
    NON_COMPLIANT = "NON_COMPLIANT"


class ReportState(StrEnum):
    NOT_READ = "not_read"
    CURRENT = "current"
    STALE = "stale"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class Verdict:
    compliance: Compliance
    annotation: str
    report_state: ReportState
    active_keys: int | None = None
    inactive_keys: int | None = None
    signing_certificates: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= len(self.annotation) <= MAX_ANNOTATION:
            raise AssertionError(f"annotation length {len(self.annotation)} outside 1..{MAX_ANNOTATION}")


def needs_credential_report(summary: AccountSummary, parameters: RuleParameters) -> bool:
    """The report is read only when the summary shows a root credential the rule counts."""
    return summary.access_keys_present > 0 or _counted_certificates(summary, parameters) > 0


def fit_annotation(*parts: str) -> str:
    """Join parts, dropping trailing ones until the text fits Config's 256-character limit."""
    kept = [part for part in parts if part]
    while len(kept) > 1 and len(" ".join(kept)) > MAX_ANNOTATION:
        kept.pop()
    text = " ".join(kept)
    return text if len(text) <= MAX_ANNOTATION else text[: MAX_ANNOTATION - 3] + "..."


def _day(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d") if moment else "unknown"


def _describe_key(key: AccessKeyState) -> str:
    state = "active" if key.active else "inactive"
    if key.last_used is None:
        use = "never used" if key.last_use_known else "last use unknown"
    else:
        where = " ".join(part for part in (key.last_used_service, key.last_used_region) if part)
        use = f"last used {_day(key.last_used)}" + (f" ({where})" if where else "")
    return f"key {key.slot} {state}, {use}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _counted_certificates(summary: AccountSummary | None, parameters: RuleParameters) -> int:
    if not parameters.include_signing_certificates or summary is None:
        return 0
    if summary.signing_certificates_present is None:
        raise UndecidableError(
            "IncludeSigningCertificates is true but the account summary "
            "has no AccountSigningCertificatesPresent entry"
        )
    return summary.signing_certificates_present


def _certificate_note(count: int) -> str:
    return "Root also has X.509 signing certificates (IncludeSigningCertificates is true)." if count else ""


def _keys_verdict(
    root: RootCredentials, parameters: RuleParameters, certificates: int, source: str, state: ReportState
) -> Verdict:
    active, inactive = len(root.active_keys), len(root.inactive_keys)
    details = "; ".join(_describe_key(key) for key in root.access_keys) + "."
    counts = f"{_plural(active + inactive, 'access key')} ({active} active, {inactive} inactive)"
    headline = f"Root user has {counts}{source}:"
    if active == 0 and parameters.ignore_inactive_keys and certificates == 0:
        return Verdict(
            Compliance.COMPLIANT,
            fit_annotation(headline, details, "IgnoreInactiveKeys is true, so inactive keys are accepted."),
            state,
            active,
            inactive,
            certificates,
        )
    return Verdict(
        Compliance.NON_COMPLIANT,
        fit_annotation(headline, details, _certificate_note(certificates), DELETE_ADVICE),
        state,
        active,
        inactive,
        certificates,
    )


def _report_time(report: ReportRead) -> str:
    return report.generated_at.strftime("%Y-%m-%d %H:%MZ") if report.generated_at else "at an unknown time"


def _decide_with_summary(
    summary: AccountSummary, report: ReportEvidence, parameters: RuleParameters
) -> Verdict:
    certificates = _counted_certificates(summary, parameters)
    if summary.access_keys_present == 0:
        if certificates:
            return Verdict(
                Compliance.NON_COMPLIANT,
                fit_annotation(
                    "Root user has no access key but has X.509 signing certificates "
                    "(AccountSigningCertificatesPresent > 0) and IncludeSigningCertificates is true.",
                    "Sign in as root and delete them.",
                ),
                ReportState.NOT_READ if isinstance(report, ReportNotRead) else ReportState.CURRENT,
                0,
                0,
                certificates,
            )
        note = (
            "Root has no password, MFA or certificate either: root credentials appear centrally managed."
            if summary.root_has_no_credentials
            else ""
        )
        return Verdict(
            Compliance.COMPLIANT,
            fit_annotation(
                f"No root access key exists ({summary.source}: AccountAccessKeysPresent = 0).", note
            ),
            ReportState.NOT_READ if isinstance(report, ReportNotRead) else ReportState.CURRENT,
            0,
            0,
            certificates,
        )

    existence = f"Root access key exists ({summary.source}: AccountAccessKeysPresent > 0)"
    if isinstance(report, ReportUnavailable):
        return Verdict(
            Compliance.NON_COMPLIANT,
            fit_annotation(f"{existence}; detail unavailable: {report.reason[:120]}.", DELETE_ADVICE),
            ReportState.UNAVAILABLE,
            signing_certificates=certificates,
        )
    if isinstance(report, ReportNotRead):
        return Verdict(
            Compliance.NON_COMPLIANT,
            fit_annotation(f"{existence}; the credential report was not read.", DELETE_ADVICE),
            ReportState.UNAVAILABLE,
            signing_certificates=certificates,
        )
    if report.root is None or not report.root.access_keys:
        what = "has no root row" if report.root is None else "lists no root key"
        return Verdict(
            Compliance.NON_COMPLIANT,
            fit_annotation(
                f"{existence}; the credential report (generated {_report_time(report)}) {what}: "
                "it is stale, older than the key's creation.",
                DELETE_ADVICE,
            ),
            ReportState.STALE,
            signing_certificates=certificates,
        )
    return _keys_verdict(report.root, parameters, certificates, "", ReportState.CURRENT)


def _decide_from_report_only(report: ReportEvidence, parameters: RuleParameters) -> Verdict:
    if not isinstance(report, ReportRead):
        raise UndecidableError("Neither an account summary nor a readable credential report is available")
    if report.root is None:
        raise UndecidableError(
            "The credential report has no <root_account> row and no account summary was given"
        )
    root = report.root
    certificates = len(root.certificates) if parameters.include_signing_certificates else 0
    source = " per the credential report"
    if root.access_keys:
        return _keys_verdict(root, parameters, certificates, source, ReportState.CURRENT)
    if certificates:
        return Verdict(
            Compliance.NON_COMPLIANT,
            fit_annotation(
                "Root user has no access key but has X.509 signing certificates per the credential report "
                "and IncludeSigningCertificates is true.",
                "Sign in as root and delete them.",
            ),
            ReportState.CURRENT,
            0,
            0,
            certificates,
        )
    return Verdict(
        Compliance.COMPLIANT,
        fit_annotation(
            "The credential report lists no root access key.",
            "The live account summary was not checked; the report can lag up to 4 hours.",
        ),
        ReportState.CURRENT,
        0,
        0,
        certificates,
    )


def decide(summary: AccountSummary | None, report: ReportEvidence, parameters: RuleParameters) -> Verdict:
    """Decide compliance from plain data. summary None means only exported report evidence exists."""
    if summary is None:
        return _decide_from_report_only(report, parameters)
    return _decide_with_summary(summary, report, parameters)
