"""Parse the IAM credential report (CSV bytes) and extract the root user's row.

Columns are matched by name, never by position. Values documented as TRUE/FALSE and seen as
true/false are both accepted; anything else where a boolean belongs is an error, so a damaged
report can never read as "no keys".

The live path (GetCredentialReport's bytes) always parses strictly. Only exported files, which a
spreadsheet may have re-saved, are read with `reformatted_times=True`: a time that is not in IAM's
form (no time zone, another layout) then reads as unknown instead of failing the read. No verdict
rests on those times (an access key's active flag decides, and a time column only shows that a key
slot is in use), so the key is still counted; the annotation says "last use unknown".
"""

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from .errors import CredentialReportError

ROOT_USER = "<root_account>"
MAX_REPORT_BYTES = 64 * 1024 * 1024
KEY_SLOTS = (1, 2)
CERT_SLOTS = (1, 2)
# Values IAM writes where there is no time: the key was never used, or no data is kept.
NO_TIME_VALUES = frozenset({"n/a", "no_information", "not_supported", ""})

REQUIRED_COLUMNS = (
    "user",
    "arn",
    *(
        f"access_key_{slot}_{field}"
        for slot in KEY_SLOTS
        for field in ("active", "last_rotated", "last_used_date", "last_used_region", "last_used_service")
    ),
)
CERT_COLUMNS = tuple(f"cert_{slot}_{field}" for slot in CERT_SLOTS for field in ("active", "last_rotated"))


@dataclass(frozen=True)
class AccessKeyState:
    slot: int
    active: bool
    last_rotated: datetime | None
    last_used: datetime | None
    last_used_region: str | None
    last_used_service: str | None
    # False when IAM has no record of use ("no_information"), as opposed to "N/A": never used.
    last_use_known: bool = True


@dataclass(frozen=True)
class CertificateState:
    slot: int
    active: bool


@dataclass(frozen=True)
class RootCredentials:
    """What the credential report says about the root user. Only existing keys are listed."""

    arn: str
    access_keys: tuple[AccessKeyState, ...]
    certificates: tuple[CertificateState, ...]

    @property
    def active_keys(self) -> tuple[AccessKeyState, ...]:
        return tuple(key for key in self.access_keys if key.active)

    @property
    def inactive_keys(self) -> tuple[AccessKeyState, ...]:
        return tuple(key for key in self.access_keys if not key.active)


def _boolean(row: dict[str, str], column: str) -> bool:
    value = (row.get(column) or "").strip().lower()
    if value == "true":
        return True
    if value == "false":
        return False
    raise CredentialReportError(f"Credential report column {column} is not true/false: {value[:30]!r}")


def _has_time(row: dict[str, str], column: str) -> bool:
    """Whether the column holds a time at all (readable or not), rather than N/A and the like."""
    return (row.get(column) or "").strip().lower() not in NO_TIME_VALUES


def _time(row: dict[str, str], column: str, *, reformatted: bool = False) -> datetime | None:
    """The column's time; None where IAM wrote none. With `reformatted` (exported files only), a
    date-like value that is not IAM's ISO 8601 with a zone is also None: unknown, never guessed."""
    value = (row.get(column) or "").strip()
    if value.lower() in NO_TIME_VALUES:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        if reformatted and _date_like(value):
            return None
        raise CredentialReportError(
            f"Credential report column {column} is not a time: {value[:40]!r}"
        ) from None
    if parsed.tzinfo is None:
        if reformatted:
            return None  # a spreadsheet dropped the zone: the instant is unknown
        raise CredentialReportError(f"Credential report column {column} has no time zone: {value[:40]!r}")
    return parsed


def _date_like(value: str) -> bool:
    """A re-formatted date still has digits; a word where a time belongs means shifted columns."""
    return any(character.isdigit() for character in value)


def _text(row: dict[str, str], column: str) -> str | None:
    value = (row.get(column) or "").strip()
    return None if value.lower() in NO_TIME_VALUES else value


def _access_key(row: dict[str, str], slot: int, reformatted: bool) -> AccessKeyState | None:
    prefix = f"access_key_{slot}_"
    active = _boolean(row, prefix + "active")
    last_rotated = _time(row, prefix + "last_rotated", reformatted=reformatted)
    # An inactive key keeps its last_rotated time; a slot never used has none.
    if not active and not _has_time(row, prefix + "last_rotated"):
        return None
    last_used = _time(row, prefix + "last_used_date", reformatted=reformatted)
    used_column = (row.get(prefix + "last_used_date") or "").strip().lower()
    last_use_known = used_column != "no_information"
    if last_used is None and _has_time(row, prefix + "last_used_date"):
        last_use_known = False  # a date was there but could not be read
    if last_rotated is None and _has_time(row, prefix + "last_rotated") and last_used is None:
        last_use_known = False  # "never used" cannot be told from "used before tracking began"
    return AccessKeyState(
        slot=slot,
        active=active,
        last_rotated=last_rotated,
        last_used=last_used,
        last_used_region=_text(row, prefix + "last_used_region"),
        last_used_service=_text(row, prefix + "last_used_service"),
        last_use_known=last_use_known,
    )


def _certificate(row: dict[str, str], slot: int, reformatted: bool) -> CertificateState | None:
    active_column = f"cert_{slot}_active"
    if active_column not in row:
        return None
    active = _boolean(row, active_column)
    if not active:
        rotated_column = f"cert_{slot}_last_rotated"
        _time(row, rotated_column, reformatted=reformatted)  # refuses what is not a time at all
        if not _has_time(row, rotated_column):
            return None
    return CertificateState(slot=slot, active=active)


def _decode(content: bytes | str) -> str:
    if isinstance(content, str):
        # Text read from a downloaded file may still carry the UTF-8 byte order mark.
        return content.removeprefix("\ufeff")
    if not isinstance(content, bytes | bytearray):
        raise CredentialReportError(f"Credential report content must be bytes, got {type(content).__name__}")
    if len(content) > MAX_REPORT_BYTES:
        raise CredentialReportError(f"Credential report is larger than {MAX_REPORT_BYTES} bytes")
    try:
        return bytes(content).decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CredentialReportError(
            f"Credential report is not UTF-8 text: {error.reason} at byte {error.start}"
        ) from None


def parse_root_credentials(
    content: bytes | str, *, reformatted_times: bool = False
) -> RootCredentials | None:
    """Return the root user's credentials, or None when the report has no root row.

    Raises CredentialReportError when the content is not a credential report. `reformatted_times`
    is for exported files only (see the module docstring); the live path never sets it.
    """
    text = _decode(content)
    if "\x00" in text:
        raise CredentialReportError("Credential report contains NUL characters")
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
        header = reader.fieldnames
        if not header:
            raise CredentialReportError("Credential report is empty")
        missing = [column for column in REQUIRED_COLUMNS if column not in header]
        if missing:
            raise CredentialReportError(
                "Credential report lacks the column(s) "
                + ", ".join(missing[:4])
                + (" ..." if len(missing) > 4 else "")
            )
        if len(set(header)) != len(header):
            raise CredentialReportError("Credential report has duplicate column names")
        root_rows = []
        for row in reader:
            if None in row:
                raise CredentialReportError(
                    f"Credential report line {reader.line_num} has more fields than the header"
                )
            if row.get("user") == ROOT_USER:
                root_rows.append(row)
    except csv.Error as error:
        raise CredentialReportError(f"Credential report is not valid CSV: {error}") from None

    if not root_rows:
        return None
    if len(root_rows) > 1:
        raise CredentialReportError("Credential report has more than one <root_account> row")
    row = root_rows[0]
    if any(row.get(column) is None for column in REQUIRED_COLUMNS):
        raise CredentialReportError("Credential report's <root_account> row has fewer fields than the header")
    keys = tuple(key for slot in KEY_SLOTS if (key := _access_key(row, slot, reformatted_times)) is not None)
    certificates = tuple(
        cert for slot in CERT_SLOTS if (cert := _certificate(row, slot, reformatted_times)) is not None
    )
    return RootCredentials(arn=(row.get("arn") or "").strip(), access_keys=keys, certificates=certificates)
