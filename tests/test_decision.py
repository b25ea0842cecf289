"""Every row of the decision table in issue 2, as unit tests of the pure `decide` function."""

from datetime import UTC, datetime

import pytest
from botocore.stub import Stubber
from root_access_keys.account_summary import AccountSummary
from root_access_keys.credential_report import AccessKeyState, CertificateState, RootCredentials
from root_access_keys.decision import (
    MAX_ANNOTATION,
    Compliance,
    ReportState,
    decide,
    fit_annotation,
    needs_credential_report,
)
from root_access_keys.errors import (
    AccountSummaryFormatError,
    AccountSummaryUnavailableError,
    UndecidableError,
)
from root_access_keys.evidence import ReportNotRead, ReportRead, ReportUnavailable
from root_access_keys.iam_evidence import read_account_summary
from root_access_keys.parameters import RuleParameters

ROOT_ARN = "arn:aws:iam::123456789012:root"
GENERATED = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
DEFAULTS = RuleParameters()
IGNORE_INACTIVE = RuleParameters(ignore_inactive_keys=True)
WITH_CERTS = RuleParameters(include_signing_certificates=True)


def key(slot=1, *, active=True, used=None, region=None, service=None):
    return AccessKeyState(
        slot=slot,
        active=active,
        last_rotated=datetime(2024, 3, 1, 9, 30, tzinfo=UTC),
        last_used=used,
        last_used_region=region,
        last_used_service=service,
    )


def root(*keys, certificates=()):
    return RootCredentials(arn=ROOT_ARN, access_keys=tuple(keys), certificates=tuple(certificates))


def summary(keys=1, certs=0, password=1, mfa=1):
    return AccountSummary(
        access_keys_present=keys,
        signing_certificates_present=certs,
        password_present=password,
        mfa_enabled=mfa,
    )


def assert_annotation_fits(verdict):
    assert 1 <= len(verdict.annotation) <= MAX_ANNOTATION


# --- Row 1: AccountAccessKeysPresent = 0, report not read (fast path) ---


def test_fast_path_no_key_is_compliant_without_the_report():
    verdict = decide(summary(keys=0), ReportNotRead(), DEFAULTS)
    assert verdict.compliance is Compliance.COMPLIANT
    assert verdict.report_state is ReportState.NOT_READ
    assert (verdict.active_keys, verdict.inactive_keys) == (0, 0)
    assert "No root access key exists" in verdict.annotation
    assert "centrally managed" not in verdict.annotation  # root still has a password and MFA
    assert_annotation_fits(verdict)


def test_fast_path_needs_no_report():
    assert needs_credential_report(summary(keys=0), DEFAULTS) is False
    assert needs_credential_report(summary(keys=0, certs=1), DEFAULTS) is False
    assert needs_credential_report(summary(keys=1), DEFAULTS) is True


def test_root_without_any_credential_is_compliant_and_noted_as_centrally_managed():
    verdict = decide(summary(keys=0, certs=0, password=0, mfa=0), ReportNotRead(), DEFAULTS)
    assert verdict.compliance is Compliance.COMPLIANT
    assert "centrally managed" in verdict.annotation
    assert "No root access key exists" in verdict.annotation


@pytest.mark.parametrize(
    "partial",
    [
        AccountSummary(access_keys_present=0),  # entries missing: not known to be absent
        AccountSummary(
            access_keys_present=0, signing_certificates_present=0, password_present=0, mfa_enabled=1
        ),
        AccountSummary(
            access_keys_present=0, signing_certificates_present=1, password_present=0, mfa_enabled=0
        ),
    ],
)
def test_centrally_managed_note_needs_every_flag_at_zero(partial):
    verdict = decide(partial, ReportNotRead(), DEFAULTS)
    assert verdict.compliance is Compliance.COMPLIANT
    assert "centrally managed" not in verdict.annotation


# --- Row 2: > 0 and a key active ---


def test_active_key_is_non_compliant_with_last_use_detail():
    used = datetime(2026, 11, 20, 14, 5, tzinfo=UTC)
    report = ReportRead(root(key(active=True, used=used, region="eu-west-1", service="s3")), GENERATED)
    verdict = decide(summary(keys=1), report, DEFAULTS)
    assert verdict.compliance is Compliance.NON_COMPLIANT
    assert verdict.report_state is ReportState.CURRENT
    assert (verdict.active_keys, verdict.inactive_keys) == (1, 0)
    assert "1 access key (1 active, 0 inactive)" in verdict.annotation
    assert "last used 2026-11-20 (s3 eu-west-1)" in verdict.annotation
    assert_annotation_fits(verdict)


def test_active_key_never_used_says_so():
    verdict = decide(summary(keys=1), ReportRead(root(key(active=True)), GENERATED), DEFAULTS)
    assert verdict.compliance is Compliance.NON_COMPLIANT
    assert "key 1 active, never used" in verdict.annotation


@pytest.mark.parametrize("parameters", [DEFAULTS, IGNORE_INACTIVE])
def test_active_key_is_non_compliant_whatever_ignore_inactive_says(parameters):
    report = ReportRead(root(key(1, active=False), key(2, active=True)), GENERATED)
    verdict = decide(summary(keys=1), report, parameters)
    assert verdict.compliance is Compliance.NON_COMPLIANT
    assert (verdict.active_keys, verdict.inactive_keys) == (1, 1)
    assert "2 access keys (1 active, 1 inactive)" in verdict.annotation


def test_two_keys_each_described_with_date_service_region():
    report = ReportRead(
        root(
            key(1, active=True, used=datetime(2026, 1, 2, tzinfo=UTC), region="us-east-1", service="iam"),
            key(2, active=False, used=datetime(2025, 6, 7, tzinfo=UTC), region="ap-south-1", service="ec2"),
        ),
        GENERATED,
    )
    verdict = decide(summary(keys=1), report, DEFAULTS)
    assert "key 1 active, last used 2026-01-02 (iam us-east-1)" in verdict.annotation
    assert "key 2 inactive, last used 2025-06-07 (ec2 ap-south-1)" in verdict.annotation
    assert_annotation_fits(verdict)


# --- Row 3: > 0, keys present but all inactive ---


def test_inactive_keys_only_are_non_compliant_by_default():
    report = ReportRead(root(key(active=False)), GENERATED)
    verdict = decide(summary(keys=1), report, DEFAULTS)
    assert verdict.compliance is Compliance.NON_COMPLIANT
    assert "1 access key (0 active, 1 inactive)" in verdict.annotation


def test_inactive_keys_only_are_compliant_with_ignore_inactive_keys():
    report = ReportRead(root(key(1, active=False), key(2, active=False)), GENERATED)
    verdict = decide(summary(keys=1), report, IGNORE_INACTIVE)
    assert verdict.compliance is Compliance.COMPLIANT
    assert (verdict.active_keys, verdict.inactive_keys) == (0, 2)
    assert "IgnoreInactiveKeys is true" in verdict.annotation
    assert "2 access keys (0 active, 2 inactive)" in verdict.annotation


# --- Row 4: > 0 but the report shows no key or has no root row (stale) ---


@pytest.mark.parametrize("parameters", [DEFAULTS, IGNORE_INACTIVE])
def test_report_row_without_key_is_stale_and_non_compliant(parameters):
    verdict = decide(summary(keys=1), ReportRead(root(), GENERATED), parameters)
    assert verdict.compliance is Compliance.NON_COMPLIANT
    assert verdict.report_state is ReportState.STALE
    assert "stale" in verdict.annotation
    assert "2026-11-28 09:00Z" in verdict.annotation
    assert "lists no root key" in verdict.annotation


def test_report_without_root_row_is_stale_and_non_compliant():
    verdict = decide(summary(keys=1), ReportRead(None, None), IGNORE_INACTIVE)
    assert verdict.compliance is Compliance.NON_COMPLIANT
    assert verdict.report_state is ReportState.STALE
    assert "has no root row" in verdict.annotation
    assert "at an unknown time" in verdict.annotation


# --- Row 5: > 0 and the report is unavailable ---


@pytest.mark.parametrize(
    "reason",
    [
        "iam:GetCredentialReport denied (AccessDenied): grant the function's role iam:GetCredentialReport",
        "credential report still generating after 47s (time budget reached)",
        "x" * 1000,
    ],
)
@pytest.mark.parametrize("parameters", [DEFAULTS, IGNORE_INACTIVE])
def test_unavailable_report_is_non_compliant_detail_unavailable(reason, parameters):
    verdict = decide(summary(keys=1), ReportUnavailable(reason), parameters)
    assert verdict.compliance is Compliance.NON_COMPLIANT
    assert verdict.report_state is ReportState.UNAVAILABLE
    assert "detail unavailable" in verdict.annotation
    assert reason[:40] in verdict.annotation
    assert_annotation_fits(verdict)


def test_key_present_but_report_never_read_is_still_non_compliant():
    verdict = decide(summary(keys=1), ReportNotRead(), IGNORE_INACTIVE)
    assert verdict.compliance is Compliance.NON_COMPLIANT
    assert "not read" in verdict.annotation


def test_live_summary_zero_wins_over_a_lagging_report_with_keys():
    # The report can be 4 hours old; the live summary says the key is gone.
    verdict = decide(summary(keys=0), ReportRead(root(key(active=True)), GENERATED), DEFAULTS)
    assert verdict.compliance is Compliance.COMPLIANT


# --- Row 6: summary unreadable -> no verdict, an error naming the cause ---


@pytest.fixture
def iam_client():
    import boto3

    return boto3.client("iam", region_name="us-east-1")


def test_summary_access_denied_raises_naming_the_missing_action(iam_client):
    with Stubber(iam_client) as stub:
        stub.add_client_error("get_account_summary", service_error_code="AccessDenied", http_status_code=403)
        with pytest.raises(AccountSummaryUnavailableError) as raised:
            read_account_summary(iam_client)
    assert "iam:GetAccountSummary" in str(raised.value)
    assert "AccessDenied" in str(raised.value)
    assert "grant" in str(raised.value)


def test_summary_throttled_raises_naming_the_cause(iam_client):
    with Stubber(iam_client) as stub:
        stub.add_client_error(
            "get_account_summary",
            service_error_code="Throttling",
            service_message="Rate exceeded",
            http_status_code=400,
            response_meta={"RetryAttempts": 3},
        )
        with pytest.raises(AccountSummaryUnavailableError) as raised:
            read_account_summary(iam_client)
    message = str(raised.value)
    assert message == "iam:GetAccountSummary failed after 3 retries: Throttling (Rate exceeded)"


def test_summary_without_access_key_entry_raises(iam_client):
    with Stubber(iam_client) as stub:
        stub.add_response("get_account_summary", {"SummaryMap": {"Users": 3, "AccountMFAEnabled": 1}})
        with pytest.raises(AccountSummaryFormatError, match="AccountAccessKeysPresent"):
            read_account_summary(iam_client)


def test_summary_is_read_from_the_live_map(iam_client):
    with Stubber(iam_client) as stub:
        stub.add_response(
            "get_account_summary",
            {
                "SummaryMap": {
                    "AccountAccessKeysPresent": 1,
                    "AccountSigningCertificatesPresent": 0,
                    "AccountMFAEnabled": 1,
                    "AccountPasswordPresent": 1,
                    "Users": 12,
                }
            },
        )
        assert read_account_summary(iam_client) == summary(keys=1)


def test_no_summary_and_no_report_cannot_be_decided():
    with pytest.raises(UndecidableError):
        decide(None, ReportUnavailable("denied"), DEFAULTS)
    with pytest.raises(UndecidableError):
        decide(None, ReportNotRead(), DEFAULTS)


# --- Signing certificates (IncludeSigningCertificates) ---


def test_signing_certificate_alone_is_non_compliant_when_included():
    assert needs_credential_report(summary(keys=0, certs=1), WITH_CERTS) is True
    verdict = decide(summary(keys=0, certs=1), ReportNotRead(), WITH_CERTS)
    assert verdict.compliance is Compliance.NON_COMPLIANT
    assert verdict.signing_certificates == 1
    assert "signing certificates" in verdict.annotation
    assert "IncludeSigningCertificates is true" in verdict.annotation


def test_signing_certificate_is_ignored_by_default():
    verdict = decide(summary(keys=0, certs=1), ReportNotRead(), DEFAULTS)
    assert verdict.compliance is Compliance.COMPLIANT
    assert verdict.signing_certificates == 0


def test_certificate_keeps_inactive_keys_non_compliant_even_when_they_are_ignored():
    parameters = RuleParameters(ignore_inactive_keys=True, include_signing_certificates=True)
    verdict = decide(summary(keys=1, certs=1), ReportRead(root(key(active=False)), GENERATED), parameters)
    assert verdict.compliance is Compliance.NON_COMPLIANT
    assert "X.509 signing certificates" in verdict.annotation


def test_included_certificates_without_summary_entry_cannot_be_decided():
    partial = AccountSummary(access_keys_present=0)
    with pytest.raises(UndecidableError, match="AccountSigningCertificatesPresent"):
        decide(partial, ReportNotRead(), WITH_CERTS)
    with pytest.raises(UndecidableError):
        needs_credential_report(partial, WITH_CERTS)


# --- Report-only evidence (summary None: the CLI's exported-files mode) ---


def test_report_only_with_active_key_is_non_compliant():
    used = datetime(2026, 3, 4, tzinfo=UTC)
    report = ReportRead(root(key(active=True, used=used, region="us-west-2", service="sts")))
    verdict = decide(None, report, DEFAULTS)
    assert verdict.compliance is Compliance.NON_COMPLIANT
    assert "per the credential report" in verdict.annotation
    assert "last used 2026-03-04 (sts us-west-2)" in verdict.annotation


def test_report_only_inactive_keys_follow_ignore_inactive_keys():
    report = ReportRead(root(key(active=False)))
    assert decide(None, report, DEFAULTS).compliance is Compliance.NON_COMPLIANT
    assert decide(None, report, IGNORE_INACTIVE).compliance is Compliance.COMPLIANT


def test_report_only_without_keys_is_compliant_and_warns_about_lag():
    verdict = decide(None, ReportRead(root()), DEFAULTS)
    assert verdict.compliance is Compliance.COMPLIANT
    assert "4 hours" in verdict.annotation


def test_report_only_certificates_count_when_included():
    report = ReportRead(root(certificates=[CertificateState(slot=1, active=True)]))
    assert decide(None, report, DEFAULTS).compliance is Compliance.COMPLIANT
    verdict = decide(None, report, WITH_CERTS)
    assert verdict.compliance is Compliance.NON_COMPLIANT
    assert verdict.signing_certificates == 1


def test_report_only_without_root_row_cannot_be_decided():
    with pytest.raises(UndecidableError, match="root_account"):
        decide(None, ReportRead(None), DEFAULTS)


# --- Annotation limits ---


def test_annotation_with_long_service_names_stays_within_limit():
    long = "s" * 200
    report = ReportRead(
        root(
            key(1, active=True, used=GENERATED, region=long, service=long),
            key(2, active=False, used=GENERATED, region=long, service=long),
        ),
        GENERATED,
    )
    verdict = decide(summary(keys=1, certs=1), report, WITH_CERTS)
    assert_annotation_fits(verdict)
    assert verdict.annotation.startswith("Root user has 2 access keys (1 active, 1 inactive)")


def test_fit_annotation_drops_trailing_parts_then_truncates():
    assert fit_annotation("a", "", "b") == "a b"
    assert fit_annotation("head", "y" * 300) == "head"
    cut = fit_annotation("z" * 400)
    assert len(cut) == MAX_ANNOTATION
    assert cut.endswith("...")


def test_a_key_with_no_record_of_use_is_not_called_never_used():
    key = AccessKeyState(
        slot=1,
        active=True,
        last_rotated=datetime(2024, 1, 1, tzinfo=UTC),
        last_used=None,
        last_used_region=None,
        last_used_service=None,
        last_use_known=False,
    )
    root = RootCredentials(arn="arn:aws:iam::123456789012:root", access_keys=(key,), certificates=())
    verdict = decide(AccountSummary(access_keys_present=1), ReportRead(root=root), RuleParameters())
    assert "last use unknown" in verdict.annotation
    assert "never used" not in verdict.annotation
