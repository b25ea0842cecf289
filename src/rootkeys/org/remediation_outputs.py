"""org-remediate's terminal output: one row per account and a one-line summary."""

from rich.console import Console
from rich.table import Table

from .remediate import Outcome, RemediationReport

STYLES = {
    Outcome.CLEAN: "green",
    Outcome.NOT_CLEAN: "bold red",
    Outcome.STALE: "bold yellow",
    Outcome.FAILED: "bold red",
    Outcome.WOULD_DELETE: "cyan",
    Outcome.NOTHING_PLANNED: "dim",
    Outcome.SKIPPED: "dim",
}


def summary_line(report: RemediationReport) -> str:
    counts = {name: count for name, count in report.counts().items() if count}
    what = ", ".join(f"{count} {name}" for name, count in counts.items()) or "no account in scope"
    mode = "applied" if report.applied else "dry run, nothing changed"
    return f"{len(report.accounts)} accounts ({mode}): {what}"


def print_remediation(report: RemediationReport, console: Console) -> None:
    table = Table(title="Root credential removal" if report.applied else "Root credential removal (dry run)")
    for title in ("account id", "name", "outcome", "credentials", "details"):
        table.add_column(title, overflow="fold")
    for account in report.accounts:
        style = STYLES[account.outcome]
        if account.actions:
            credentials = "\n".join(
                f"{action.credential_type} {action.credential_id}: {action.result}"
                for action in account.actions
            )
        else:
            credentials = "\n".join(credential.describe() for credential in account.planned)
        table.add_row(
            account.account_id,
            account.name,
            f"[{style}]{account.outcome.value}[/]",
            credentials,
            "\n".join(account.details),
        )
    console.print(table)
    console.print(summary_line(report))
