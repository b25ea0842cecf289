"""Read exported evidence: the credential report CSV and the `aws iam get-account-summary` JSON.

Each reader returns the same plain data the Lambda builds from live API responses, so the
verdict comes from the same `decide()`. Any file that is not what it claims to be raises
EvidenceFileError naming the file and what is wrong; nothing here touches AWS.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from root_access_keys.account_summary import AccountSummary, parse_summary_map
from root_access_keys.credential_report import (
    MAX_REPORT_BYTES,
    RootCredentials,
    parse_root_credentials,
)
from root_access_keys.errors import AccountSummaryFormatError, CredentialReportError
from root_access_keys.evidence import Origin, ReportRead

MAX_SUMMARY_BYTES = 1024 * 1024
REPORT_HEADER_START = "user,arn,"
SUMMARY_KEYS = frozenset({"SummaryMap", "AccountAccessKeysPresent"})


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
    form: str  # "csv" or "get-credential-report JSON"

    @property
    def root(self) -> RootCredentials | None:
        return self.report.root


def _read_bytes(path: Path, limit: int, what: str) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise EvidenceFileError(path, f"no such file (expected {what})") from None
    except IsADirectoryError:
        raise EvidenceFileError(path, f"is a directory, not {what}") from None
    except OSError as error:
        raise EvidenceFileError(path, f"cannot be read: {error.strerror or error}") from None
    if len(data) > limit:
        raise EvidenceFileError(path, f"is larger than {limit} bytes: not {what}")
    if not data.strip():
        raise EvidenceFileError(path, f"is empty (expected {what})")
    return data


def _looks_like_json(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


def _decode_json(path: Path, data: bytes, what: str) -> object:
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise EvidenceFileError(path, f"is not UTF-8 text (byte {error.start}), so not {what}") from None
    except (ValueError, RecursionError) as error:  # ValueError also covers over-long integers
        raise EvidenceFileError(path, f"is not valid JSON ({str(error)[:120]}), so not {what}") from None


def read_account_summary_file(path: Path) -> AccountSummary:
    """Read the JSON `aws iam get-account-summary` prints, or its bare SummaryMap object."""
    what = "the JSON output of `aws iam get-account-summary`"
    data = _read_bytes(path, MAX_SUMMARY_BYTES, what)
    if not _looks_like_json(data) and data.lstrip(b"\xef\xbb\xbf").startswith(REPORT_HEADER_START.encode()):
        raise EvidenceFileError(
            path, "is a credential report CSV, not an account summary: pass it with --credential-report"
        )
    document = _decode_json(path, data, what)
    if not isinstance(document, dict):
        raise EvidenceFileError(path, f"holds a JSON {type(document).__name__}, not {what}")
    summary_map = document.get("SummaryMap", document)
    try:
        return parse_summary_map(summary_map, origin=Origin.EXPORTED)
    except AccountSummaryFormatError as error:
        raise EvidenceFileError(path, f"is not an IAM account summary: {error}") from None


def _parse_time(path: Path, value: object) -> datetime:
    if not isinstance(value, str):
        raise EvidenceFileError(path, "GeneratedTime is not a string")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise EvidenceFileError(path, f"GeneratedTime is not an ISO 8601 time: {value[:40]!r}") from None
    if moment.tzinfo is None:
        raise EvidenceFileError(path, f"GeneratedTime has no time zone: {value[:40]!r}")
    return moment


def _report_from_json(path: Path, data: bytes) -> tuple[bytes, datetime | None]:
    """The `aws iam get-credential-report` output: the CSV base64-encoded in Content."""
    document = _decode_json(path, data, "a credential report")
    if not isinstance(document, dict) or "Content" not in document:
        summary_like = isinstance(document, dict) and bool(SUMMARY_KEYS & document.keys())
        hint = ": it looks like an account summary, pass it with --account-summary" if summary_like else ""
        raise EvidenceFileError(
            path,
            "is JSON but not the output of `aws iam get-credential-report` (no Content field)" + hint,
        )
    report_format = document.get("ReportFormat", "text/csv")
    if report_format != "text/csv":
        raise EvidenceFileError(path, f"has ReportFormat {str(report_format)[:40]!r}, expected text/csv")
    content = document["Content"]
    if not isinstance(content, str):
        raise EvidenceFileError(path, "Content is not a base64 string")
    try:
        csv_bytes = base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        raise EvidenceFileError(path, "Content is not valid base64") from None
    generated = document.get("GeneratedTime")
    return csv_bytes, None if generated is None else _parse_time(path, generated)


def read_credential_report_file(path: Path) -> ReportFile:
    """Read the CSV from the IAM console (or `get-credential-report` JSON) and find the root row."""
    what = "an IAM credential report (CSV)"
    # The JSON form carries the CSV base64-encoded: about 4/3 of its size.
    data = _read_bytes(path, MAX_REPORT_BYTES * 4 // 3 + 4096, what)
    form = "csv"
    generated_at = None
    if _looks_like_json(data):
        data, generated_at = _report_from_json(path, data)
        form = "get-credential-report JSON"
    try:
        root = parse_root_credentials(data)
    except CredentialReportError as error:
        raise EvidenceFileError(path, f"is not a usable IAM credential report: {error}") from None
    return ReportFile(ReportRead(root=root, generated_at=generated_at, origin=Origin.EXPORTED), form)
