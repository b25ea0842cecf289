"""A mixed organization for the org-audit report tests: 12 accounts, every verdict, keys of
different ages and states, a could-not-audit error, a suspended account, the management account
audited with the caller's credentials, and a customer-chosen name full of markup."""

from datetime import UTC, datetime, timedelta

from rootkeys.org.inventory import (
    AccessKey,
    AccountResult,
    AuditStatus,
    Inventory,
    Method,
    MfaDevice,
    RootCredentials,
    RunInfo,
    SigningCertificate,
)

FINISHED = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
MANAGEMENT = "111111111111"
HOSTILE_NAME = "<script>alert(1)</script> & \"double\" 'single' </td></tr><b>x</b>"
REFERENCES = (
    "CIS AWS Foundations Benchmark v1.4.0 1.4",
    "CIS AWS Foundations Benchmark v5.0.0 1.3",
    "AWS Foundational Security Best Practices v1.0.0 IAM.4",
)


def days_ago(days: int) -> datetime:
    """A moment exactly `days` whole days (and one hour) before the run finished."""
    return FINISHED - timedelta(days=days, hours=1)


def key(number: int, age: int, active: bool = True, used: int | None = None) -> AccessKey:
    return AccessKey(
        access_key_id=f"AKIAEXAMPLE{number:09d}",
        status="Active" if active else "Inactive",
        created=days_ago(age),
        last_used=days_ago(used) if used is not None else None,
        last_used_service="s3" if used is not None else None,
        last_used_region="eu-west-1" if used is not None else None,
    )


def root_session(*keys: AccessKey, certificates: tuple[SigningCertificate, ...] = ()) -> RootCredentials:
    return RootCredentials(
        access_keys=keys,
        signing_certificates=certificates,
        mfa_devices=(MfaDevice("arn:aws:iam::000000000000:mfa/root", days_ago(700)),),
        password=True,
    )


def audited(
    account_id: str,
    name: str,
    compliant: bool,
    credentials: RootCredentials,
    method: Method = Method.ASSUME_ROOT,
    notes: tuple[str, ...] = (),
) -> AccountResult:
    return AccountResult(
        account_id=account_id,
        name=name,
        state="ACTIVE",
        status=AuditStatus.AUDITED,
        method=method,
        compliance="COMPLIANT" if compliant else "NON_COMPLIANT",
        reason="no_key" if compliant else "keys_present",
        annotation="The root user has no access key." if compliant else "The root user has access keys.",
        credentials=credentials,
        notes=notes,
        api_calls=("sts:AssumeRoot", "iam:ListAccessKeys"),
    )


def could_not_audit(account_id: str, name: str, error: str) -> AccountResult:
    return AccountResult(
        account_id, name, "ACTIVE", AuditStatus.COULD_NOT_AUDIT, Method.ASSUME_ROOT, error=error
    )


def accounts() -> tuple[AccountResult, ...]:
    no_keys = root_session()
    return (
        audited(
            MANAGEMENT,
            "management",
            True,
            RootCredentials(password=True, exact=False),
            method=Method.CALLER,
            notes=("management account: audited with the caller's own credentials",),
        ),
        audited("222222222222", "prod-payments", False, root_session(key(1, 900, used=3))),
        audited(
            "333333333333",
            "legacy-batch",
            False,
            root_session(key(2, 1500, used=200), key(3, 400, active=False)),
        ),
        audited("444444444444", "sandbox-old", False, root_session(key(4, 60, active=False))),
        audited("555555555555", HOSTILE_NAME, True, no_keys),
        could_not_audit(
            "666666666666",
            "data-lake",
            "AccessDenied: sts:AssumeRoot is not allowed (centralized root access is not enabled)",
        ),
        AccountResult(
            "777777777777",
            "old-suspended",
            "SUSPENDED",
            AuditStatus.SKIPPED,
            notes=("account state is SUSPENDED: not audited",),
        ),
        audited(
            "888888888888",
            "dev",
            True,
            root_session(certificates=(SigningCertificate("CERTEXAMPLE1", "Inactive", days_ago(30)),)),
        ),
        audited("999999999999", "analytics", False, root_session(key(5, 10))),
        audited("101010101010", "staging", True, no_keys),
        could_not_audit("121212121212", "network", "ThrottlingException: rate exceeded after 5 attempts"),
        audited("131313131313", "security-tooling", True, no_keys),
    )


def mixed_fleet() -> Inventory:
    run = RunInfo(
        caller_arn="arn:aws:sts::111111111111:assumed-role/Auditor/alice",
        organization_id="o-exampleorg1",
        management_account_id=MANAGEMENT,
        started_at=FINISHED - timedelta(minutes=3, seconds=12),
        finished_at=FINISHED,
        region="us-east-1",
        options={"IgnoreInactiveKeys": "false", "IncludeSigningCertificates": "false"},
        scope="organization",
        tool_version="0.1.0",
        references=REFERENCES,
    )
    return Inventory(run, accounts())
