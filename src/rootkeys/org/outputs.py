"""org-audit's outputs besides the HTML report: the terminal table, JSON and CSV.

Every output is made from `Inventory` (JSON from `Inventory.to_json()`, the one document form).
No credential is in the inventory, so none can reach an output.
"""

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.table import Table

from .inventory import AccountResult, AuditStatus, Inventory

VERDICT_STYLES = {
    "COMPLIANT": "green",
    "NOT_APPLICABLE": "green",
    "NON_COMPLIANT": "bold red",
    "COULD NOT AUDIT": "bold yellow",
    "SKIPPED": "dim",
}
CSV_COLUMNS = (
    "account_id",
    "name",
    "state",
    "verdict",
    "reason",
    "active_keys",
    "inactive_keys",
    "oldest_key_age_days",
    "last_key_use",
    "access_key_ids",
    "signing_certificates",
    "console_password",
    "mfa",
    "method",
    "notes",
    "annotation",
)


def verdict(account: AccountResult) -> str:
    if account.status is AuditStatus.AUDITED:
        return str(account.compliance)
    return "COULD NOT AUDIT" if account.status is AuditStatus.COULD_NOT_AUDIT else "SKIPPED"


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _day(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d") if moment else ""


def row(account: AccountResult, now: datetime) -> dict[str, str]:
    """One account as text cells (shared by the table and the CSV)."""
    credentials = account.credentials
    age = account.oldest_key_age_days(now)
    notes = [*account.notes, *([account.error] if account.error else [])]
    return {
        "account_id": account.account_id,
        "name": account.name,
        "state": account.state,
        "verdict": verdict(account),
        "reason": account.reason or "",
        "active_keys": "" if account.active_keys is None else str(account.active_keys),
        "inactive_keys": "" if account.inactive_keys is None else str(account.inactive_keys),
        "oldest_key_age_days": "" if age is None else str(age),
        "last_key_use": _day(account.last_key_use),
        "access_key_ids": " ".join(
            f"{key.access_key_id}({key.status})"
            for key in (credentials.access_keys if credentials else ())
            if key.access_key_id
        ),
        "signing_certificates": "" if credentials is None else str(len(credentials.signing_certificates)),
        "console_password": _yes_no(credentials.password if credentials else None),
        "mfa": _yes_no(credentials.has_mfa if credentials else None),
        "method": account.method.value,
        "notes": "; ".join(notes),
        "annotation": account.annotation or "",
    }


def summary_line(inventory: Inventory) -> str:
    counts = inventory.summary()
    return (
        f"{counts['accounts']} accounts: {counts['compliant']} compliant, {counts['non_compliant']} "
        f"non-compliant, {counts['could_not_audit']} could not be audited, {counts['skipped']} skipped "
        f"(organization {inventory.run.organization_id})"
    )


def print_table(inventory: Inventory, console: Console) -> None:
    table = Table(title="Root credentials by account", show_lines=False)
    headers = (
        ("account id", "account_id"),
        ("name", "name"),
        ("verdict", "verdict"),
        ("active keys", "active_keys"),
        ("inactive keys", "inactive_keys"),
        ("oldest key (days)", "oldest_key_age_days"),
        ("last use", "last_key_use"),
        ("certificates", "signing_certificates"),
        ("password", "console_password"),
        ("MFA", "mfa"),
        ("notes", "notes"),
    )
    for title, _ in headers:
        table.add_column(title, overflow="fold")
    for account in inventory.accounts:
        cells = row(account, inventory.run.finished_at)
        style = VERDICT_STYLES.get(cells["verdict"], "")
        values = [cells[key] for _, key in headers]
        values[2] = f"[{style}]{values[2]}[/]" if style else values[2]
        table.add_row(*values)
    console.print(table)
    console.print(summary_line(inventory))


def write_json(inventory: Inventory, stream: IO[str]) -> None:
    json.dump(inventory.to_json(), stream, indent=2)
    stream.write("\n")


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection): account
# names come from whoever created the account.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _csv_rows(inventory: Inventory) -> Iterator[dict[str, Any]]:
    for account in inventory.accounts:
        yield {key: _safe_cell(value) for key, value in row(account, inventory.run.finished_at).items()}


def write_csv(inventory: Inventory, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(_csv_rows(inventory))
