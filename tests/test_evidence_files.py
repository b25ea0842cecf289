"""Reading exported evidence files: what each sample holds, and a clear error for anything else."""

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rootkeys.evidence_files import EvidenceFileError, read_account_summary_file, read_credential_report_file

DATA = Path(__file__).parent / "data"


def test_active_key_report_lists_the_key_and_its_last_use():
    report = read_credential_report_file(DATA / "credential-report-active-key.csv")
    assert report.form == "credential report CSV"
    assert report.notes == ()
    assert report.report.generated_at is None  # the console CSV carries no generation time
    root = report.root
    assert root is not None
    assert root.arn == "arn:aws:iam::111122223333:root"
    [key] = root.active_keys
    assert key.slot == 1
    assert key.last_used == datetime(2026, 11, 20, 14, 5, tzinfo=UTC)
    assert (key.last_used_service, key.last_used_region) == ("s3", "eu-west-1")
    assert root.inactive_keys == ()


def test_inactive_key_written_in_upper_case_is_read_as_inactive():
    root = read_credential_report_file(DATA / "credential-report-inactive-key.csv").root
    assert root is not None
    assert root.active_keys == ()
    assert [key.slot for key in root.inactive_keys] == [1]


def test_report_without_keys_and_without_root_row():
    no_key = read_credential_report_file(DATA / "credential-report-no-key.csv").root
    assert no_key is not None
    assert no_key.access_keys == ()
    assert read_credential_report_file(DATA / "credential-report-no-root-row.csv").root is None


def test_get_credential_report_json_is_decoded_with_its_generation_time(tmp_path):
    csv_bytes = (DATA / "credential-report-active-key.csv").read_bytes()
    path = tmp_path / "report.json"
    path.write_text(
        json.dumps(
            {
                "Content": base64.b64encode(csv_bytes).decode(),
                "ReportFormat": "text/csv",
                "GeneratedTime": "2026-11-28T09:15:00+00:00",
            }
        )
    )
    report = read_credential_report_file(path)
    assert report.form == "get-credential-report JSON"
    assert report.report.generated_at == datetime(2026, 11, 28, 9, 15, tzinfo=UTC)
    assert report.root is not None
    assert len(report.root.active_keys) == 1


def test_account_summary_output_and_bare_summary_map_read_the_same(tmp_path):
    full = read_account_summary_file(DATA / "account-summary-keys.json")
    assert full.access_keys_present == 1
    assert full.signing_certificates_present == 0
    assert full.mfa_enabled == 1
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(json.loads((DATA / "account-summary-keys.json").read_text())["SummaryMap"]))
    assert read_account_summary_file(bare) == full
    assert read_account_summary_file(DATA / "account-summary-no-keys.json").access_keys_present == 0


def _write(tmp_path: Path, name: str, content: bytes | str) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content)
    else:
        path.write_bytes(content)
    return path


BAD_SUMMARIES = [
    ("summary.json", "", "is empty"),
    ("summary.json", "{not json", "is not valid JSON"),
    ("summary.json", b"\xff\xfe\x00garbage", "nor JSON or YAML"),  # UTF-16 LE by its mark: CJK text
    ("summary.json", b"\xfe\xff\x00", "not UTF-16 BE text"),
    ("summary.json", b"\x89PNG\r\n", "is not UTF-8 or UTF-16 text"),
    ("summary.json", "[1, 2]", "holds a JSON list"),
    ("summary.json", '{"SummaryMap": {"Users": 3}}', "no AccountAccessKeysPresent entry"),
    ("summary.json", '{"AccountAccessKeysPresent": "1"}', "is not a count"),
    ("summary.json", '{"SummaryMap": [1]}', "SummaryMap is not an object"),
    ("report.csv", "user,arn,user_creation_time\n<root_account>,x,y\n", "credential report CSV"),
]


@pytest.mark.parametrize(("name", "content", "problem"), BAD_SUMMARIES)
def test_a_file_that_is_not_an_account_summary_is_refused(tmp_path, name, content, problem):
    path = _write(tmp_path, name, content)
    with pytest.raises(EvidenceFileError) as caught:
        read_account_summary_file(path)
    assert str(path) in str(caught.value)
    assert problem in str(caught.value)


CSV_HEADER = (DATA / "credential-report-no-key.csv").read_text().splitlines()[0]

BAD_REPORTS = [
    ("report.csv", "", "is empty"),
    ("report.csv", "just some notes\nnothing else\n", "lacks the column(s)"),
    ("report.csv", b"\x89PNG\r\n\x1a\n\x00\x00binary", "is not UTF-8 or UTF-16 text"),
    ("report.csv", b"user,arn\x00\n", "contains NUL characters"),
    (
        "report.csv",
        CSV_HEADER + "\n<root_account>,arn:aws:iam::111122223333:root,x,not_supported,N/A,N/A,N/A,"
        "false,maybe,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n",
        "access_key_1_active is not true/false",
    ),
    ("summary.json", (DATA / "account-summary-keys.json").read_text(), "pass it with --account-summary"),
    ("report.json", '{"Content": "***", "ReportFormat": "text/csv"}', "not valid base64"),
    ("report.json", '{"Content": "", "ReportFormat": "application/pdf"}', "expected text/csv"),
    ("report.json", '{"Content": "", "GeneratedTime": "yesterday"}', "GeneratedTime is not an ISO 8601"),
    ("report.json", '["user,arn"]', "no Content field"),
]


@pytest.mark.parametrize(("name", "content", "problem"), BAD_REPORTS)
def test_a_file_that_is_not_a_credential_report_is_refused(tmp_path, name, content, problem):
    path = _write(tmp_path, name, content)
    with pytest.raises(EvidenceFileError) as caught:
        read_credential_report_file(path)
    assert str(path) in str(caught.value)
    assert problem in str(caught.value)


@pytest.mark.parametrize("reader", [read_account_summary_file, read_credential_report_file])
def test_missing_file_and_directory_are_named(tmp_path, reader):
    with pytest.raises(EvidenceFileError, match="no such file"):
        reader(tmp_path / "absent")
    with pytest.raises(EvidenceFileError, match="is a directory"):
        reader(tmp_path)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=600) | st.text(max_size=600).map(str.encode))
def test_arbitrary_bytes_give_a_verdict_input_or_the_readers_own_error(tmp_path, content):
    path = tmp_path / "evidence"
    path.write_bytes(content)
    for reader in (read_account_summary_file, read_credential_report_file):
        try:
            reader(path)
        except EvidenceFileError as error:
            assert str(path) in str(error)


def test_a_summary_with_an_integer_too_long_for_python_is_a_clear_error(tmp_path):
    path = tmp_path / "summary.json"
    path.write_text('{"SummaryMap": {"AccountAccessKeysPresent": ' + "9" * 5000 + "}}")
    with pytest.raises(EvidenceFileError, match="not valid JSON"):
        read_account_summary_file(path)
