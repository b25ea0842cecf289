"""Between the inventory and the rule: the same decision code judges both audit paths.

A root session lists the root user's credentials exactly; `judge_root_session` turns that listing
into the evidence the rule's decision reads (a live summary and a report-like root row, origin
ROOT_SESSION) and decides with the rule's own options. The caller path (the caller's own account,
which AssumeRoot cannot target) runs the rule's assessment itself; `from_assessment` records what
that assessment saw.
"""

from datetime import datetime

from root_access_keys.account_summary import AccountSummary
from root_access_keys.arns import root_user_arn
from root_access_keys.assessment import Assessment, judge
from root_access_keys.credential_report import AccessKeyState, CertificateState
from root_access_keys.credential_report import RootCredentials as ReportRoot
from root_access_keys.evidence import Origin, ReportRead
from root_access_keys.spec import RuleParameters

from .inventory import AccessKey, RootCredentials


def _report_root(credentials: RootCredentials, partition: str, account_id: str) -> ReportRoot:
    keys = tuple(
        AccessKeyState(
            slot=slot,
            active=key.active,
            last_rotated=key.created,
            last_used=key.last_used,
            last_used_region=key.last_used_region,
            last_used_service=key.last_used_service,
        )
        for slot, key in enumerate(credentials.access_keys, start=1)
    )
    certificates = tuple(
        CertificateState(slot=slot, active=certificate.status == "Active")
        for slot, certificate in enumerate(credentials.signing_certificates, start=1)
    )
    return ReportRoot(arn=root_user_arn(partition, account_id), access_keys=keys, certificates=certificates)


def judge_root_session(
    credentials: RootCredentials,
    parameters: RuleParameters,
    *,
    partition: str,
    account_id: str,
    read_at: datetime,
) -> Assessment:
    """The rule's verdict on a root session's exact listing, read at `read_at`."""
    summary = AccountSummary(
        access_keys_present=len(credentials.access_keys),
        signing_certificates_present=len(credentials.signing_certificates),
        password_present=int(bool(credentials.password)),
        mfa_enabled=int(bool(credentials.has_mfa)),
        origin=Origin.LIVE,
        read_at=read_at,
    )
    report = ReportRead(_report_root(credentials, partition, account_id), read_at, Origin.ROOT_SESSION)
    return judge(summary, report, parameters, at=read_at)


def from_assessment(assessment: Assessment) -> RootCredentials:
    """What the caller path saw: key states from the report's root row (no key ids), password and
    MFA from the live summary."""
    summary = assessment.summary
    report = assessment.report
    root = report.root if isinstance(report, ReportRead) else None
    keys = tuple(
        AccessKey(
            access_key_id="",
            status="Active" if key.active else "Inactive",
            created=key.last_rotated,
            last_used=key.last_used,
            last_used_service=key.last_used_service,
            last_used_region=key.last_used_region,
        )
        for key in (root.access_keys if root else ())
    )
    return RootCredentials(
        access_keys=keys,
        password=None
        if summary is None or summary.password_present is None
        else bool(summary.password_present),
        mfa_enabled=None if summary is None or summary.mfa_enabled is None else bool(summary.mfa_enabled),
        exact=False,
    )
