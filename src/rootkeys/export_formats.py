"""Tell what an exported evidence file is: its text encoding, and which export of which document.

People export the credential report and the account summary in many ways: the IAM console's CSV
(perhaps re-saved by a spreadsheet), the AWS CLI's json, yaml and text outputs (with or without
`--query`), and Windows PowerShell's redirection and Export-Csv. `identify` names the form; it reads
no values and decides nothing (evidence_files.py turns each form into the rule's plain data).

Detection rules, in the order they are tried on the decoded text:
1. JSON (the text starts with `{`, `[` or `"`): an object with `Content` is get-credential-report
   output; an object with `SummaryMap`, or with any SummaryMap entry name, is an account summary
   (whole or bare); a JSON string is `--query Content` (base64).
2. `get-account-summary --output text`: a first line starting with `SUMMARYMAP` and a tab, or a
   single line of tab-separated whole numbers (`--query SummaryMap --output text`).
3. `get-credential-report --output text`: one line of three tab-separated fields, the CLI's layout
   for a structure (values in key order: Content, GeneratedTime, ReportFormat = `text/csv`).
4. A credential report CSV: after dropping PowerShell Export-Csv's `#TYPE ...` first line,
   csv.Sniffer (separators `,` `;` tab) finds a dialect under which the header has `user` and `arn`.
5. Bare base64 (`--query Content --output text`) whose decoded text is such a CSV.
6. YAML (`--output yaml` / `yaml-stream`): a mapping, or a one-item list of one, read as in 1.
"""

import base64
import binascii
import codecs
import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

import yaml

# Checked longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32 LE"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32 BE"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8 with a byte order mark"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 LE"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 BE"),
)
SEPARATORS = ",;\t"
SNIFF_CHARACTERS = 64 * 1024
POWERSHELL_TYPE_LINE = "#TYPE "
REPORT_FORMAT = "text/csv"
# The SummaryMap entry names IAM documents (GetAccountSummary, SummaryKeyType) and returns.
SUMMARY_ENTRIES = frozenset(
    {
        "Users",
        "UsersQuota",
        "Groups",
        "GroupsQuota",
        "ServerCertificates",
        "ServerCertificatesQuota",
        "UserPolicySizeQuota",
        "GroupPolicySizeQuota",
        "GroupsPerUserQuota",
        "SigningCertificatesPerUserQuota",
        "AccessKeysPerUserQuota",
        "MFADevices",
        "MFADevicesInUse",
        "AccountMFAEnabled",
        "AccountAccessKeysPresent",
        "AccountPasswordPresent",
        "AccountSigningCertificatesPresent",
        "AttachedPoliciesPerGroupQuota",
        "AttachedPoliciesPerRoleQuota",
        "AttachedPoliciesPerUserQuota",
        "Policies",
        "PoliciesQuota",
        "PolicySizeQuota",
        "PolicyVersionsInUse",
        "PolicyVersionsInUseQuota",
        "VersionsPerPolicyQuota",
        "GlobalEndpointTokenVersion",
        "AssumeRolePolicySizeQuota",
        "InstanceProfiles",
        "InstanceProfilesQuota",
        "Providers",
        "Roles",
        "RolesQuota",
        "RolePolicySizeQuota",
    }
)


class Document(StrEnum):
    """Which evidence document a file holds."""

    REPORT = "credential report"
    SUMMARY = "account summary"


class UnreadableTextError(Exception):
    """The bytes are not text in any encoding an export uses."""


@dataclass(frozen=True)
class Text:
    text: str
    encoding: str  # "UTF-8", "UTF-16 LE", ...: how the file was written

    @property
    def notes(self) -> tuple[str, ...]:
        return () if self.encoding == "UTF-8" else (self.encoding,)


def decode_text(data: bytes) -> Text:
    """Decode by the byte order mark (UTF-8, UTF-16 or UTF-32, as Windows tools write), else UTF-8."""
    for mark, codec, name in BYTE_ORDER_MARKS:
        if data.startswith(mark):
            try:
                return Text(data[len(mark) :].decode(codec), name)
            except UnicodeDecodeError as error:
                raise UnreadableTextError(
                    f"starts with a {name} byte order mark but is not {name} text "
                    f"(byte {error.start + len(mark)})"
                ) from None
    try:
        return Text(data.decode("utf-8"), "UTF-8")
    except UnicodeDecodeError as error:
        raise UnreadableTextError(f"is not UTF-8 or UTF-16 text (byte {error.start})") from None


def decode_head(data: bytes) -> str:
    """The start of a file too large to read whole, decoded as well as its cut allows."""
    for mark, codec, _name in BYTE_ORDER_MARKS:
        if data.startswith(mark):
            return data[len(mark) :].decode(codec, errors="ignore")
    return data.decode("utf-8", errors="ignore")


# --- the forms ---


@dataclass(frozen=True)
class ReportCsv:
    """A credential report as CSV text, in the dialect it was written in."""

    text: str  # without PowerShell's #TYPE line
    dialect: type[csv.Dialect]
    notes: tuple[str, ...] = ()
    form: str = "credential report CSV"
    document: Document = Document.REPORT


@dataclass(frozen=True)
class ReportEnvelope:
    """`aws iam get-credential-report` output (json, yaml or text): Content with its metadata."""

    content: object
    generated_time: object
    report_format: object
    form: str
    document: Document = Document.REPORT


@dataclass(frozen=True)
class ReportContent:
    """`--query Content`: the base64 report alone, quoted (json) or bare (text)."""

    csv_bytes: bytes
    form: str
    document: Document = Document.REPORT


@dataclass(frozen=True)
class SummaryDocument:
    """An account summary: the whole get-account-summary output or its bare SummaryMap."""

    summary_map: object
    form: str
    document: Document = Document.SUMMARY


@dataclass(frozen=True)
class SummaryTextOutput:
    """`aws iam get-account-summary --output text`: the counts without their names."""

    form: str
    document: Document = Document.SUMMARY


@dataclass(frozen=True)
class Unrecognised:
    """None of the known forms; `problem` says what the file is instead, where that can be told."""

    problem: str
    structured: bool = False  # JSON or YAML that parsed, or JSON that did not: not a CSV attempt
    document: None = None


Identified = ReportCsv | ReportEnvelope | ReportContent | SummaryDocument | SummaryTextOutput | Unrecognised


def identify(text: str) -> Identified:
    """Which export `text` is (see the module docstring for the rules, tried in order)."""
    stripped = text.strip()
    if stripped[:1] in ("{", "[", '"'):
        found = _from_json(stripped)
        if found is not None:
            return found
    lines = stripped.splitlines()
    first = lines[0] if lines else ""
    if first.startswith("SUMMARYMAP\t") or (len(lines) == 1 and _all_counts(first.split("\t"))):
        query = "" if first.startswith("SUMMARYMAP") else " --query SummaryMap"
        return SummaryTextOutput(f"get-account-summary{query} --output text")
    if len(lines) == 1 and (envelope := _from_text_output(first)) is not None:
        return envelope
    if (report := report_csv(text)) is not None:
        return report
    if (content := _base64_report(stripped)) is not None:
        return ReportContent(content, "get-credential-report --query Content --output text")
    return _from_yaml(stripped)


# --- CSV ---


def report_csv(text: str) -> ReportCsv | None:
    """The report CSV in `text`, with its dialect, or None when the header names no user and arn."""
    notes: list[str] = []
    body = text.removeprefix("\ufeff")
    if body.startswith(POWERSHELL_TYPE_LINE):
        body = body.split("\n", 1)[1] if "\n" in body else ""
        notes.append("PowerShell Export-Csv #TYPE line")
    dialect = _sniff(body)
    if dialect is None:
        return None
    if dialect.delimiter != ",":
        notes.append("tab-separated" if dialect.delimiter == "\t" else f"'{dialect.delimiter}'-separated")
    if body.lstrip().startswith(dialect.quotechar):
        notes.append("quoted fields")
    return ReportCsv(body, dialect, tuple(notes))


def _sniff(body: str) -> type[csv.Dialect] | None:
    sample = body[:SNIFF_CHARACTERS]
    if len(body) > SNIFF_CHARACTERS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]  # whole lines only
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=SEPARATORS)
    except csv.Error:
        return None

    class Exported(csv.Dialect):
        # Spreadsheets and Export-Csv both double an embedded quote (RFC 4180), which the
        # sniffer cannot see in a file that has none.
        delimiter = sniffed.delimiter
        quotechar = sniffed.quotechar or '"'
        doublequote = True
        skipinitialspace = sniffed.skipinitialspace
        lineterminator = "\n"
        quoting = csv.QUOTE_MINIMAL

    try:
        header = next(csv.reader(io.StringIO(sample, newline=""), Exported), [])
    except csv.Error:
        return None
    names = {name.strip() for name in header}
    return Exported if {"user", "arn"} <= names else None


# --- the AWS CLI's text output ---


def _all_counts(fields: list[str]) -> bool:
    return len(fields) > 1 and all(field.strip().isdigit() for field in fields)


def _from_text_output(line: str) -> ReportEnvelope | None:
    """`get-credential-report --output text`: awscli's text.py prints a structure's scalar values
    on one line, tab-separated, in the sorted order of their keys (no key names at top level)."""
    fields = line.split("\t")
    if len(fields) != 3 or fields[2].strip() != REPORT_FORMAT:
        return None
    content, generated, report_format = (field.strip() for field in fields)
    return ReportEnvelope(content, generated or None, report_format, "get-credential-report --output text")


def _base64_report(stripped: str) -> bytes | None:
    """The decoded report when `stripped` is nothing but base64 of a report CSV."""
    compact = "".join(stripped.split())
    if not compact:
        return None
    try:
        decoded = base64.b64decode(compact, validate=True)
        text = decode_text(decoded).text
    except (binascii.Error, ValueError, UnreadableTextError):
        return None
    return decoded if report_csv(text) is not None else None


# --- JSON and YAML ---


def _from_json(stripped: str) -> Identified | None:
    """None when the text only looks like JSON (Export-Csv's quoted CSV starts with a quote too)."""
    try:
        document = json.loads(stripped)
    except (ValueError, RecursionError) as error:  # ValueError also covers over-long integers
        if stripped.startswith('"'):
            return None  # a quoted CSV (Export-Csv) starts the same way
        return Unrecognised(f"is not valid JSON ({str(error)[:120]})", structured=True)
    return _from_structure(document, "JSON")


PLAIN_TEXT = "is not CSV with user and arn columns, nor JSON or YAML"


def _from_yaml(stripped: str) -> Identified:
    try:
        document = yaml.safe_load(stripped)
    except (yaml.YAMLError, ValueError, RecursionError):
        return Unrecognised(PLAIN_TEXT)
    if isinstance(document, list) and len(document) == 1 and isinstance(document[0], Mapping):
        document = document[0]  # --output yaml-stream: a list with one item per page
    if isinstance(document, str) and (content := _base64_report(document)) is not None:
        return ReportContent(content, "get-credential-report --query Content (YAML string)")
    if isinstance(document, Mapping):
        return _from_mapping(document, "YAML")
    return Unrecognised(PLAIN_TEXT)  # a word, a number, a list: nothing an export prints


def _from_structure(document: object, language: str) -> Identified:
    if isinstance(document, str):
        content = _base64_report(document)
        if content is None:
            return Unrecognised(f"holds a {language} string that is not a base64 credential report", True)
        return ReportContent(content, f"get-credential-report --query Content ({language} string)")
    if not isinstance(document, Mapping):
        return Unrecognised(f"holds a {language} {type(document).__name__}", structured=True)
    return _from_mapping(document, language)


def _from_mapping(document: Mapping[object, object], language: str) -> Identified:
    keys = {str(key) for key in document}
    if "Content" in keys:
        return ReportEnvelope(
            document["Content"],
            document.get("GeneratedTime"),
            document.get("ReportFormat"),
            f"get-credential-report {language}",
        )
    if "SummaryMap" in keys:
        return SummaryDocument(document["SummaryMap"], f"get-account-summary {language}")
    if keys & SUMMARY_ENTRIES:
        return SummaryDocument(document, f"bare SummaryMap ({language})")
    return Unrecognised(f"holds a {language} object with none of the fields an export has", structured=True)
