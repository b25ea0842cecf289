"""Organization deployments: refuse, cheaply and visibly, events for accounts outside the organization.

AWS Config invokes the central function from every member account, so its invoke permission
cannot name one SourceAccount; Lambda's permission accepts a SourceArn only with a literal
account, and PrincipalOrgID matches IAM principals, never a service principal. So any AWS
account could point a custom rule at the function. Such an event would fail at sts:AssumeRole
(the function's role may assume roles inside the organization only) and raise the Errors alarm,
hiding real failures. The function tells these events apart first:
- the ExecutionRoleName the event asks for must be the one the deployment configured (no AWS
  call);
- the evaluated account must be in the organization's account list (organizations:ListAccounts,
  cached in the warm execution environment; refreshed every 10 minutes, and at most once every
  5 minutes when an unknown account shows up, so outsiders cannot make it call AWS at will).
A refused event is logged with its own message and reason and counted by the template's metric
filter (OutsideOrganizationEvents); the invocation ends without an error and records nothing.
If the account list cannot be read, the event is evaluated as before: this is a filter against
noise, not the security boundary (that is aws:ResourceOrgID on the function role's AssumeRole).

Configured by the organization template through the environment: ROOTKEYS_ORGANIZATION_ID and
ROOTKEYS_EXECUTION_ROLE_NAME. Without them (single account, rdk deployments) nothing is checked.
"""

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .aws_errors import describe_failure
from .config_event import ScheduledEvent
from .errors import DeadlineReachedError
from .spec import RuleParameters

ORGANIZATION_ID_VARIABLE = "ROOTKEYS_ORGANIZATION_ID"
EXECUTION_ROLE_VARIABLE = "ROOTKEYS_EXECUTION_ROLE_NAME"
REFRESH_SECONDS = 600.0
MISS_REFRESH_SECONDS = 300.0
REFUSED_MESSAGE = "event refused: account outside the organization"


@dataclass(frozen=True)
class OrganizationScope:
    organization_id: str
    execution_role_name: str | None

    @classmethod
    def from_environment(cls) -> "OrganizationScope | None":
        organization_id = os.environ.get(ORGANIZATION_ID_VARIABLE, "").strip()
        if not organization_id:
            return None
        role = os.environ.get(EXECUTION_ROLE_VARIABLE, "").strip() or None
        return cls(organization_id, role)


class MemberAccounts:
    """The organization's account ids, cached for the life of the execution environment."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._accounts: frozenset[str] | None = None
        self._loaded_at = 0.0
        self._lock = threading.Lock()
        self.error: str | None = None  # why the last load failed

    def contains(self, account_id: str, organizations: Callable[[], Any]) -> bool | None:
        """True or False; None when the list cannot be read (the caller then evaluates anyway)."""
        with self._lock:
            now = self._clock()
            stale = self._accounts is None or now - self._loaded_at > REFRESH_SECONDS
            missing = self._accounts is not None and account_id not in self._accounts
            if stale or (missing and now - self._loaded_at > MISS_REFRESH_SECONDS):
                self._load(organizations())
                self._loaded_at = now
            return None if self._accounts is None else account_id in self._accounts

    def _load(self, organizations: Any) -> None:
        try:
            pages = organizations.get_paginator("list_accounts").paginate()
            self._accounts = frozenset(
                account["Id"] for page in pages for account in page.get("Accounts", [])
            )
            self.error = None
        except (ClientError, BotoCoreError, DeadlineReachedError) as error:
            self.error = describe_failure(error, "organizations:ListAccounts")


def refusal(
    scope: OrganizationScope,
    scheduled: ScheduledEvent,
    parameters: RuleParameters,
    members: MemberAccounts,
    organizations: Callable[[], Any],
) -> str | None:
    """Why the event is outside this deployment, or None when it may be evaluated."""
    if scope.execution_role_name and parameters.execution_role_name != scope.execution_role_name:
        return (
            f"the event asks for execution role {str(parameters.execution_role_name)[:64]!r}, "
            f"not {scope.execution_role_name!r}"
        )
    if members.contains(scheduled.account_id, organizations) is False:
        return f"account {scheduled.account_id} is not in organization {scope.organization_id}"
    return None
