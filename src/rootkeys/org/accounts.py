"""Which accounts to audit: the whole organization, a list of ids, or an OU and everything under it."""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from root_access_keys.aws_errors import describe_failure
from root_access_keys.errors import DeadlineReachedError

from .preflight import PreflightError

ACCOUNT_ID = re.compile(r"^\d{12}$")
OU_ID = re.compile(r"^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$")
ACTIVE = "ACTIVE"
FAILURES = (ClientError, BotoCoreError, DeadlineReachedError)
# Organizations' older Status field, for responses that carry no State.
STATUS_TO_STATE = {"ACTIVE": "ACTIVE", "SUSPENDED": "SUSPENDED", "PENDING_CLOSURE": "PENDING_CLOSURE"}


@dataclass(frozen=True)
class OrgAccount:
    account_id: str
    name: str
    state: str  # ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED, PENDING_ACTIVATION, or NOT_IN_ORGANIZATION

    @property
    def active(self) -> bool:
        return self.state == ACTIVE


NOT_IN_ORGANIZATION = "NOT_IN_ORGANIZATION"


def _account(item: dict[str, Any]) -> OrgAccount:
    state = item.get("State") or STATUS_TO_STATE.get(
        str(item.get("Status")), str(item.get("Status") or "UNKNOWN")
    )
    return OrgAccount(str(item["Id"]), str(item.get("Name", "")), str(state))


def _paged(organizations: Any, operation: str, key: str, **parameters: str) -> list[dict[str, Any]]:
    pages = organizations.get_paginator(operation).paginate(**parameters)
    return [item for page in pages for item in page.get(key, [])]


def list_all_accounts(organizations: Any) -> list[OrgAccount]:
    try:
        return [_account(item) for item in _paged(organizations, "list_accounts", "Accounts")]
    except FAILURES as error:
        raise PreflightError(describe_failure(error, "organizations:ListAccounts")) from error


def accounts_under(organizations: Any, parent_id: str) -> list[OrgAccount]:
    """Every account in the OU (or root) and in all OUs below it."""
    found: list[OrgAccount] = []
    pending = [parent_id]
    seen: set[str] = set()
    try:
        while pending:
            parent = pending.pop()
            if parent in seen:
                continue
            seen.add(parent)
            found += [
                _account(item)
                for item in _paged(organizations, "list_accounts_for_parent", "Accounts", ParentId=parent)
            ]
            pending += [
                str(item["Id"])
                for item in _paged(
                    organizations,
                    "list_organizational_units_for_parent",
                    "OrganizationalUnits",
                    ParentId=parent,
                )
            ]
    except FAILURES as error:
        cause = describe_failure(error, "organizations:ListAccountsForParent")
        raise PreflightError(f"Cannot list the accounts under {parent_id}: {cause}") from error
    return sorted(found, key=lambda account: account.account_id)


def parse_account_ids(text: str) -> list[str]:
    """--accounts: comma-separated 12-digit ids; raises ValueError naming the bad one."""
    ids = [part.strip() for part in text.split(",") if part.strip()]
    if not ids:
        raise ValueError("no account id given")
    for account_id in ids:
        if not ACCOUNT_ID.match(account_id):
            raise ValueError(f"not a 12-digit account id: {account_id[:40]!r}")
    return list(dict.fromkeys(ids))


def parse_ou_id(text: str) -> str:
    if not OU_ID.match(text.strip()):
        raise ValueError(f"not an organizational unit id (ou-...) or root id (r-...): {text[:60]!r}")
    return text.strip()


def select_accounts(
    organizations: Any, *, account_ids: Sequence[str] | None = None, ou_id: str | None = None
) -> list[OrgAccount]:
    """The accounts in scope, in a stable order. Ids that are not in the organization are kept, as
    accounts in state NOT_IN_ORGANIZATION (reported, never audited, never dropped)."""
    if ou_id is not None:
        return accounts_under(organizations, ou_id)
    everyone = list_all_accounts(organizations)
    if not account_ids:
        return sorted(everyone, key=lambda account: account.account_id)
    by_id = {account.account_id: account for account in everyone}
    return [
        by_id.get(account_id, OrgAccount(account_id, "", NOT_IN_ORGANIZATION)) for account_id in account_ids
    ]


def describe_scope(account_ids: Iterable[str] | None, ou_id: str | None) -> str:
    if ou_id is not None:
        return f"organizational unit {ou_id} and everything under it"
    if account_ids:
        return "accounts " + ", ".join(account_ids)
    return "every account of the organization"
