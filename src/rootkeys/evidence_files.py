"""Read exported evidence files into the plain data the rule decides on.

Whatever form export_formats.py identifies, the credential report becomes a ReportRead (origin
EXPORTED, generated_at when the export carries GeneratedTime) and the account summary an
AccountSummary (origin EXPORTED), so the verdict comes from the same `decide()` as the Lambda's.
A report is normalised to IAM's own CSV (comma-separated, UTF-8, the 22 columns) and then read by
the rule's parser, with only one allowance the live path never gets: times a spreadsheet
re-formatted read as unknown. Every refusal is an EvidenceFileError naming the file, what it
holds, and the command that produces what the option expects. Nothing here touches AWS.
"""

import base64
import binascii
import csv
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from root_access_keys.account_summary import AccountSummary, parse_summary_map
from root_access_keys.credential_report import (
    KEY_SLOTS,
    MAX_REPORT_BYTES,
    RootCredentials,
    parse_root_credentials,
)
from root_access_keys.errors import AccountSummaryFormatError, CredentialReportError
from root_access_keys.evidence import Origin, ReportRead
from root_access_keys.times import parse_iso8601

from .export_formats import (
    REPORT_FORMAT,
    Document,
    Identified,
    ReportContent,
    ReportCsv,
    ReportEnvelope,
    SummaryDocument,
    SummaryTextOutput,
    Text,
    UnreadableTextError,
    Unrecognised,
    decode_head,
    decode_text,
    identify,
    report_csv,
)

MAX_SUMMARY_BYTES = 1024 * 1024
# UTF-16 doubles the bytes and base64 adds a third: room for the largest report in any export.
MAX_REPORT_FILE_BYTES = MAX_REPORT_BYTES * 3
HEAD_BYTES = 64 * 1024

REPORT_CLI_COMMAND = "`aws iam get-credential-report --output json > report.json`"
REPORT_COMMAND = f"the CSV the IAM console's Download credential report button saves, or {REPORT_CLI_COMMAND}"
SUMMARY_COMMAND = "`aws iam get-account-summary --output json > summary.json`"
EXPECTED = {
    Document.REPORT: f"expected an IAM credential report: {REPORT_COMMAND}",
    Document.SUMMARY: f"expected an IAM account summary: {SUMMARY_COMMAND}",
}
OPTION = {Document.REPORT: "--credential-report", Document.SUMMARY: "--account-summary"}
NAMED = {Document.REPORT: "a credential report", Document.SUMMARY: "an account summary"}
OTHER = {Document.REPORT: Document.SUMMARY, Document.SUMMARY: Document.REPORT}
SUMMARY_TEXT_PROBLEM = (
    "prints the SummaryMap counts without their names, so AccountAccessKeysPresent cannot be picked "
    "out (AWS adds entries over time, so a position proves nothing)"
)
# Before April 2015 the report had no access_key_N_last_used_* columns (16 columns in all).
LAST_USE_FIELDS = ("last_used_date", "last_used_region", "last_used_service")
LAST_USE_COLUMNS = tuple(f"access_key_{slot}_{name}" for slot in KEY_SLOTS for name in LAST_USE_FIELDS)
LEGACY_FILL = {"last_used_date": "no_information", "last_used_region": "N/A", "last_used_service": "N/A"}
KEY_COLUMNS = tuple(f"access_key_{slot}_{name}" for slot in KEY_SLOTS for name in ("active", "last_rotated"))


class EvidenceFileError(Exception):
    """An evidence file is missing, unreadable, or not the document it was given as."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


@dataclass(frozen=True)
class ReportFile:
    """A credential report read from a file. generated_at is None for the console's CSV export."""

    report: ReportRead
    form: str  # which export it was, e.g. "credential report CSV", "get-credential-report JSON"
    notes: tuple[str, ...] = ()  # what was normalised: encoding, separator, layout, dates

    @property
    def root(self) -> RootCredentials | None:
        return self.report.root

    @property
    def description(self) -> str:
        return "; ".join((self.form, *self.notes))


# --- reading the bytes ---


def _read_bytes(path: Path, limit: int, document: Document) -> tuple[bytes, bool]:
    """The file's bytes (at most limit + 1 of them) and whether that is the whole file."""
    expected = EXPECTED[document]
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise EvidenceFileError(path, f"no such file ({expected})") from None
    except IsADirectoryError:
        raise EvidenceFileError(path, f"is a directory ({expected})") from None
    except OSError as error:
        raise EvidenceFileError(path, f"cannot be read: {error.strerror or error} ({expected})") from None
    if not data.strip():
        raise EvidenceFileError(path, f"is empty ({expected})")
    return data, len(data) <= limit


def _decode(path: Path, data: bytes, document: Document) -> Text:
    try:
        text = decode_text(data)
    except UnreadableTextError as error:
        problem = f"{error}, so it is not {NAMED[document]} ({EXPECTED[document]})"
        raise EvidenceFileError(path, problem) from None
    if not text.text.strip():
        raise EvidenceFileError(path, f"is empty ({EXPECTED[document]})")
    if "\x00" in text.text:
        raise EvidenceFileError(
            path,
            f"contains NUL characters (a binary file, or UTF-16 text without its byte order mark), "
            f"so it is not {NAMED[document]} ({EXPECTED[document]})",
        )
    return text


def _wrong_document(path: Path, found: Identified, option: Document) -> EvidenceFileError:
    """The file is the other document: name it and the option that takes it."""
    if isinstance(found, SummaryTextOutput):
        return EvidenceFileError(
            path,
            f"holds an account summary ({found.form}), not a credential report: pass the summary with "
            f"--account-summary, exported with {SUMMARY_COMMAND}, as the text output drops the entry names",
        )
    other = OTHER[option]
    form = getattr(found, "form", "")
    return EvidenceFileError(
        path, f"holds {NAMED[other]} ({form}), not {NAMED[option]}: pass it with {OPTION[other]}"
    )


# --- the account summary ---


@dataclass(frozen=True)
class SummaryFile:
    """An account summary read from a file, with the export it came in."""

    summary: AccountSummary
    form: str
    notes: tuple[str, ...] = ()

    @property
    def description(self) -> str:
        return "; ".join((self.form, *self.notes))


def read_account_summary_file(path: Path) -> AccountSummary:
    """The account summary in the file (see read_account_summary_export)."""
    return read_account_summary_export(path).summary


def read_account_summary_export(path: Path) -> SummaryFile:
    """Read an exported account summary: get-account-summary's JSON or YAML output, or the bare
    SummaryMap (PowerShell's `Get-IAMAccountSummary | ConvertTo-Json`), in UTF-8 or UTF-16."""
    document = Document.SUMMARY
    data, complete = _read_bytes(path, MAX_SUMMARY_BYTES, document)
    if not complete:
        head = identify(decode_head(data[:HEAD_BYTES]))
        if head.document is Document.REPORT:
            raise _wrong_document(path, head, document)
        raise EvidenceFileError(path, f"is larger than {MAX_SUMMARY_BYTES} bytes ({EXPECTED[document]})")
    text = _decode(path, data, document)
    found = identify(text.text)
    if isinstance(found, SummaryDocument):
        try:
            summary = parse_summary_map(found.summary_map, origin=Origin.EXPORTED)
        except AccountSummaryFormatError as error:
            raise EvidenceFileError(
                path, f"is not an IAM account summary: {error} ({EXPECTED[document]})"
            ) from None
        return SummaryFile(summary, found.form, text.notes)
    if isinstance(found, SummaryTextOutput):
        raise EvidenceFileError(
            path,
            f"holds `aws iam {found.form}` output, which {SUMMARY_TEXT_PROBLEM}. "
            f"Export the summary with {SUMMARY_COMMAND} (or --output yaml)",
        )
    if isinstance(found, Unrecognised):
        raise EvidenceFileError(path, f"{found.problem} ({EXPECTED[document]})")
    raise _wrong_document(path, found, document)


# --- the credential report ---


def read_credential_report_file(path: Path) -> ReportFile:
    """Read an exported credential report in any form export_formats.py identifies."""
    document = Document.REPORT
    data, complete = _read_bytes(path, MAX_REPORT_FILE_BYTES, document)
    if not complete:
        raise EvidenceFileError(path, f"is larger than {MAX_REPORT_FILE_BYTES} bytes ({EXPECTED[document]})")
    text = _decode(path, data, document)
    found = identify(text.text)
    if isinstance(found, ReportCsv):
        return _read_csv(path, found, found.form, (*text.notes, *found.notes), None)
    if isinstance(found, ReportEnvelope):
        generated_at = _generated_time(path, found.generated_time)
        if found.report_format is not None and found.report_format != REPORT_FORMAT:
            raise EvidenceFileError(
                path, f"has ReportFormat {str(found.report_format)[:40]!r}, expected {REPORT_FORMAT}"
            )
        content, content_notes = _envelope_content(path, found.content)
        return _read_content(path, content, found.form, (*text.notes, *content_notes), generated_at)
    if isinstance(found, ReportContent):
        return _read_content(path, _content_text(path, found.csv_bytes), found.form, text.notes, None)
    if isinstance(found, Unrecognised):
        if found.structured:
            raise EvidenceFileError(
                path,
                f"{found.problem}, not the output of `aws iam get-credential-report` (no Content field) "
                f"({EXPECTED[document]})",
            )
        # Plain text: let the parser say which columns are missing.
        return _read_csv(path, ReportCsv(text.text, csv.excel), "text", text.notes, None)
    raise _wrong_document(path, found, document)


def _generated_time(path: Path, value: object) -> datetime | None:
    """GeneratedTime as the export carries it. The report's age matters (the annotation dates the
    report and marks one over 4 hours old), so a time without a zone is refused, never guessed."""
    if value is None:
        return None
    again = f"export the report again with {REPORT_CLI_COMMAND}"
    if isinstance(value, datetime):  # YAML reads an unquoted timestamp as a datetime
        moment = value
    elif isinstance(value, str):
        try:
            moment = parse_iso8601(value)
        except ValueError:
            raise EvidenceFileError(
                path, f"GeneratedTime is not an ISO 8601 time: {value[:40]!r}; {again}"
            ) from None
    else:
        raise EvidenceFileError(path, f"GeneratedTime is not a time: {str(value)[:40]!r}; {again}")
    if moment.tzinfo is None:
        raise EvidenceFileError(
            path,
            f"GeneratedTime {str(value)[:40]!r} has no time zone. The report's age is part of the "
            f"evidence (it dates the report and shows when it is over 4 hours old), so rootkeys does "
            f"not guess the zone: {again}",
        )
    return moment


def _envelope_content(path: Path, content: object) -> tuple[str, tuple[str, ...]]:
    """The report text in Content: base64 as the CLI prints it, or the CSV itself."""
    if not isinstance(content, str):
        hint = (
            " (PowerShell's ConvertTo-Json cannot write the report stream: save "
            "`Get-IAMCredentialReport -AsTextArray` to a file instead)"
            if isinstance(content, dict)
            else ""
        )
        raise EvidenceFileError(path, f"Content is not a base64 string{hint}")
    try:
        raw = base64.b64decode("".join(content.split()), validate=True)
    except (binascii.Error, ValueError):
        if report_csv(content) is not None:
            return content, ("Content as plain CSV, not base64",)
        expected = EXPECTED[Document.REPORT]
        problem = f"Content is not valid base64, nor a plain CSV credential report ({expected})"
        raise EvidenceFileError(path, problem) from None
    return _content_text(path, raw), ()


def _content_text(path: Path, raw: bytes) -> str:
    try:
        return decode_text(raw).text
    except UnreadableTextError as error:
        raise EvidenceFileError(path, f"Content decodes to bytes that {error}") from None


def _read_content(
    path: Path, content: str, form: str, notes: tuple[str, ...], generated_at: datetime | None
) -> ReportFile:
    found = report_csv(content) or ReportCsv(content, csv.excel)
    return _read_csv(path, found, form, (*notes, *found.notes), generated_at)


def _read_csv(
    path: Path, found: ReportCsv, form: str, notes: tuple[str, ...], generated_at: datetime | None
) -> ReportFile:
    """Normalise to IAM's CSV and parse it with the rule's parser (re-formatted times: unknown)."""
    canonical, layout_notes = _canonical_csv(path, found)
    try:
        try:
            root = parse_root_credentials(canonical)
            time_notes: tuple[str, ...] = ()
        except CredentialReportError:
            root = parse_root_credentials(canonical, reformatted_times=True)
            time_notes = ("times not in IAM's form (e.g. re-formatted by a spreadsheet) read as unknown",)
    except CredentialReportError as error:
        raise EvidenceFileError(
            path, f"is not a usable IAM credential report: {error} ({EXPECTED[Document.REPORT]})"
        ) from None
    report = ReportRead(root=root, generated_at=generated_at, origin=Origin.EXPORTED)
    return ReportFile(report, form, (*notes, *layout_notes, *time_notes))


def _canonical_csv(path: Path, found: ReportCsv) -> tuple[bytes, tuple[str, ...]]:
    """The rows re-written as IAM writes them: comma-separated, UTF-8, LF; the 16-column layout
    gains the last-use columns it predates, as "no_information" (last use unknown)."""
    try:
        reader = csv.reader(io.StringIO(found.text, newline=""), found.dialect, strict=True)
        rows = [row for row in reader if row]
    except csv.Error as error:
        raise EvidenceFileError(
            path, f"is not valid CSV ({error}), so not a usable IAM credential report"
        ) from None
    notes: tuple[str, ...] = ()
    if rows:
        header = [name.strip() for name in rows[0]]
        rows[0] = header
        if all(column in header for column in KEY_COLUMNS) and not any(
            column in header for column in LAST_USE_COLUMNS
        ):
            rows = _add_last_use_columns(path, rows)
            notes = ("16-column layout from before April 2015: last use unknown",)
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8"), notes


def _add_last_use_columns(path: Path, rows: list[list[str]]) -> list[list[str]]:
    header = rows[0]
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise EvidenceFileError(
                path,
                f"is not a usable IAM credential report: row {number} has {len(row)} fields, "
                f"the header {len(header)}",
            )
    added = [f"access_key_{slot}_{name}" for slot in KEY_SLOTS for name in LAST_USE_FIELDS]
    fill = [LEGACY_FILL[name] for _slot in KEY_SLOTS for name in LAST_USE_FIELDS]
    return [header + added, *(row + fill for row in rows[1:])]
