"""The exported-evidence samples in tests/data/exports/, made from the plain samples in tests/data/.

Each function writes one real export form with its exact bytes (encoding, byte order mark, line
ends, separator, quoting). `python tests/export_samples.py` rewrites tests/data/exports/;
test_exports.py fails when the committed files and these functions disagree.

Layouts, as the tools write them:
- Windows PowerShell 5.1 `>` (Out-File): UTF-16 LE with a byte order mark, CRLF line ends.
- Export-Csv (5.1, without -NoTypeInformation): a `#TYPE <type name>` first line, every field in
  double quotes, CRLF; ASCII unless -Encoding says otherwise.
- ConvertTo-Json (5.1): four-space indent, two spaces after each colon.
- AWS CLI: json (four-space indent); yaml; text prints a structure's scalar values on one line,
  tab-separated, sorted by key name, with no key names at the top level and the structure's name
  in capitals before a nested one (awscli/text.py), so get-credential-report prints
  `Content<TAB>GeneratedTime<TAB>ReportFormat` and get-account-summary `SUMMARYMAP<TAB>` and the
  counts. Blobs (Content) print as base64.
- The credential report before April 2015 (last-used columns added then): 16 columns.
"""

import base64
import codecs
import csv
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path

import yaml

DATA = Path(__file__).parent / "data"
EXPORTS = DATA / "exports"
GENERATED_TIME = "2026-11-28T09:15:00+00:00"
POWERSHELL_TYPE_LINE = "#TYPE System.Management.Automation.PSCustomObject"
LAST_USE_COLUMNS = tuple(
    f"access_key_{slot}_{name}"
    for slot in (1, 2)
    for name in ("last_used_date", "last_used_region", "last_used_service")
)


def plain(name: str) -> bytes:
    return (DATA / name).read_bytes()


def rows_of(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def crlf(text: str) -> str:
    return "\r\n".join(text.splitlines()) + "\r\n"


def utf16(text: str) -> bytes:
    return codecs.BOM_UTF16_LE + text.encode("utf-16-le")


# --- spreadsheets ---

SPREADSHEET_DATES = {
    # ISO 8601 with a zone, re-written without it by each locale's spreadsheet.
    "iso": lambda day, time: f"{day} {time}",
    "de": lambda day, time: f"{day[8:10]}.{day[5:7]}.{day[:4]} {time}",
    "en-gb": lambda day, time: f"{day[8:10]}/{day[5:7]}/{day[:4]} {time}",
}


def spreadsheet(content: bytes, separator: str, dates: str) -> str:
    """The CSV as a spreadsheet saves it: its locale's separator and date format, TRUE/FALSE, CRLF."""
    reformat = SPREADSHEET_DATES[dates]
    out = []
    for row in rows_of(content):
        cells = []
        for cell in row:
            if len(cell) == 25 and cell[10] == "T" and cell.endswith("+00:00"):
                cells.append(reformat(cell[:10], cell[11:16]))
            else:
                cells.append(cell.upper() if cell in ("true", "false") else cell)
        out.append(separator.join(cells))
    return crlf("\n".join(out))


# --- PowerShell ---


def export_csv(content: bytes, separator: str = ",") -> str:
    """`... | ConvertFrom-Csv | Export-Csv report.csv` (add -UseCulture for a ';' locale)."""
    lines = [POWERSHELL_TYPE_LINE]
    lines += [separator.join('"' + cell.replace('"', '""') + '"' for cell in row) for row in rows_of(content)]
    return crlf("\n".join(lines))


def powershell_json(summary_map: dict[str, int]) -> str:
    """`Get-IAMAccountSummary | ConvertTo-Json` in Windows PowerShell 5.1: the bare SummaryMap."""
    entries = ",\n".join(f'    "{key}":  {value}' for key, value in summary_map.items())
    return crlf("{\n" + entries + "\n}")


# --- the AWS CLI ---


def report_response(
    content: bytes, generated: str | None = GENERATED_TIME, base64_content: bool = True
) -> dict:
    body = base64.b64encode(content).decode() if base64_content else content.decode()
    response = {"Content": body, "ReportFormat": "text/csv"}
    if generated is not None:
        response["GeneratedTime"] = generated
    return response


def cli_json(document: object) -> str:
    return json.dumps(document, indent=4) + "\n"


def cli_yaml(document: object) -> str:
    return yaml.safe_dump(document, sort_keys=False, width=1 << 30)


def report_text_output(content: bytes, generated: str = GENERATED_TIME) -> str:
    """`aws iam get-credential-report --output text`: the values in key order, tab-separated."""
    return f"{base64.b64encode(content).decode()}\t{generated}\ttext/csv\n"


def summary_text_output(summary_map: dict[str, int]) -> str:
    """`aws iam get-account-summary --output text`: SUMMARYMAP and the counts, in key order."""
    return "\t".join(["SUMMARYMAP", *(str(summary_map[key]) for key in sorted(summary_map))]) + "\n"


def legacy_report(content: bytes) -> str:
    """The same report in the 16-column layout (before the last-used columns existed)."""
    rows = rows_of(content)
    keep = [index for index, name in enumerate(rows[0]) if name not in LAST_USE_COLUMNS]
    return "\n".join(",".join(row[index] for index in keep) for row in rows) + "\n"


def summary_map(name: str) -> dict[str, int]:
    return json.loads(plain(name))["SummaryMap"]


# --- the samples: file name -> (bytes, the plain sample whose verdict it must give) ---

ACTIVE = "credential-report-active-key.csv"
INACTIVE = "credential-report-inactive-key.csv"
NO_KEY = "credential-report-no-key.csv"
SUMMARY_KEYS = "account-summary-keys.json"
SUMMARY_NONE = "account-summary-no-keys.json"

Sample = tuple[Callable[[], bytes], str]

REPORT_SAMPLES: dict[str, Sample] = {
    "report-spreadsheet-de.csv": (lambda: spreadsheet(plain(ACTIVE), ";", "de").encode(), ACTIVE),
    "report-spreadsheet-de-inactive.csv": (
        lambda: spreadsheet(plain(INACTIVE), ";", "de").encode(),
        INACTIVE,
    ),
    "report-spreadsheet-iso-dates.csv": (lambda: spreadsheet(plain(ACTIVE), ",", "iso").encode(), ACTIVE),
    "report-spreadsheet-utf8-bom.csv": (
        lambda: codecs.BOM_UTF8 + spreadsheet(plain(ACTIVE), ",", "en-gb").encode(),
        ACTIVE,
    ),
    "report-powershell-redirect.csv": (lambda: utf16(crlf(plain(ACTIVE).decode())), ACTIVE),
    "report-powershell-export-csv.csv": (lambda: export_csv(plain(ACTIVE)).encode("ascii"), ACTIVE),
    "report-powershell-export-csv-no-key.csv": (lambda: export_csv(plain(NO_KEY)).encode("ascii"), NO_KEY),
    "report-powershell-export-csv-unicode.csv": (lambda: utf16(export_csv(plain(INACTIVE), ";")), INACTIVE),
    "report-cli.json": (lambda: cli_json(report_response(plain(ACTIVE))).encode(), ACTIVE),
    "report-cli-plain-content.json": (
        lambda: cli_json(report_response(plain(ACTIVE), base64_content=False)).encode(),
        ACTIVE,
    ),
    "report-cli.yaml": (lambda: cli_yaml(report_response(plain(INACTIVE))).encode(), INACTIVE),
    "report-cli-output-text.txt": (lambda: report_text_output(plain(ACTIVE)).encode(), ACTIVE),
    "report-cli-no-key-output-text.txt": (lambda: report_text_output(plain(NO_KEY)).encode(), NO_KEY),
    "report-cli-query-content.json": (
        lambda: cli_json(base64.b64encode(plain(ACTIVE)).decode()).encode(),
        ACTIVE,
    ),
    "report-cli-query-content.txt": (
        lambda: base64.b64encode(plain(ACTIVE)) + b"\n",
        ACTIVE,
    ),
    "report-16-columns.csv": (lambda: legacy_report(plain(ACTIVE)).encode(), ACTIVE),
    "report-16-columns-inactive.csv": (lambda: legacy_report(plain(INACTIVE)).encode(), INACTIVE),
}

SUMMARY_SAMPLES: dict[str, Sample] = {
    "summary-cli-keys.yaml": (
        lambda: cli_yaml({"SummaryMap": summary_map(SUMMARY_KEYS)}).encode(),
        SUMMARY_KEYS,
    ),
    "summary-cli-no-keys.yaml": (
        lambda: cli_yaml({"SummaryMap": summary_map(SUMMARY_NONE)}).encode(),
        SUMMARY_NONE,
    ),
    "summary-powershell-keys.json": (lambda: utf16(powershell_json(summary_map(SUMMARY_KEYS))), SUMMARY_KEYS),
    "summary-powershell-no-keys.json": (
        lambda: utf16(powershell_json(summary_map(SUMMARY_NONE))),
        SUMMARY_NONE,
    ),
}

# Forms that cannot be decided from, each with the words its refusal must contain.
REFUSED_SAMPLES: dict[str, tuple[Callable[[], bytes], str, str]] = {
    "summary-cli-keys-output-text.txt": (
        lambda: summary_text_output(summary_map(SUMMARY_KEYS)).encode(),
        "--account-summary",
        "without their names",
    ),
    "report-cli-generated-no-zone.json": (
        lambda: cli_json(report_response(plain(ACTIVE), generated="2026-11-28 09:15")).encode(),
        "--credential-report",
        "has no time zone",
    ),
}

# A summary without AccountAccessKeysPresent: it says nothing about keys, the report decides.
PARTIAL_SUMMARY = "summary-partial-no-key-entry.json"


def partial_summary() -> bytes:
    entries = summary_map(SUMMARY_KEYS)
    kept = {key: entries[key] for key in ("AccountMFAEnabled", "AccountPasswordPresent", "Users")}
    return cli_json({"SummaryMap": kept}).encode()


def all_samples() -> dict[str, bytes]:
    samples = {name: make() for name, (make, _) in {**REPORT_SAMPLES, **SUMMARY_SAMPLES}.items()}
    samples.update({name: make() for name, (make, _, _) in REFUSED_SAMPLES.items()})
    samples[PARTIAL_SUMMARY] = partial_summary()
    return samples


def main() -> int:
    EXPORTS.mkdir(exist_ok=True)
    for name, content in all_samples().items():
        (EXPORTS / name).write_bytes(content)
    print(f"wrote {len(all_samples())} samples to {EXPORTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
