"""Hypothesis properties: the rule never passes an account whose live summary shows a key (save the one
documented exception), and its parsers fail only with their own clear errors on any input."""

from datetime import UTC, datetime

from conftest import REPORT_COLUMNS, make_event, report_csv, report_key, root_report_row, user_report_row
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from root_access_keys.account_summary import AccountSummary
from root_access_keys.annotation import MAX_ANNOTATION
from root_access_keys.assessment import judge
from root_access_keys.config_event import parse_scheduled_event
from root_access_keys.credential_report import (
    AccessKeyState,
    CertificateState,
    RootCredentials,
    parse_root_credentials,
)
from root_access_keys.decision import REPORT_MAX_AGE, Compliance
from root_access_keys.errors import (
    CredentialReportError,
    InvalidEventError,
    InvalidRuleParameterError,
    UndecidableError,
)
from root_access_keys.evidence import Origin, ReportNotRead, ReportRead, ReportUnavailable
from root_access_keys.parameters import RuleParameters, parse_rule_parameters

BOUNDED = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

flags = st.one_of(st.none(), st.integers(min_value=0, max_value=3))
moments = st.one_of(st.none(), st.datetimes(timezones=st.just(UTC)))
texts = st.one_of(st.none(), st.text(max_size=300))

summaries = st.builds(
    AccountSummary,
    access_keys_present=st.integers(min_value=0, max_value=3),
    signing_certificates_present=flags,
    password_present=flags,
    mfa_enabled=flags,
    read_at=moments,
)
decision_times = st.datetimes(timezones=st.just(UTC))
keys = st.builds(
    AccessKeyState,
    slot=st.integers(min_value=1, max_value=2),
    active=st.booleans(),
    last_rotated=moments,
    last_used=moments,
    last_used_region=texts,
    last_used_service=texts,
)
roots = st.builds(
    RootCredentials,
    arn=st.just("arn:aws:iam::123456789012:root"),
    access_keys=st.lists(keys, max_size=2).map(tuple),
    certificates=st.lists(
        st.builds(CertificateState, slot=st.integers(1, 2), active=st.booleans()), max_size=2
    ).map(tuple),
)
evidence = st.one_of(
    st.just(ReportNotRead()),
    st.builds(ReportUnavailable, reason=st.text(max_size=2000)),
    st.builds(ReportRead, root=st.one_of(st.none(), roots), generated_at=moments),
)
parameter_sets = st.builds(
    RuleParameters,
    ignore_inactive_keys=st.booleans(),
    include_signing_certificates=st.booleans(),
    assume_role_mode=st.booleans(),
    root_without_credentials=st.sampled_from(["COMPLIANT", "NOT_APPLICABLE"]),
)


def accepted_inactive_exception(report, parameters) -> bool:
    """The only way to COMPLIANT with a key in the summary: IgnoreInactiveKeys and a report that
    lists at least one key, none of them active."""
    return (
        parameters.ignore_inactive_keys
        and isinstance(report, ReportRead)
        and report.root is not None
        and len(report.root.access_keys) >= 1
        and not report.root.active_keys
    )


@BOUNDED
@given(summary=summaries, report=evidence, parameters=parameter_sets, at=decision_times)
def test_never_compliant_while_the_summary_shows_a_key(summary, report, parameters, at):
    try:
        assessment = judge(summary, report, parameters, at=at)
    except UndecidableError:
        return  # refusing to decide is allowed; passing is not
    assert 1 <= len(assessment.annotation) <= MAX_ANNOTATION
    verdict = assessment.verdict
    if summary.access_keys_present > 0 and verdict.compliance is Compliance.COMPLIANT:
        assert accepted_inactive_exception(report, parameters)
        # ... and only on a report generated at most 4 hours before the summary was read.
        assert summary.read_at - report.generated_at <= REPORT_MAX_AGE
    if summary.access_keys_present > 0 and not accepted_inactive_exception(report, parameters):
        assert verdict.compliance is Compliance.NON_COMPLIANT


@BOUNDED
@given(report=evidence, parameters=parameter_sets, at=decision_times)
def test_report_only_evidence_never_passes_an_active_key(report, parameters, at):
    try:
        assessment = judge(None, report, parameters, at=at)
    except UndecidableError:
        return
    assert 1 <= len(assessment.annotation) <= MAX_ANNOTATION
    verdict = assessment.verdict
    assert isinstance(report, ReportRead)
    if report.root.active_keys:
        assert verdict.compliance is Compliance.NON_COMPLIANT


exported_summaries = st.builds(
    AccountSummary,
    access_keys_present=st.one_of(st.none(), st.integers(min_value=0, max_value=3)),
    signing_certificates_present=flags,
    password_present=flags,
    mfa_enabled=flags,
    origin=st.just(Origin.EXPORTED),
)
exported_reports = st.one_of(
    st.just(ReportNotRead()),
    st.builds(
        ReportRead, root=st.one_of(st.none(), roots), generated_at=moments, origin=st.just(Origin.EXPORTED)
    ),
)


def shows_a_counted_credential(summary, report, parameters) -> bool:
    """Whether any piece of the evidence shows a credential the rule counts. A summary's key counts
    unless the report explains it as the documented exception (keys listed, all inactive, and
    IgnoreInactiveKeys), exactly as on the live path."""
    summary_keys = summary is not None and (summary.access_keys_present or 0) > 0
    if summary_keys and not accepted_inactive_exception(report, parameters):
        return True
    certificates = parameters.include_signing_certificates
    if certificates and summary is not None and (summary.signing_certificates_present or 0) > 0:
        return True
    root = report.root if isinstance(report, ReportRead) else None
    if root is None:
        return False
    counted_keys = [key for key in root.access_keys if key.active or not parameters.ignore_inactive_keys]
    return bool(counted_keys) or (certificates and bool(root.certificates))


@BOUNDED
@given(
    summary=st.one_of(st.none(), exported_summaries),
    report=exported_reports,
    parameters=parameter_sets,
    at=decision_times,
)
def test_exported_evidence_that_shows_a_counted_credential_is_never_compliant(
    summary, report, parameters, at
):
    try:
        assessment = judge(summary, report, parameters, at=at)
    except UndecidableError:
        return
    assert 1 <= len(assessment.annotation) <= MAX_ANNOTATION
    if shows_a_counted_credential(summary, report, parameters):
        assert assessment.verdict.compliance is Compliance.NON_COMPLIANT, assessment.annotation


@settings(max_examples=500, deadline=None)
@given(content=st.binary(max_size=4000))
def test_csv_parser_on_arbitrary_bytes_raises_only_its_own_error(content):
    try:
        result = parse_root_credentials(content)
    except CredentialReportError as error:
        assert str(error)
        return
    assert result is None or isinstance(result, RootCredentials)


@settings(max_examples=300, deadline=None)
@given(content=st.text(max_size=2000))
def test_csv_parser_on_arbitrary_text_raises_only_its_own_error(content):
    try:
        result = parse_root_credentials(content)
    except CredentialReportError:
        return
    assert result is None or isinstance(result, RootCredentials)


REAL = report_csv(
    [
        root_report_row(
            keys=(report_key(used="2026-11-20T14:05:00+00:00", region="us-east-1", service="s3"),)
        ),
        user_report_row("alice"),
    ]
)


@st.composite
def mutated_reports(draw) -> bytes:
    """The real report with a few byte-level edits: replace, insert, delete, truncate."""
    data = bytearray(REAL)
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        kind = draw(st.sampled_from(["replace", "insert", "delete", "truncate"]))
        position = draw(st.integers(min_value=0, max_value=max(len(data) - 1, 0)))
        if kind == "replace" and data:
            data[position] = draw(st.integers(min_value=0, max_value=255))
        elif kind == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "delete":
            del data[position : position + draw(st.integers(min_value=1, max_value=16))]
        else:
            del data[position:]
    return bytes(data)


@settings(max_examples=400, deadline=None)
@given(content=mutated_reports())
def test_csv_parser_on_mutated_real_reports_raises_only_its_own_error(content):
    try:
        result = parse_root_credentials(content)
    except CredentialReportError:
        return
    assert result is None or isinstance(result, RootCredentials)


@settings(max_examples=300, deadline=None)
@given(
    column=st.sampled_from(REPORT_COLUMNS),
    value=st.text(
        alphabet=st.characters(blacklist_characters=',"\r\n\x00', blacklist_categories=("Cs",)), max_size=40
    ),
)
def test_root_row_fields_replaced_by_any_text(column, value):
    row = root_report_row(keys=(report_key(),))
    row[column] = value
    try:
        result = parse_root_credentials(report_csv([row]))
    except CredentialReportError:
        return
    # Whatever still parses keeps key 1 active unless one of its own columns was rewritten; a
    # rewritten access_key_2_active that reads true (in any case) adds an active key 2.
    if result is not None and not column.startswith("access_key_1_"):
        activates_key_2 = column == "access_key_2_active" and value.strip().lower() == "true"
        assert [key.slot for key in result.active_keys] == ([1, 2] if activates_key_2 else [1])


@settings(max_examples=200, deadline=None)
@given(
    raw=st.dictionaries(
        st.one_of(
            st.sampled_from(["IgnoreInactiveKeys", "ExecutionRoleName", "ExecutionRoleRegion"]), st.text()
        ),
        st.one_of(st.text(max_size=80), st.integers(), st.booleans(), st.none()),
        max_size=4,
    )
)
def test_parameter_parser_raises_only_its_own_error(raw):
    try:
        parsed = parse_rule_parameters(raw)
    except InvalidRuleParameterError as error:
        assert str(error)
        return
    assert isinstance(parsed, RuleParameters)


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=30)),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=200, deadline=None)
@given(
    field=st.sampled_from(
        ["invokingEvent", "ruleParameters", "accountId", "resultToken", "configRuleArn", "executionRoleArn"]
    ),
    value=st.one_of(json_values, json_values.map(str), st.text(max_size=100)),
)
def test_event_parser_raises_only_its_own_error(field, value):
    event = make_event()
    event[field] = value
    try:
        parsed = parse_scheduled_event(event)
    except InvalidEventError as error:
        assert str(error)
        return
    assert parsed.account_id == "123456789012"
    assert parsed.partition in {"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b"}


def test_a_real_report_parses_so_mutations_start_from_valid_input():
    root = parse_root_credentials(REAL)
    assert root.active_keys[0].last_used == datetime(2026, 11, 20, 14, 5, tzinfo=UTC)
