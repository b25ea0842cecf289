"""Every word of the annotation, and the fit into AWS Config's 256 characters.

`annotate` turns a verdict and the evidence behind it into the text a person reads in the Config
console, the Security Hub finding and the CLI. Nothing here decides: the reason code says what
to write. Every text that rests on the credential report says when that report was generated;
an exported report more than 4 hours old is labelled with its age.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from .account_summary import AccountSummary
from .decision import REPORT_MAX_AGE, Compliance, Reason, Verdict
from .evidence import Origin, ReportEvidence, ReportRead, ReportUnavailable
from .times import format_minute

if TYPE_CHECKING:
    from .credential_report import AccessKeyState

MAX_ANNOTATION = 256  # PutEvaluations' limit
DELETE_ADVICE = "Sign in as root and delete the keys (CIS 1.4, IAM.4)."
DELETE_CERTIFICATES_ADVICE = "Sign in as root and delete them."
SUMMARY_WORDS = {
    Origin.LIVE: "live IAM account summary",
    Origin.EXPORTED: "exported account summary",
    Origin.ROOT_SESSION: "root user's own credential listing, sts:AssumeRoot",
}
# IAM began recording access key last use on 2015-04-22: an older key's "N/A" proves nothing.
LAST_USE_TRACKING_BEGAN = datetime(2015, 4, 22, tzinfo=UTC)


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


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def describe_key(key: AccessKeyState) -> str:
    state = "active" if key.active else "inactive"
    if key.last_used is not None:
        where = " ".join(part for part in (key.last_used_service, key.last_used_region) if part)
        use = f"last used {_day(key.last_used)}" + (f" ({where})" if where else "")
    elif not key.last_use_known:
        use = "last use unknown"
    elif key.last_rotated is not None and _aware(key.last_rotated) < LAST_USE_TRACKING_BEGAN:
        use = "no use recorded since tracking began (2015-04-22)"
    else:
        use = "never used"
    return f"key {key.slot} {state}, {use}"


def _age(seconds: float) -> str:
    hours = int(seconds // 3600)
    return _plural(hours, "hour") if hours < 48 else _plural(hours // 24, "day")


def report_words(report: ReportRead, at: datetime) -> str:
    """'credential report of 2026-11-28 09:00Z', with 'exported' and the age where that matters."""
    if report.origin is Origin.ROOT_SESSION:
        when = format_minute(report.generated_at) if report.generated_at else "this run"
        return f"root user's own credential listing (sts:AssumeRoot) of {when}"
    exported = "exported " if report.origin is Origin.EXPORTED else ""
    if report.generated_at is None:
        return f"{exported}credential report of unknown date"
    words = f"{exported}credential report of {format_minute(report.generated_at)}"
    age = at - report.generated_at
    if report.origin is Origin.EXPORTED and age > REPORT_MAX_AGE:
        words += f", {_age(age.total_seconds())} old"
    return words


@dataclass(frozen=True)
class _Facts:
    verdict: Verdict
    summary: AccountSummary | None
    report: ReportEvidence
    at: datetime

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

    @property
    def report_words(self) -> str:
        return report_words(self.read_report, self.at)


def _no_key(facts: _Facts) -> str:
    note = ""
    if facts.verdict.reason is Reason.NO_ROOT_CREDENTIALS:
        note = "Root has no password, MFA or certificate either: root credentials appear centrally managed."
        if facts.verdict.compliance is Compliance.NOT_APPLICABLE:
            note += " Recorded NOT_APPLICABLE (RootWithoutCredentials)."
    return fit_annotation(
        f"No root access key exists ({facts.summary_words}: AccountAccessKeysPresent = 0).", note
    )


def _certificates(facts: _Facts) -> str:
    if facts.summary is not None and facts.summary.origin is Origin.ROOT_SESSION:
        evidence = f"per the {SUMMARY_WORDS[Origin.ROOT_SESSION]}"
    elif facts.summary is not None and facts.summary.signing_certificates_present:
        evidence = "(AccountSigningCertificatesPresent > 0)"
    else:
        evidence = f"per the {facts.report_words}"
    return fit_annotation(
        f"Root user has no access key but has X.509 signing certificates {evidence} "
        "and IncludeSigningCertificates is true.",
        DELETE_CERTIFICATES_ADVICE,
    )


def _key_details(facts: _Facts) -> tuple[str, str]:
    root = facts.read_report.root
    if root is None:
        raise ValueError(f"reason {facts.verdict.reason} needs the report's root row")
    active, inactive = len(root.active_keys), len(root.inactive_keys)
    counts = f"{_plural(active + inactive, 'access key')} ({active} active, {inactive} inactive)"
    return counts, "; ".join(describe_key(key) for key in root.access_keys) + "."


def _keys(facts: _Facts) -> str:
    counts, details = _key_details(facts)
    headline = f"Root user has {counts} per the {facts.report_words}:"
    if facts.verdict.reason is Reason.INACTIVE_KEYS_ACCEPTED:
        return fit_annotation(headline, details, "IgnoreInactiveKeys is true, so inactive keys are accepted.")
    note = (
        "Root also has X.509 signing certificates (IncludeSigningCertificates is true)."
        if facts.verdict.signing_certificates
        else ""
    )
    return fit_annotation(headline, details, note, DELETE_ADVICE)


def _report_too_old(facts: _Facts) -> str:
    counts, details = _key_details(facts)
    return fit_annotation(
        f"Root user has {counts} per the {facts.report_words}, which is over 4 hours older than the "
        "live summary: IgnoreInactiveKeys cannot accept keys that may have been activated since.",
        details,
        DELETE_ADVICE,
    )


def _evidence_conflict(facts: _Facts) -> str:
    if facts.verdict.active_keys or facts.verdict.inactive_keys:
        counts, details = _key_details(facts)
        return fit_annotation(
            "Evidence conflicts: the exported account summary shows no root access key but the "
            f"{facts.report_words} lists {counts}:",
            details,
            DELETE_ADVICE,
        )
    return fit_annotation(
        "Evidence conflicts: the exported account summary shows no signing certificate but the "
        f"{facts.report_words} lists {facts.verdict.signing_certificates} "
        "(IncludeSigningCertificates is true).",
        DELETE_CERTIFICATES_ADVICE,
    )


def _report_unavailable(facts: _Facts) -> str:
    cause = facts.report.reason if isinstance(facts.report, ReportUnavailable) else "unknown cause"
    return fit_annotation(f"{facts.existence}; detail unavailable: {cause[:120]}.", DELETE_ADVICE)


def _report_not_read(facts: _Facts) -> str:
    return fit_annotation(f"{facts.existence}; the credential report was not read.", DELETE_ADVICE)


def _report_stale(facts: _Facts) -> str:
    what = "has no root row" if facts.read_report.root is None else "lists no root key"
    return fit_annotation(
        f"{facts.existence}; the {facts.report_words} {what}: it is stale, older than the key's creation.",
        DELETE_ADVICE,
    )


def _report_lists_no_key(facts: _Facts) -> str:
    return fit_annotation(
        f"The {facts.report_words} lists no root access key.",
        "No account summary was given: a key created after the report was generated would not show.",
    )


_WRITERS: dict[Reason, Callable[[_Facts], str]] = {
    Reason.NO_KEY: _no_key,
    Reason.NO_ROOT_CREDENTIALS: _no_key,
    Reason.SIGNING_CERTIFICATES: _certificates,
    Reason.KEYS_PRESENT: _keys,
    Reason.INACTIVE_KEYS_ACCEPTED: _keys,
    Reason.REPORT_TOO_OLD: _report_too_old,
    Reason.EVIDENCE_CONFLICT: _evidence_conflict,
    Reason.REPORT_UNAVAILABLE: _report_unavailable,
    Reason.REPORT_NOT_READ: _report_not_read,
    Reason.REPORT_STALE: _report_stale,
    Reason.REPORT_LISTS_NO_KEY: _report_lists_no_key,
}


def annotate(verdict: Verdict, summary: AccountSummary | None, report: ReportEvidence, at: datetime) -> str:
    """The annotation for `verdict` at time `at`, 1 to 256 characters (the reason code carries
    what the parameters changed)."""
    return _WRITERS[verdict.reason](_Facts(verdict, summary, report, at))
