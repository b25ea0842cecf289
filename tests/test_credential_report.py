"""The credential report parser: real-shaped CSV in, the root row out, or a clear CredentialReportError."""

from datetime import UTC, datetime

import pytest
from conftest import (
    REPORT_COLUMNS,
    report_csv,
    report_key,
    root_report_row,
    user_report_row,
)
from root_access_keys import credential_report
from root_access_keys.annotation import describe_key
from root_access_keys.credential_report import (
    AccessKeyState,
    CertificateState,
    RootCredentials,
    parse_root_credentials,
)
from root_access_keys.errors import CredentialReportError

ROOT_ARN = "arn:aws:iam::123456789012:root"
USED_KEY = report_key(
    rotated="2024-03-01T09:30:00+00:00",
    used="2026-11-20T14:05:00+00:00",
    region="eu-west-1",
    service="s3",
)


def real_report(*root_keys, certs=(), columns=REPORT_COLUMNS):
    """A report as IAM writes it: the root row first, then IAM users."""
    rows = [root_report_row(keys=root_keys, certs=certs), user_report_row("alice"), user_report_row("ci")]
    return report_csv(rows, columns)


def test_real_shaped_report_has_22_columns_and_reads_the_root_row():
    content = real_report(USED_KEY)
    assert content.splitlines()[0].count(b",") == 21
    assert parse_root_credentials(content) == RootCredentials(
        arn=ROOT_ARN,
        access_keys=(
            AccessKeyState(
                slot=1,
                active=True,
                last_rotated=datetime(2024, 3, 1, 9, 30, tzinfo=UTC),
                last_used=datetime(2026, 11, 20, 14, 5, tzinfo=UTC),
                last_used_region="eu-west-1",
                last_used_service="s3",
            ),
        ),
        certificates=(),
    )


def test_users_keys_are_never_taken_for_root_keys():
    # Only IAM users have keys here; the root row lists none.
    assert parse_root_credentials(real_report()) == RootCredentials(ROOT_ARN, (), ())


def test_columns_are_matched_by_name_not_position():
    reordered = tuple(reversed(REPORT_COLUMNS))
    assert parse_root_credentials(real_report(USED_KEY, columns=reordered)) == parse_root_credentials(
        real_report(USED_KEY)
    )


def test_extra_unknown_columns_are_tolerated():
    columns = (*REPORT_COLUMNS, "access_key_3_active", "future_column")
    assert parse_root_credentials(real_report(USED_KEY, columns=columns)).active_keys


@pytest.mark.parametrize(("true", "false"), [("true", "false"), ("TRUE", "FALSE"), ("True", "False")])
def test_booleans_in_any_case(true, false):
    content = real_report(report_key(active=true), report_key(active=false))
    root = parse_root_credentials(content)
    assert [key.active for key in root.access_keys] == [True, False]
    assert (len(root.active_keys), len(root.inactive_keys)) == (1, 1)


@pytest.mark.parametrize("no_time", ["N/A", "no_information", "not_supported", "n/a", ""])
def test_values_meaning_no_time_read_as_none(no_time):
    content = real_report(report_key(used=no_time, region=no_time, service=no_time))
    [key] = parse_root_credentials(content).access_keys
    assert key.last_used is None
    assert key.last_used_region is None
    assert key.last_used_service is None


def test_inactive_key_keeps_last_rotated_and_is_listed():
    content = real_report(report_key(active="false", rotated="2023-02-03T04:05:06+00:00"))
    [key] = parse_root_credentials(content).access_keys
    assert key.active is False
    assert key.last_rotated == datetime(2023, 2, 3, 4, 5, 6, tzinfo=UTC)


def test_slot_never_used_is_not_a_key():
    content = real_report(report_key(active="false", rotated="N/A"), USED_KEY)
    root = parse_root_credentials(content)
    assert [key.slot for key in root.access_keys] == [2]


def test_z_suffix_times_are_accepted():
    content = real_report(report_key(used="2026-11-20T14:05:00Z"))
    assert parse_root_credentials(content).access_keys[0].last_used == datetime(
        2026, 11, 20, 14, 5, tzinfo=UTC
    )


def test_signing_certificates_are_read_when_present():
    content = real_report(
        certs=(("true", "2022-01-01T00:00:00+00:00"), ("false", "2021-01-01T00:00:00+00:00"))
    )
    assert parse_root_credentials(content).certificates == (
        CertificateState(slot=1, active=True),
        CertificateState(slot=2, active=False),
    )


def test_certificate_columns_are_optional():
    columns = tuple(column for column in REPORT_COLUMNS if not column.startswith("cert_"))
    assert parse_root_credentials(real_report(USED_KEY, columns=columns)).certificates == ()


def test_utf8_bom_is_accepted_in_bytes_and_text():
    content = b"\xef\xbb\xbf" + real_report(USED_KEY)
    assert parse_root_credentials(content).active_keys
    assert parse_root_credentials("\ufeff" + real_report(USED_KEY).decode()).active_keys


def test_crlf_line_ends_and_quoted_fields():
    text = real_report(USED_KEY).decode().replace("\n", "\r\n").replace("<root_account>", '"<root_account>"')
    assert parse_root_credentials(text.encode()).active_keys


def test_report_without_root_row_returns_none():
    assert parse_root_credentials(report_csv([user_report_row("alice")])) is None
    assert parse_root_credentials(report_csv([])) is None  # header only


@pytest.mark.parametrize("content", [b"", "", b"\n", b"\r\n\r\n"])
def test_empty_input_is_a_clear_error(content):
    with pytest.raises(CredentialReportError, match="Credential report is empty"):
        parse_root_credentials(content)


@pytest.mark.parametrize("dropped", ["user", "arn", "access_key_1_active", "access_key_2_last_used_service"])
def test_missing_columns_are_named(dropped):
    columns = tuple(column for column in REPORT_COLUMNS if column != dropped)
    with pytest.raises(CredentialReportError, match=f"lacks the column.*{dropped}"):
        parse_root_credentials(real_report(USED_KEY, columns=columns))


def test_text_that_is_not_a_report_lacks_columns():
    with pytest.raises(CredentialReportError, match="lacks the column"):
        parse_root_credentials(b'{"SummaryMap": {"AccountAccessKeysPresent": 0}}')


def test_duplicate_column_names_are_an_error():
    columns = (*REPORT_COLUMNS, "arn")
    with pytest.raises(CredentialReportError, match="duplicate column"):
        parse_root_credentials(real_report(columns=columns))


def test_duplicate_root_rows_are_an_error():
    content = report_csv([root_report_row(), root_report_row(keys=(USED_KEY,))])
    with pytest.raises(CredentialReportError, match="more than one <root_account> row"):
        parse_root_credentials(content)


def test_root_row_with_fewer_fields_is_an_error():
    lines = real_report(USED_KEY).decode().splitlines()
    lines[1] = ",".join(lines[1].split(",")[:10])
    with pytest.raises(CredentialReportError, match="fewer fields"):
        parse_root_credentials("\n".join(lines).encode())


@pytest.mark.parametrize("line", [1, 2])
def test_rows_with_more_fields_than_the_header_are_an_error(line):
    lines = real_report(USED_KEY).decode().splitlines()
    lines[line] += ",surplus"
    with pytest.raises(CredentialReportError, match=f"line {line + 1} has more fields"):
        parse_root_credentials("\n".join(lines).encode())


def test_short_user_rows_do_not_matter():
    lines = real_report(USED_KEY).decode().splitlines()
    lines[2] = "alice,arn:aws:iam::123456789012:user/alice"
    assert parse_root_credentials("\n".join(lines).encode()).active_keys


def test_non_utf8_bytes_are_an_error_naming_the_position():
    content = real_report(USED_KEY).replace(b"eu-west-1", b"eu-\xe9est-1")
    with pytest.raises(CredentialReportError, match=r"not UTF-8 text: .* at byte \d+"):
        parse_root_credentials(content)


def test_nul_characters_are_an_error():
    with pytest.raises(CredentialReportError, match="NUL"):
        parse_root_credentials(real_report(USED_KEY).replace(b"s3", b"s\x003"))


def test_broken_quoting_is_a_csv_error():
    content = real_report(USED_KEY).replace(b"<root_account>", b'"<root_account>"x')
    with pytest.raises(CredentialReportError, match="not valid CSV"):
        parse_root_credentials(content)


@pytest.mark.parametrize("value", ["yes", "1", "N/A", "", "not_supported"])
def test_a_key_active_flag_that_is_not_a_boolean_is_an_error(value):
    with pytest.raises(
        CredentialReportError, match=f"access_key_1_active is not true/false: {value.lower()!r}"
    ):
        parse_root_credentials(real_report(report_key(active=value)))


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00+00:00", "2026-11-20 14:05"])
def test_a_bad_time_is_an_error_naming_the_column(value):
    with pytest.raises(CredentialReportError, match="access_key_1_last_used_date"):
        parse_root_credentials(real_report(report_key(used=value)))


def test_a_time_without_zone_is_an_error():
    with pytest.raises(CredentialReportError, match="no time zone"):
        parse_root_credentials(real_report(report_key(used="2026-11-20T14:05:00")))


@pytest.mark.parametrize("content", [None, 42, ["user,arn"]])
def test_content_of_the_wrong_type_is_an_error(content):
    with pytest.raises(CredentialReportError, match="must be bytes"):
        parse_root_credentials(content)


def test_oversized_content_is_refused(monkeypatch):
    monkeypatch.setattr(credential_report, "MAX_REPORT_BYTES", 100)
    with pytest.raises(CredentialReportError, match="larger than 100 bytes"):
        parse_root_credentials(real_report(USED_KEY))


def test_oversized_csv_field_is_a_clear_error():
    huge = "s" * 200_000  # beyond csv's default field size limit
    with pytest.raises(CredentialReportError, match="not valid CSV"):
        parse_root_credentials(real_report(report_key(service=f'"{huge}"')))


def test_no_information_marks_the_last_use_unknown_and_na_marks_never_used():
    unknown = parse_root_credentials(report_csv([root_report_row(keys=(report_key(used="no_information"),))]))
    never = parse_root_credentials(report_csv([root_report_row(keys=(report_key(used="N/A"),))]))
    assert unknown is not None and never is not None
    assert unknown.access_keys[0].last_use_known is False
    assert never.access_keys[0].last_use_known is True


# --- re-formatted times: exported files only (the live path never passes reformatted_times) ---

REFORMATTED = ("2026-11-20 14:05", "20.11.2026 14:05", "11/20/2026 2:05 PM", "2026-11-20T14:05:00")


@pytest.mark.parametrize("value", REFORMATTED)
def test_a_reformatted_last_use_is_refused_live_and_unknown_when_exported(value):
    content = real_report(report_key(used=value, region="eu-west-1", service="s3"))
    with pytest.raises(CredentialReportError, match="access_key_1_last_used_date"):
        parse_root_credentials(content)
    [key] = parse_root_credentials(content, reformatted_times=True).access_keys
    assert (key.active, key.last_used, key.last_use_known) == (True, None, False)
    assert key.last_rotated == datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    assert describe_key(key) == "key 1 active, last use unknown"


@pytest.mark.parametrize("value", REFORMATTED)
def test_an_inactive_key_with_a_reformatted_rotation_time_still_exists(value):
    content = real_report(report_key(active="FALSE", rotated=value))
    with pytest.raises(CredentialReportError, match="access_key_1_last_rotated"):
        parse_root_credentials(content)
    root = parse_root_credentials(content, reformatted_times=True)
    [key] = root.inactive_keys
    assert key.last_rotated is None
    # Unknown rotation and no recorded use: "never used" and "before tracking began" look alike.
    assert describe_key(key) == "key 1 inactive, last use unknown"


def test_an_inactive_certificate_with_a_reformatted_time_still_exists():
    content = real_report(certs=(("false", "01/02/2020 10:00"),))
    with pytest.raises(CredentialReportError, match="cert_1_last_rotated"):
        parse_root_credentials(content)
    root = parse_root_credentials(content, reformatted_times=True)
    assert root.certificates == (CertificateState(1, False),)


@pytest.mark.parametrize("value", ["soon", "true", "unknown"])
def test_a_word_where_a_time_belongs_is_refused_even_when_exported(value):
    with pytest.raises(CredentialReportError, match="is not a time"):
        parse_root_credentials(real_report(report_key(used=value)), reformatted_times=True)


def test_readable_times_read_the_same_either_way():
    content = real_report(USED_KEY, report_key(active="false", rotated="2013-01-01T00:00:00Z"))
    assert parse_root_credentials(content, reformatted_times=True) == parse_root_credentials(content)
