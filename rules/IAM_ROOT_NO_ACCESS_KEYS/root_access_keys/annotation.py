"""Every word of the annotation, and the fit into AWS Config's 256 characters.

`annotate` turns a verdict and the evidence behind it into the text a person reads in the Config
console, the Security Hub finding and the CLI. Nothing here decides: the reason code says what
to write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from .account_summary import AccountSummary
from .decision import Reason, Verdict
from .evidence import Origin, ReportEvidence, ReportRead, ReportUnavailable
from .times import format_minute

if TYPE_CHECKING:
    from .credential_report import AccessKeyState

MAX_ANNOTATION = 256  # PutEvaluations' limit
DELETE_ADVICE = "Sign in as root and delete the keys (CIS 1.4, IAM.4)."
DELETE_CERTIFICATES_ADVICE = "Sign in as root and delete them."
SUMMARY_WORDS = {Origin.LIVE: "live IAM account summary", Origin.EXPORTED: "exported account summary"}


def fit_annotation(*parts: str) -> str:
    """Join parts, dropping trailing ones until the text fits Config's 256-character limit."""
    kept = [part for part in parts if part]
    while len(kept) > 1 and len(" ".join(kept)) > MAX_ANNOTATION:
        kept.pop()
    text = " ".join(kept)
    return text if len(text) <= MAX_ANNOTATION else text[: MAX_ANNOTATION - 3] + "..."


def _day(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d") if moment else "unknown"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def describe_key(key: AccessKeyState) -> str:
    state = "active" if key.active else "inactive"
    if key.last_used is None:
        use = "never used" if key.last_use_known else "last use unknown"
    else:
        where = " ".join(part for part in (key.last_used_service, key.last_used_region) if part)
        use = f"last used {_day(key.last_used)}" + (f" ({where})" if where else "")
    return f"key {key.slot} {state}, {use}"


def _report_time(report: ReportRead) -> str:
    return format_minute(report.generated_at) if report.generated_at else "at an unknown time"


@dataclass(frozen=True)
class _Facts:
    verdict: Verdict
    summary: AccountSummary | None
    report: ReportEvidence

    @property
    def summary_words(self) -> str:
        return SUMMARY_WORDS[self.summary.origin] if self.summary is not None else ""

    @property
    def existence(self) -> str:
        return f"Root access key exists ({self.summary_words}: AccountAccessKeysPresent > 0)"

    @property
    def read_report(self) -> ReportRead:
        if not isinstance(self.report, ReportRead):
            raise ValueError(f"reason {self.verdict.reason} needs a credential report that was read")
        return self.report


def _no_key(facts: _Facts) -> str:
    note = (
        "Root has no password, MFA or certificate either: root credentials appear centrally managed."
        if facts.verdict.reason is Reason.NO_ROOT_CREDENTIALS
        else ""
    )
    return fit_annotation(
        f"No root access key exists ({facts.summary_words}: AccountAccessKeysPresent = 0).", note
    )


def _certificates(facts: _Facts) -> str:
    evidence = (
        "(AccountSigningCertificatesPresent > 0)"
        if facts.summary is not None
        else "per the credential report"
    )
    return fit_annotation(
        f"Root user has no access key but has X.509 signing certificates {evidence} "
        "and IncludeSigningCertificates is true.",
        DELETE_CERTIFICATES_ADVICE,
    )


def _keys(facts: _Facts) -> str:
    root = facts.read_report.root
    if root is None:
        raise ValueError(f"reason {facts.verdict.reason} needs the report's root row")
    active, inactive = len(root.active_keys), len(root.inactive_keys)
    details = "; ".join(describe_key(key) for key in root.access_keys) + "."
    counts = f"{_plural(active + inactive, 'access key')} ({active} active, {inactive} inactive)"
    source = " per the credential report" if facts.summary is None else ""
    headline = f"Root user has {counts}{source}:"
    if facts.verdict.reason is Reason.INACTIVE_KEYS_ACCEPTED:
        return fit_annotation(headline, details, "IgnoreInactiveKeys is true, so inactive keys are accepted.")
    note = (
        "Root also has X.509 signing certificates (IncludeSigningCertificates is true)."
        if facts.verdict.signing_certificates
        else ""
    )
    return fit_annotation(headline, details, note, DELETE_ADVICE)


def _report_unavailable(facts: _Facts) -> str:
    cause = facts.report.reason if isinstance(facts.report, ReportUnavailable) else "unknown cause"
    return fit_annotation(f"{facts.existence}; detail unavailable: {cause[:120]}.", DELETE_ADVICE)


def _report_not_read(facts: _Facts) -> str:
    return fit_annotation(f"{facts.existence}; the credential report was not read.", DELETE_ADVICE)


def _report_stale(facts: _Facts) -> str:
    report = facts.read_report
    what = "has no root row" if report.root is None else "lists no root key"
    return fit_annotation(
        f"{facts.existence}; the credential report (generated {_report_time(report)}) {what}: "
        "it is stale, older than the key's creation.",
        DELETE_ADVICE,
    )


def _report_lists_no_key(_facts: _Facts) -> str:
    return fit_annotation(
        "The credential report lists no root access key.",
        "The live account summary was not checked; the report can lag up to 4 hours.",
    )


_WRITERS: dict[Reason, Callable[[_Facts], str]] = {
    Reason.NO_KEY: _no_key,
    Reason.NO_ROOT_CREDENTIALS: _no_key,
    Reason.SIGNING_CERTIFICATES: _certificates,
    Reason.KEYS_PRESENT: _keys,
    Reason.INACTIVE_KEYS_ACCEPTED: _keys,
    Reason.REPORT_UNAVAILABLE: _report_unavailable,
    Reason.REPORT_NOT_READ: _report_not_read,
    Reason.REPORT_STALE: _report_stale,
    Reason.REPORT_LISTS_NO_KEY: _report_lists_no_key,
}


def annotate(verdict: Verdict, summary: AccountSummary | None, report: ReportEvidence) -> str:
    """The annotation for `verdict`, 1 to 256 characters (the reason code carries what the
    parameters changed)."""
    return _WRITERS[verdict.reason](_Facts(verdict, summary, report))
