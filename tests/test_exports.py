"""Exported evidence in the forms people really produce: each gives the verdict the plain sample
gives, or is refused with the real cause and the command that fixes it. The live path stays strict.

The samples in tests/data/exports/ come from tests/export_samples.py (see its docstring for the
byte layout of each form).
"""

import base64
import codecs
import csv
import io
import json
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import export_samples as samples
import pytest
from botocore.stub import Stubber
from conftest import report_csv, report_key, root_report_row, user_report_row
from hypothesis import find, given, settings
from hypothesis import strategies as st
from root_access_keys.budget import Budget, BudgetPolicy
from root_access_keys.credential_report import parse_root_credentials
from root_access_keys.errors import CredentialReportError, RuleError
from root_access_keys.evidence import Origin, ReportUnavailable
from root_access_keys.iam_evidence import CredentialReportReader
from root_access_keys.parameters import RuleParameters

from rootkeys.audit import AuditError, audit_files
from rootkeys.cli import main
from rootkeys.evidence_files import (
    EvidenceFileError,
    read_account_summary_export,
    read_account_summary_file,
    read_credential_report_file,
)
from rootkeys.export_formats import (
    ReportContent,
    ReportCsv,
    ReportEnvelope,
    SummaryDocument,
    SummaryTextOutput,
    decode_text,
    identify,
)

DATA = samples.DATA
EXPORTS = samples.EXPORTS
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
VERDICT_FIELDS = ("compliance", "reason", "active_keys", "inactive_keys", "signing_certificates", "account")


def run_json(capsys, *args: str | Path) -> tuple[int, dict]:
    code = main(["audit", "--json", *map(str, args)])
    out, _ = capsys.readouterr()
    return code, json.loads(out)


def run_text(capsys, *args: str | Path) -> tuple[int, str, str]:
    code = main(["audit", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def verdict_of(document: dict) -> tuple:
    return tuple(document[field] for field in VERDICT_FIELDS)


# --- the committed samples ---


def test_committed_samples_are_what_the_generator_writes():
    expected = samples.all_samples()
    assert sorted(path.name for path in EXPORTS.iterdir()) == sorted(expected)
    for name, content in expected.items():
        assert (EXPORTS / name).read_bytes() == content, f"{name} drifted: run python tests/export_samples.py"


def _lines(name: str, encoding: str = "ascii") -> list[str]:
    return (EXPORTS / name).read_bytes().decode(encoding).split("\r\n")


def test_samples_carry_the_exact_bytes_of_their_form():
    redirect = (EXPORTS / "report-powershell-redirect.csv").read_bytes()
    assert redirect.startswith(codecs.BOM_UTF16_LE)
    assert redirect[2:].decode("utf-16-le").startswith("user,arn,")
    assert "\r\n" in redirect[2:].decode("utf-16-le")

    export = _lines("report-powershell-export-csv.csv")
    assert export[0] == "#TYPE System.Management.Automation.PSCustomObject"
    assert export[1].startswith('"user","arn",')
    assert all(field.startswith('"') and field.endswith('"') for field in export[2].split(","))

    unicode_export = (EXPORTS / "report-powershell-export-csv-unicode.csv").read_bytes()
    assert unicode_export.startswith(codecs.BOM_UTF16_LE)
    assert '"user";"arn";' in unicode_export[2:].decode("utf-16-le")

    german = _lines("report-spreadsheet-de.csv")
    assert german[0].startswith("user;arn;user_creation_time;")
    assert ";TRUE;01.03.2024 09:30;20.11.2026 14:05;" in german[1]
    assert "+00:00" not in "".join(german)
    assert ",01/03/2024 09:30," in _lines("report-spreadsheet-utf8-bom.csv", "utf-8-sig")[1]
    assert (EXPORTS / "report-spreadsheet-utf8-bom.csv").read_bytes().startswith(codecs.BOM_UTF8)

    [text_output] = (EXPORTS / "report-cli-output-text.txt").read_text().splitlines()
    content, generated, report_format = text_output.split("\t")
    assert base64.b64decode(content) == (DATA / samples.ACTIVE).read_bytes()
    assert (generated, report_format) == (samples.GENERATED_TIME, "text/csv")
    assert (EXPORTS / "report-cli-query-content.json").read_text().startswith('"dXNlcixh')
    assert (EXPORTS / "report-cli-query-content.txt").read_text().startswith("dXNlcixh")
    assert json.loads((EXPORTS / "report-cli-plain-content.json").read_text())["Content"].startswith(
        "user,arn,"
    )
    assert (EXPORTS / "report-cli.yaml").read_text().startswith("Content: dXNlcixh")

    legacy = (EXPORTS / "report-16-columns.csv").read_text().splitlines()[0].split(",")
    assert len(legacy) == 16
    assert legacy[8:12] == [
        "access_key_1_active",
        "access_key_1_last_rotated",
        "access_key_2_active",
        "access_key_2_last_rotated",
    ]

    summary = (EXPORTS / "summary-powershell-keys.json").read_bytes()
    assert summary.startswith(codecs.BOM_UTF16_LE)
    assert '    "AccountAccessKeysPresent":  1,\r\n' in summary[2:].decode("utf-16-le")
    assert (
        (EXPORTS / "summary-cli-keys.yaml")
        .read_text()
        .startswith("SummaryMap:\n  GroupPolicySizeQuota: 5120\n")
    )
    summary_text = (EXPORTS / "summary-cli-keys-output-text.txt").read_text()
    assert summary_text.startswith("SUMMARYMAP\t2\t1\t") and summary_text.count("\n") == 1


# --- every accepted form gives the plain sample's verdict ---

REPORT_FORMS = sorted(samples.REPORT_SAMPLES.items())
SUMMARY_FORMS = sorted(samples.SUMMARY_SAMPLES.items())
OPTIONS = [[], ["--ignore-inactive-keys"], ["--account-summary", DATA / samples.SUMMARY_KEYS]]


@pytest.mark.parametrize(("name", "sample"), REPORT_FORMS, ids=[name for name, _ in REPORT_FORMS])
@pytest.mark.parametrize("options", OPTIONS, ids=["report-only", "ignore-inactive", "with-summary"])
def test_each_report_form_gives_the_plain_csv_verdict(capsys, name, sample, options):
    plain_code, plain = run_json(capsys, "--credential-report", DATA / sample[1], *options)
    code, exported = run_json(capsys, "--credential-report", EXPORTS / name, *options)
    assert code == plain_code
    assert verdict_of(exported) == verdict_of(plain)
    assert exported["evidence_forms"]["credential_report"]


@pytest.mark.parametrize(("name", "sample"), SUMMARY_FORMS, ids=[name for name, _ in SUMMARY_FORMS])
@pytest.mark.parametrize("report", [None, samples.ACTIVE, samples.NO_KEY])
def test_each_summary_form_gives_the_plain_json_verdict(capsys, name, sample, report):
    with_report = ["--credential-report", DATA / report] if report else []
    plain_code, plain = run_json(capsys, "--account-summary", DATA / sample[1], *with_report)
    code, exported = run_json(capsys, "--account-summary", EXPORTS / name, *with_report)
    assert code == plain_code
    assert verdict_of(exported) == verdict_of(plain)
    assert exported["annotation"] == plain["annotation"]


UNDATED_FORMS = [
    "report-powershell-redirect.csv",
    "report-powershell-export-csv.csv",
    "report-cli-query-content.json",
    "report-cli-query-content.txt",
]


@pytest.mark.parametrize("name", UNDATED_FORMS)
def test_a_form_that_changes_nothing_but_bytes_gives_the_same_text(capsys, name):
    _, plain, _ = run_text(capsys, "--credential-report", DATA / samples.REPORT_SAMPLES[name][1])
    _, exported, _ = run_text(capsys, "--credential-report", EXPORTS / name)
    assert exported.splitlines()[:2] == plain.splitlines()[:2]


@pytest.mark.parametrize(
    "name",
    [
        "report-spreadsheet-de.csv",
        "report-spreadsheet-iso-dates.csv",
        "report-spreadsheet-utf8-bom.csv",
        "report-16-columns.csv",
    ],
)
def test_dates_a_spreadsheet_rewrote_or_a_report_predates_are_unknown_not_invented(capsys, name):
    code, out, err = run_text(capsys, "--credential-report", EXPORTS / name)
    assert (code, err) == (1, "")
    annotation = out.splitlines()[1]
    assert "key 1 active, last use unknown" in annotation
    assert "2026-11-20" not in annotation and "never used" not in annotation


def test_a_generated_time_the_export_carries_dates_the_report(capsys):
    for name in ("report-cli.json", "report-cli.yaml", "report-cli-output-text.txt"):
        report = read_credential_report_file(EXPORTS / name)
        assert report.report.generated_at == datetime(2026, 11, 28, 9, 15, tzinfo=UTC)
        assert report.report.origin is Origin.EXPORTED
    _, out, _ = run_text(capsys, "--credential-report", EXPORTS / "report-cli-output-text.txt")
    assert "exported credential report of 2026-11-28 09:15Z" in out


def test_the_evidence_line_says_how_each_file_was_read(capsys):
    code, out, _ = run_text(
        capsys,
        "--credential-report",
        EXPORTS / "report-powershell-export-csv-unicode.csv",
        "--account-summary",
        EXPORTS / "summary-powershell-keys.json",
    )
    assert code == 1
    evidence = out.splitlines()[2]
    assert "credential report CSV; UTF-16 LE; PowerShell Export-Csv #TYPE line; ';'-separated" in evidence
    assert "bare SummaryMap (JSON); UTF-16 LE" in evidence


def test_partial_summary_without_the_key_entry_lets_the_report_decide(capsys):
    partial = EXPORTS / samples.PARTIAL_SUMMARY
    summary = read_account_summary_file(partial)
    assert (summary.access_keys_present, summary.mfa_enabled, summary.origin) == (None, 1, Origin.EXPORTED)
    code, document = run_json(
        capsys, "--account-summary", partial, "--credential-report", DATA / samples.ACTIVE
    )
    assert (code, document["compliance"], document["reason"], document["active_keys"]) == (
        1,
        "NON_COMPLIANT",
        "keys_present",
        1,
    )
    code, document = run_json(
        capsys, "--account-summary", partial, "--credential-report", DATA / samples.NO_KEY
    )
    assert (code, document["compliance"]) == (0, "COMPLIANT")
    code, out, err = run_text(capsys, "--account-summary", partial)
    assert (code, out) == (2, "")
    assert "no AccountAccessKeysPresent entry and no credential report was given" in err


# --- refusals: the real cause and the command that fixes it ---


@pytest.mark.parametrize("name", sorted(samples.REFUSED_SAMPLES))
def test_undecidable_forms_are_refused_with_cause_and_command(capsys, name):
    _, option, words = samples.REFUSED_SAMPLES[name]
    code, out, err = run_text(capsys, option, EXPORTS / name)
    assert (code, out) == (2, "")
    assert str(EXPORTS / name) in err
    assert words in err
    assert "`aws iam get-" in err and "--output json" in err
    assert "Traceback" not in err


REPORT_FILES = [DATA / samples.ACTIVE, *(EXPORTS / name for name, _ in REPORT_FORMS)]
SUMMARY_FILES = [
    DATA / samples.SUMMARY_KEYS,
    EXPORTS / samples.PARTIAL_SUMMARY,
    EXPORTS / "summary-cli-keys-output-text.txt",
    *(EXPORTS / name for name, _ in SUMMARY_FORMS),
]


@pytest.mark.parametrize("path", REPORT_FILES, ids=[path.name for path in REPORT_FILES])
def test_every_report_form_given_as_the_summary_names_the_other_option(capsys, path):
    code, out, err = run_text(capsys, "--account-summary", path)
    assert (code, out) == (2, "")
    assert f"{path}: holds a credential report (" in err
    assert "not an account summary: pass it with --credential-report" in err


@pytest.mark.parametrize("path", SUMMARY_FILES, ids=[path.name for path in SUMMARY_FILES])
def test_every_summary_form_given_as_the_report_names_the_other_option(capsys, path):
    code, out, err = run_text(capsys, "--credential-report", path)
    assert (code, out) == (2, "")
    assert f"{path}: holds an account summary (" in err
    assert "not a credential report: pass" in err and "with --account-summary" in err


@pytest.mark.parametrize("encode", [str.encode, samples.utf16], ids=["utf8", "utf16"])
def test_a_large_report_given_as_the_summary_still_names_the_other_option(tmp_path, encode):
    path = tmp_path / "big.csv"
    row = (DATA / samples.ACTIVE).read_text().splitlines()[2]
    path.write_bytes(encode((DATA / samples.ACTIVE).read_text() + (row + "\n") * 6000))
    assert path.stat().st_size > 1024 * 1024
    with pytest.raises(EvidenceFileError, match="pass it with --credential-report"):
        read_account_summary_file(path)
    path.write_bytes(b"{" + b" " * (1024 * 1024) + b"}")
    with pytest.raises(EvidenceFileError, match="is larger than 1048576 bytes"):
        read_account_summary_file(path)


def _write(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "evidence"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


ACTIVE_B64 = base64.b64encode((DATA / samples.ACTIVE).read_bytes()).decode()
REPORT_REFUSALS = [
    ('{"Content": {"CanRead": true}, "ReportFormat": "text/csv"}', "PowerShell's ConvertTo-Json cannot"),
    ('{"Content": "not base64 and not csv"}', "Content is not valid base64, nor a plain CSV"),
    ('{"Content": "' + ACTIVE_B64 + '", "GeneratedTime": 1764000000}', "GeneratedTime is not a time"),
    (f"Content: {ACTIVE_B64}\nGeneratedTime: 2026-11-28 09:15:00\n", "has no time zone"),
    (f"{ACTIVE_B64}\t2026-11-28T09:15\ttext/csv\n", "has no time zone"),
    (f"{ACTIVE_B64}\tlast tuesday\ttext/csv\n", "is not an ISO 8601 time"),
    ("a: 1\n", "holds a YAML object with none of the fields an export has"),
    ("1\t2\t0\n", "get-account-summary --query SummaryMap --output text"),
    ('"just a string"', "holds a JSON string that is not a base64 credential report"),
    ("user,arn\r\n<root_account>,arn:aws:iam::1:root\r\n", "lacks the column(s) access_key_1_active"),
    (
        (DATA / samples.ACTIVE)
        .read_text()
        .replace(",true,2024", ",true,2024,extra")
        .replace("access_key_1_last_used_date,", ""),
        "lacks the column(s) access_key_1_last_used_date",
    ),
]


@pytest.mark.parametrize(("content", "problem"), REPORT_REFUSALS)
def test_report_refusals_name_the_problem(tmp_path, content, problem):
    path = _write(tmp_path, content)
    with pytest.raises(EvidenceFileError) as caught:
        read_credential_report_file(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert problem in str(caught.value)


def test_a_legacy_report_with_a_ragged_row_is_refused(tmp_path):
    legacy = (EXPORTS / "report-16-columns.csv").read_text().replace(",false,N/A\nalice", ",false\nalice")
    with pytest.raises(EvidenceFileError, match="row 2 has 15 fields, the header 16"):
        read_credential_report_file(_write(tmp_path, legacy))


def test_a_word_where_a_time_belongs_is_still_refused(tmp_path):
    # A spreadsheet re-formats dates; it does not turn them into words: that is a shifted column.
    damaged = (DATA / samples.ACTIVE).read_text().replace("true,2024-03-01T09:30:00+00:00", "true,soon")
    with pytest.raises(EvidenceFileError, match="access_key_1_last_rotated is not a time: 'soon'"):
        read_credential_report_file(_write(tmp_path, damaged))


# --- the detection rules, one by one ---


def test_detection_rules():
    active = (DATA / samples.ACTIVE).read_text()
    assert isinstance(identify(active), ReportCsv)
    assert identify(active.replace(",", "\t")).notes == ("tab-separated",)  # Excel's "Unicode Text"
    assert isinstance(identify("SUMMARYMAP\t1\t0\n"), SummaryTextOutput)
    stream = "- SummaryMap:\n    AccountAccessKeysPresent: 1\n"  # --output yaml-stream
    assert isinstance(identify(stream), SummaryDocument)
    assert isinstance(identify(f"{ACTIVE_B64}\t2026-11-28T09:15:00Z\ttext/csv"), ReportEnvelope)
    assert isinstance(identify(f"'{ACTIVE_B64}'\n"), ReportContent)  # --query Content --output yaml
    wrapped = "\n".join(ACTIVE_B64[i : i + 76] for i in range(0, len(ACTIVE_B64), 76))  # base64 -w 76
    assert isinstance(identify(wrapped), ReportContent)
    assert identify("user,arn\n").notes == ()
    assert identify('"user";"arn"\n').notes == ("';'-separated", "quoted fields")


@pytest.mark.parametrize(
    ("mark", "codec"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
    ],
)
def test_any_byte_order_mark_decodes_the_report(tmp_path, mark, codec):
    content = mark + (DATA / samples.INACTIVE).read_text().encode(codec)
    assert decode_text(content).text.startswith("user,arn,")
    report = read_credential_report_file(_write(tmp_path, content))
    assert report.root is not None and len(report.root.inactive_keys) == 1


def test_an_unquoted_yaml_generated_time_with_a_zone_is_read(tmp_path):
    path = _write(tmp_path, f"Content: {ACTIVE_B64}\nGeneratedTime: 2026-11-28T09:15:00+00:00\n")
    assert read_credential_report_file(path).report.generated_at == datetime(2026, 11, 28, 9, 15, tzinfo=UTC)


def test_summary_forms_report_how_they_were_read():
    assert read_account_summary_export(EXPORTS / "summary-powershell-keys.json").description == (
        "bare SummaryMap (JSON); UTF-16 LE"
    )
    assert (
        read_account_summary_export(EXPORTS / "summary-cli-keys.yaml").description
        == "get-account-summary YAML"
    )


# --- the live path stays strict ---

EXPORT_ONLY_VARIANTS = {
    "semicolon": lambda content: content.replace(b",", b";"),
    "utf16": lambda content: codecs.BOM_UTF16_LE + content.decode().encode("utf-16-le"),
    "export-csv": lambda content: samples.export_csv(content).encode(),
    "spreadsheet-dates": lambda content: samples.spreadsheet(content, ",", "iso").encode(),
    "16-columns": lambda content: samples.legacy_report(content).encode(),
    "base64": base64.b64encode,
}
POLICY = BudgetPolicy(
    connect_timeout=1.0,
    read_timeout=5.0,
    min_read_timeout=1.0,
    max_attempts=5,
    record_reserve=0.0,
    exit_margin=0.0,
)


@pytest.mark.parametrize("variant", sorted(EXPORT_ONLY_VARIANTS))
def test_what_only_exports_may_be_is_still_refused_from_the_live_api(tmp_path, variant):
    content = EXPORT_ONLY_VARIANTS[variant]((DATA / samples.ACTIVE).read_bytes())
    # The exported-file reader accepts it ...
    assert read_credential_report_file(_write(tmp_path, content)).root.active_keys
    # ... the rule's parser, as the Lambda calls it, does not ...
    with pytest.raises(CredentialReportError):
        parse_root_credentials(content)
    # ... and neither does the live report reader: the report is unavailable, never read leniently.
    iam = boto3.client("iam", region_name="us-east-1")
    with Stubber(iam) as stub:
        stub.add_response(
            "get_credential_report",
            {"Content": content, "ReportFormat": "text/csv", "GeneratedTime": NOW - timedelta(minutes=5)},
            {},
        )
        reader = CredentialReportReader(iam, budget=Budget(lambda: 60.0, POLICY), sleep=lambda _: None)
        evidence = reader.read(lambda _existing: False)
    assert isinstance(evidence, ReportUnavailable)
    assert evidence.reason.startswith("credential report unreadable")


# --- property: every encoding of any report gives the plain CSV's verdict ---

TIMES = st.sampled_from(
    [
        "2024-03-01T09:30:00+00:00",
        "2026-11-20T14:05:00+00:00",
        "2013-06-01T08:00:00+00:00",
        "2026-11-28T07:59:59Z",
    ]
)
SLOT = st.one_of(
    st.none(),
    st.builds(
        report_key,
        active=st.sampled_from(["true", "false", "TRUE", "FALSE"]),
        rotated=TIMES | st.just("N/A"),
        used=TIMES | st.sampled_from(["N/A", "no_information"]),
        region=st.sampled_from(["N/A", "us-east-1"]),
        service=st.sampled_from(["N/A", "s3"]),
    ),
)
CERT = st.sampled_from(
    [("false", "N/A"), ("true", "2020-01-01T00:00:00+00:00"), ("false", "2020-01-01T00:00:00Z")]
)


@st.composite
def reports(draw) -> bytes:
    keys = tuple(key for key in (draw(SLOT), draw(SLOT)) if key is not None)
    rows = [user_report_row(f"user{index}") for index in range(draw(st.integers(0, 3)))]
    if draw(st.booleans()) or not rows:
        position = draw(st.integers(0, len(rows)))
        rows.insert(position, root_report_row(keys=keys, certs=(draw(CERT), draw(CERT))))
    return report_csv(rows)


def _json_report(content: bytes, plain_content: bool) -> bytes:
    return samples.cli_json(samples.report_response(content, base64_content=not plain_content)).encode()


ENCODINGS = {
    "semicolon": lambda content: samples.crlf(content.decode().replace(",", ";")).encode(),
    "utf16-bom": lambda content: samples.utf16(samples.crlf(content.decode())),
    "export-csv": lambda content: samples.export_csv(content).encode("ascii"),
    "base64-text": lambda content: base64.b64encode(content) + b"\n",
    "json-base64": lambda content: _json_report(content, plain_content=False),
    "json-plain": lambda content: _json_report(content, plain_content=True),
    "cli-text": lambda content: samples.report_text_output(content).encode(),
    "spreadsheet": lambda content: samples.spreadsheet(content, ";", "de").encode(),
}
# These change only the bytes: the annotation must be the plain CSV's word for word.
SAME_TEXT = {"semicolon", "utf16-bom", "export-csv", "base64-text"}


def _outcome(path: Path, parameters: RuleParameters) -> tuple:
    try:
        result = audit_files(parameters, credential_report=path, now=lambda: NOW)
    except (AuditError, RuleError) as error:
        return ("undecided", type(error).__name__, str(error)), None
    verdict = result.assessment.verdict
    counts = (verdict.active_keys, verdict.inactive_keys, verdict.signing_certificates)
    return (verdict.compliance, verdict.reason, counts, result.account_id), result.assessment.annotation


@settings(max_examples=150, deadline=None)
@given(content=reports(), ignore_inactive=st.booleans(), certificates=st.booleans())
def test_every_encoding_of_a_report_gives_the_plain_csv_verdict(content, ignore_inactive, certificates):
    parameters = RuleParameters(
        ignore_inactive_keys=ignore_inactive, include_signing_certificates=certificates
    )
    with tempfile.TemporaryDirectory() as folder:
        plain_path = Path(folder) / "plain.csv"
        plain_path.write_bytes(content)
        plain, plain_annotation = _outcome(plain_path, parameters)
        for name, encode in ENCODINGS.items():
            path = Path(folder) / name
            path.write_bytes(encode(content))
            outcome, annotation = _outcome(path, parameters)
            assert outcome == plain, name
            if name in SAME_TEXT:
                assert annotation == plain_annotation, name


@pytest.mark.parametrize(
    "target",
    [
        ("NON_COMPLIANT", "keys_present"),
        ("COMPLIANT", "report_lists_no_key"),
        ("COMPLIANT", "inactive_keys_accepted"),
        ("NON_COMPLIANT", "signing_certificates"),
        ("undecided", "UndecidableError"),
    ],
)
def test_the_report_generator_reaches_each_outcome(target):
    """The property above is not vacuous: its generator produces every outcome a report alone can give."""
    parameters = RuleParameters(ignore_inactive_keys=True, include_signing_certificates=True)

    def reaches(content: bytes) -> bool:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "report.csv"
            path.write_bytes(content)
            outcome, _ = _outcome(path, parameters)
        return (outcome[0], outcome[1]) == target

    find(reports(), reaches, settings=settings(max_examples=2000, database=None, deadline=None))


def test_csv_dialect_round_trip_keeps_every_field():
    """The normalisation re-writes rows field for field (quoted commas included)."""
    rows = [["user", "arn"], ["a,b", 'say "hi"']]
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_ALL).writerows(rows)
    found = identify(buffer.getvalue())
    assert isinstance(found, ReportCsv)
    assert list(csv.reader(io.StringIO(found.text, newline=""), found.dialect)) == rows
