"""Every row of the decision table in issue 2, as unit tests of the pure `decide` function."""

from datetime import UTC, datetime, timedelta

import pytest
from botocore.stub import Stubber
from root_access_keys import assessment, decision
from root_access_keys.account_summary import AccountSummary
from root_access_keys.annotation import MAX_ANNOTATION, fit_annotation
from root_access_keys.credential_report import AccessKeyState, CertificateState, RootCredentials
from root_access_keys.decision import Compliance, Reason, ReportState, needs_credential_report
from root_access_keys.errors import (
    AccountSummaryFormatError,
    AccountSummaryUnavailableError,
    UndecidableError,
)
from root_access_keys.evidence import Origin, ReportNotRead, ReportRead, ReportUnavailable
from root_access_keys.iam_evidence import read_account_summary
from root_access_keys.parameters import RuleParameters
from root_access_keys.times import format_minute

ROOT_ARN = "arn:aws:iam::123456789012:root"
GENERATED = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
AT = GENERATED + timedelta(minutes=10)  # when the live summary is read and the verdict decided


def judge(summary, report, parameters, at=AT):
    return assessment.judge(summary, report, parameters, at=at)


def decide(summary, report, parameters, at=AT):
    return decision.decide(summary, report, parameters, at=at)


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
        read_at=AT,
    )


def assert_annotation_fits(result):
    assert 1 <= len(result.annotation) <= MAX_ANNOTATION


# --- Row 1: AccountAccessKeysPresent = 0, report not read (fast path) ---


def test_fast_path_no_key_is_compliant_without_the_report():
    result = judge(summary(keys=0), ReportNotRead(), DEFAULTS)
    assert result.verdict.compliance is Compliance.COMPLIANT
    assert result.verdict.report_state is ReportState.NOT_READ
    assert (result.verdict.active_keys, result.verdict.inactive_keys) == (0, 0)
    assert "No root access key exists" in result.annotation
    assert "centrally managed" not in result.annotation  # root still has a password and MFA
    assert_annotation_fits(result)


def test_fast_path_needs_no_report():
    assert needs_credential_report(summary(keys=0), DEFAULTS) is False
    assert needs_credential_report(summary(keys=0, certs=1), DEFAULTS) is False
    assert needs_credential_report(summary(keys=1), DEFAULTS) is True


def test_root_without_any_credential_is_compliant_and_noted_as_centrally_managed():
    result = judge(summary(keys=0, certs=0, password=0, mfa=0), ReportNotRead(), DEFAULTS)
    assert result.verdict.compliance is Compliance.COMPLIANT
    assert "centrally managed" in result.annotation
    assert "No root access key exists" in result.annotation


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
    result = judge(partial, ReportNotRead(), DEFAULTS)
    assert result.verdict.compliance is Compliance.COMPLIANT
    assert "centrally managed" not in result.annotation


# --- Row 2: > 0 and a key active ---


def test_active_key_is_non_compliant_with_last_use_detail():
    used = datetime(2026, 11, 20, 14, 5, tzinfo=UTC)
    report = ReportRead(root(key(active=True, used=used, region="eu-west-1", service="s3")), GENERATED)
    result = judge(summary(keys=1), report, DEFAULTS)
    assert result.verdict.compliance is Compliance.NON_COMPLIANT
    assert result.verdict.report_state is ReportState.CURRENT
    assert (result.verdict.active_keys, result.verdict.inactive_keys) == (1, 0)
    assert "1 access key (1 active, 0 inactive)" in result.annotation
    assert "last used 2026-11-20 (s3 eu-west-1)" in result.annotation
    assert_annotation_fits(result)


def test_active_key_never_used_says_so():
    result = judge(summary(keys=1), ReportRead(root(key(active=True)), GENERATED), DEFAULTS)
    assert result.verdict.compliance is Compliance.NON_COMPLIANT
    assert "key 1 active, never used" in result.annotation


@pytest.mark.parametrize("parameters", [DEFAULTS, IGNORE_INACTIVE])
def test_active_key_is_non_compliant_whatever_ignore_inactive_says(parameters):
    report = ReportRead(root(key(1, active=False), key(2, active=True)), GENERATED)
    result = judge(summary(keys=1), report, parameters)
    assert result.verdict.compliance is Compliance.NON_COMPLIANT
    assert (result.verdict.active_keys, result.verdict.inactive_keys) == (1, 1)
    assert "2 access keys (1 active, 1 inactive)" in result.annotation


def test_two_keys_each_described_with_date_service_region():
    report = ReportRead(
        root(
            key(1, active=True, used=datetime(2026, 1, 2, tzinfo=UTC), region="us-east-1", service="iam"),
            key(2, active=False, used=datetime(2025, 6, 7, tzinfo=UTC), region="ap-south-1", service="ec2"),
        ),
        GENERATED,
    )
    result = judge(summary(keys=1), report, DEFAULTS)
    assert "key 1 active, last used 2026-01-02 (iam us-east-1)" in result.annotation
    assert "key 2 inactive, last used 2025-06-07 (ec2 ap-south-1)" in result.annotation
    assert_annotation_fits(result)


# --- Row 3: > 0, keys present but all inactive ---


def test_inactive_keys_only_are_non_compliant_by_default():
    report = ReportRead(root(key(active=False)), GENERATED)
    result = judge(summary(keys=1), report, DEFAULTS)
    assert result.verdict.compliance is Compliance.NON_COMPLIANT
    assert "1 access key (0 active, 1 inactive)" in result.annotation


def test_inactive_keys_only_are_compliant_with_ignore_inactive_keys():
    report = ReportRead(root(key(1, active=False), key(2, active=False)), GENERATED)
    result = judge(summary(keys=1), report, IGNORE_INACTIVE)
    assert result.verdict.compliance is Compliance.COMPLIANT
    assert (result.verdict.active_keys, result.verdict.inactive_keys) == (0, 2)
    assert "IgnoreInactiveKeys is true" in result.annotation
    assert "2 access keys (0 active, 2 inactive)" in result.annotation


# --- Row 4: > 0 but the report shows no key or has no root row (stale) ---


@pytest.mark.parametrize("parameters", [DEFAULTS, IGNORE_INACTIVE])
def test_report_row_without_key_is_stale_and_non_compliant(parameters):
    result = judge(summary(keys=1), ReportRead(root(), GENERATED), parameters)
    assert result.verdict.compliance is Compliance.NON_COMPLIANT
    assert result.verdict.report_state is ReportState.STALE
    assert "stale" in result.annotation
    assert "2026-11-28 09:00Z" in result.annotation
    assert "lists no root key" in result.annotation


def test_report_without_root_row_is_stale_and_non_compliant():
    result = judge(summary(keys=1), ReportRead(None, None), IGNORE_INACTIVE)
    assert result.verdict.compliance is Compliance.NON_COMPLIANT
    assert result.verdict.report_state is ReportState.STALE
    assert "has no root row" in result.annotation
    assert "credential report of unknown date" in result.annotation


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
    result = judge(summary(keys=1), ReportUnavailable(reason), parameters)
    assert result.verdict.compliance is Compliance.NON_COMPLIANT
    assert result.verdict.report_state is ReportState.UNAVAILABLE
    assert "detail unavailable" in result.annotation
    assert reason[:40] in result.annotation
    assert_annotation_fits(result)


def test_key_present_but_report_never_read_is_still_non_compliant():
    result = judge(summary(keys=1), ReportNotRead(), IGNORE_INACTIVE)
    assert result.verdict.compliance is Compliance.NON_COMPLIANT
    assert "not read" in result.annotation


def test_live_summary_zero_wins_over_a_lagging_report_with_keys():
    # The report can be 4 hours old; the live summary says the key is gone.
    result = judge(summary(keys=0), ReportRead(root(key(active=True)), GENERATED), DEFAULTS)
    assert result.verdict.compliance is Compliance.COMPLIANT


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
        assert read_account_summary(iam_client, lambda: AT) == summary(keys=1)


def test_no_summary_and_no_report_cannot_be_decided():
    with pytest.raises(UndecidableError):
        decide(None, ReportUnavailable("denied"), DEFAULTS)
    with pytest.raises(UndecidableError):
        decide(None, ReportNotRead(), DEFAULTS)


# --- Signing certificates (IncludeSigningCertificates) ---


def test_signing_certificate_alone_is_non_compliant_when_included():
    assert needs_credential_report(summary(keys=0, certs=1), WITH_CERTS) is True
    result = judge(summary(keys=0, certs=1), ReportNotRead(), WITH_CERTS)
    assert result.verdict.compliance is Compliance.NON_COMPLIANT
    assert result.verdict.signing_certificates == 1
    assert "signing certificates" in result.annotation
    assert "IncludeSigningCertificates is true" in result.annotation


def test_signing_certificate_is_ignored_by_default():
    result = judge(summary(keys=0, certs=1), ReportNotRead(), DEFAULTS)
    assert result.verdict.compliance is Compliance.COMPLIANT
    assert result.verdict.signing_certificates == 0


def test_certificate_keeps_inactive_keys_non_compliant_even_when_they_are_ignored():
    parameters = RuleParameters(ignore_inactive_keys=True, include_signing_certificates=True)
    result = judge(summary(keys=1, certs=1), ReportRead(root(key(active=False)), GENERATED), parameters)
    assert result.verdict.compliance is Compliance.NON_COMPLIANT
    assert "X.509 signing certificates" in result.annotation


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
    result = judge(None, report, DEFAULTS)
    assert result.verdict.compliance is Compliance.NON_COMPLIANT
    assert "per the credential report" in result.annotation
    assert "last used 2026-03-04 (sts us-west-2)" in result.annotation


def test_report_only_inactive_keys_follow_ignore_inactive_keys():
    report = ReportRead(root(key(active=False)))
    assert decide(None, report, DEFAULTS).compliance is Compliance.NON_COMPLIANT
    assert decide(None, report, IGNORE_INACTIVE).compliance is Compliance.COMPLIANT


def test_report_only_without_keys_is_compliant_and_says_what_it_cannot_see():
    result = judge(None, ReportRead(root()), DEFAULTS)
    assert result.verdict.compliance is Compliance.COMPLIANT
    assert "a key created after the report was generated would not show" in result.annotation
    # "Up to 4 hours" is true of a live report only; an exported one may be any age.
    assert "4 hours" not in result.annotation


def test_report_only_certificates_count_when_included():
    report = ReportRead(root(certificates=[CertificateState(slot=1, active=True)]))
    assert decide(None, report, DEFAULTS).compliance is Compliance.COMPLIANT
    result = judge(None, report, WITH_CERTS)
    assert result.verdict.compliance is Compliance.NON_COMPLIANT
    assert result.verdict.signing_certificates == 1


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
    result = judge(summary(keys=1, certs=1), report, WITH_CERTS)
    assert_annotation_fits(result)
    assert result.annotation.startswith("Root user has 2 access keys (1 active, 1 inactive)")


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
    result = judge(AccountSummary(access_keys_present=1), ReportRead(root=root), RuleParameters())
    assert "last use unknown" in result.annotation
    assert "never used" not in result.annotation


# --- Reason codes: each one reached, worded, and within the limit ---

REASON_ROWS = [
    (summary(keys=0, password=1), ReportNotRead(), DEFAULTS, Reason.NO_KEY),
    (summary(keys=0, certs=0, password=0, mfa=0), ReportNotRead(), DEFAULTS, Reason.NO_ROOT_CREDENTIALS),
    (summary(keys=0, certs=1), ReportNotRead(), WITH_CERTS, Reason.SIGNING_CERTIFICATES),
    (summary(keys=1), ReportRead(root(key(active=True)), GENERATED), DEFAULTS, Reason.KEYS_PRESENT),
    (
        summary(keys=1),
        ReportRead(root(key(active=False)), GENERATED),
        IGNORE_INACTIVE,
        Reason.INACTIVE_KEYS_ACCEPTED,
    ),
    (summary(keys=1), ReportUnavailable("denied"), DEFAULTS, Reason.REPORT_UNAVAILABLE),
    (summary(keys=1), ReportNotRead(), DEFAULTS, Reason.REPORT_NOT_READ),
    (summary(keys=1), ReportRead(None, GENERATED), DEFAULTS, Reason.REPORT_STALE),
    (None, ReportRead(root()), DEFAULTS, Reason.REPORT_LISTS_NO_KEY),
    (
        summary(keys=1),
        ReportRead(root(key(active=False)), AT - timedelta(hours=10)),
        IGNORE_INACTIVE,
        Reason.REPORT_TOO_OLD,
    ),
    (
        AccountSummary(access_keys_present=0, origin=Origin.EXPORTED),
        ReportRead(root(key(active=True)), GENERATED, Origin.EXPORTED),
        DEFAULTS,
        Reason.EVIDENCE_CONFLICT,
    ),
]


@pytest.mark.parametrize(("evidence_summary", "report", "parameters", "reason"), REASON_ROWS)
def test_each_reason_is_reached_and_worded(evidence_summary, report, parameters, reason):
    result = judge(evidence_summary, report, parameters)
    assert result.verdict.reason is reason
    assert_annotation_fits(result)


def test_the_rows_cover_every_reason():
    assert {row[-1] for row in REASON_ROWS} == set(Reason)


# --- Exported evidence: nothing overrules a piece that shows a counted credential (issue 9, item 2) ---

EXPORTED_ZERO = AccountSummary(
    access_keys_present=0,
    signing_certificates_present=0,
    password_present=1,
    mfa_enabled=1,
    origin=Origin.EXPORTED,
)


def exported_report(*keys, certificates=(), generated=GENERATED):
    return ReportRead(root(*keys, certificates=certificates), generated, Origin.EXPORTED)


@pytest.mark.parametrize("active", [True, False])
def test_an_exported_summary_of_zero_never_overrules_a_report_listing_keys(active):
    result = judge(EXPORTED_ZERO, exported_report(key(active=active)), DEFAULTS)
    assert result.verdict.compliance is Compliance.NON_COMPLIANT
    assert result.verdict.reason is Reason.EVIDENCE_CONFLICT
    assert result.annotation.startswith(
        "Evidence conflicts: the exported account summary shows no root access key"
    )
    assert "exported credential report of 2026-11-28 09:00Z lists 1 access key" in result.annotation


def test_inactive_keys_an_exported_report_lists_are_accepted_when_asked_even_against_a_zero_summary():
    result = judge(EXPORTED_ZERO, exported_report(key(active=False)), IGNORE_INACTIVE)
    assert result.verdict.compliance is Compliance.COMPLIANT
    assert result.verdict.reason is Reason.INACTIVE_KEYS_ACCEPTED


def test_an_exported_summary_without_certificates_never_overrules_a_report_listing_one():
    report = exported_report(certificates=[CertificateState(slot=1, active=True)])
    result = judge(EXPORTED_ZERO, report, WITH_CERTS)
    assert result.verdict.compliance is Compliance.NON_COMPLIANT
    assert result.verdict.reason is Reason.EVIDENCE_CONFLICT
    assert "no signing certificate" in result.annotation
    assert judge(EXPORTED_ZERO, report, DEFAULTS).verdict.compliance is Compliance.COMPLIANT


def test_an_exported_summary_with_a_key_and_a_report_without_one_is_stale():
    exported_key = AccountSummary(access_keys_present=1, origin=Origin.EXPORTED)
    result = judge(exported_key, exported_report(), IGNORE_INACTIVE)
    assert result.verdict.reason is Reason.REPORT_STALE
    assert result.verdict.compliance is Compliance.NON_COMPLIANT


def test_a_partial_summary_leaves_the_keys_to_the_report():
    partial = AccountSummary(access_keys_present=None, password_present=1, origin=Origin.EXPORTED)
    result = judge(partial, exported_report(key(active=True)), DEFAULTS)
    assert result.verdict.compliance is Compliance.NON_COMPLIANT
    assert result.verdict.reason is Reason.KEYS_PRESENT
    assert judge(partial, exported_report(), DEFAULTS).verdict.reason is Reason.REPORT_LISTS_NO_KEY
    with pytest.raises(UndecidableError, match="no AccountAccessKeysPresent entry and no credential report"):
        judge(partial, ReportNotRead(), DEFAULTS)


def test_a_live_summary_of_zero_still_wins_over_a_lagging_live_report():
    result = judge(summary(keys=0), ReportRead(root(key(active=True)), GENERATED), DEFAULTS)
    assert result.verdict.compliance is Compliance.COMPLIANT


# --- Report freshness (issue 9, item 4) ---


@pytest.mark.parametrize(("age_hours", "accepted"), [(3.9, True), (4.1, False), (10, False)])
def test_inactive_keys_are_accepted_only_on_a_report_at_most_4_hours_older_than_the_live_summary(
    age_hours, accepted
):
    report = ReportRead(root(key(active=False)), AT - timedelta(hours=age_hours))
    result = judge(summary(keys=1), report, IGNORE_INACTIVE)
    assert (result.verdict.compliance is Compliance.COMPLIANT) is accepted
    if not accepted:
        assert result.verdict.reason is Reason.REPORT_TOO_OLD
        assert "over 4 hours older than the live summary" in result.annotation


def test_a_live_summary_without_a_read_time_cannot_vouch_for_inactive_keys():
    undated = AccountSummary(access_keys_present=1, signing_certificates_present=0)
    result = judge(undated, ReportRead(root(key(active=False)), AT), IGNORE_INACTIVE)
    assert result.verdict.compliance is Compliance.NON_COMPLIANT


@pytest.mark.parametrize("row", REASON_ROWS, ids=lambda row: row[-1].value)
def test_every_annotation_that_rests_on_the_report_says_when_it_was_generated(row):
    evidence_summary, report, parameters, reason = row
    result = judge(evidence_summary, report, parameters)
    if isinstance(report, ReportRead) and result.verdict.reason not in {
        Reason.NO_KEY,
        Reason.NO_ROOT_CREDENTIALS,
        Reason.SIGNING_CERTIFICATES,
    }:
        when = format_minute(report.generated_at) if report.generated_at else "unknown date"
        assert when in result.annotation, reason


@pytest.mark.parametrize(
    ("age", "label"),
    [(timedelta(hours=2), None), (timedelta(hours=10), "10 hours old"), (timedelta(days=9), "9 days old")],
)
def test_an_exported_report_older_than_4_hours_is_labelled_with_its_age_never_current(age, label):
    report = exported_report(key(active=True), generated=AT - age)
    result = judge(None, report, DEFAULTS)
    if label is None:
        assert result.verdict.report_state is ReportState.CURRENT
        assert " old" not in result.annotation
    else:
        assert result.verdict.report_state is ReportState.OLD
        assert label in result.annotation


def test_a_console_csv_has_no_date_and_says_so():
    result = judge(None, ReportRead(root(key(active=True)), None, Origin.EXPORTED), DEFAULTS)
    assert result.verdict.report_state is ReportState.UNDATED
    assert "exported credential report of unknown date" in result.annotation


@pytest.mark.parametrize(
    ("created", "expected"),
    [
        (datetime(2014, 6, 1, tzinfo=UTC), "no use recorded since tracking began (2015-04-22)"),
        (datetime(2015, 4, 21, 23, 59, tzinfo=UTC), "no use recorded since tracking began (2015-04-22)"),
        (datetime(2015, 4, 22, tzinfo=UTC), "never used"),
        (datetime(2024, 1, 1, tzinfo=UTC), "never used"),
    ],
)
def test_a_key_older_than_last_use_tracking_is_not_called_never_used(created, expected):
    old_key = AccessKeyState(1, True, created, None, None, None)
    result = judge(summary(keys=1), ReportRead(root(old_key), GENERATED), DEFAULTS)
    assert expected in result.annotation
    if expected != "never used":
        assert "never used" not in result.annotation


# --- RootWithoutCredentials (issue 9, item 8) ---


def test_root_without_any_credential_can_be_recorded_not_applicable():
    bare = summary(keys=0, certs=0, password=0, mfa=0)
    chosen = RuleParameters(root_without_credentials="NOT_APPLICABLE")
    result = judge(bare, ReportNotRead(), chosen)
    assert result.verdict.compliance is Compliance.NOT_APPLICABLE
    assert "NOT_APPLICABLE (RootWithoutCredentials)" in result.annotation
    assert judge(bare, ReportNotRead(), DEFAULTS).verdict.compliance is Compliance.COMPLIANT
    # A root that still has a password (or MFA) has credentials: the choice does not apply.
    assert judge(summary(keys=0), ReportNotRead(), chosen).verdict.compliance is Compliance.COMPLIANT
