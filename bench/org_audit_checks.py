"""The correctness checks of the org-audit benchmark, on plain data (no server, no timing).

- verdicts: every account of the JSON document has the status, verdict and reason its root state
  calls for, and lists exactly its own root access key ids;
- isolation: every request the server served for a member, other than sts:AssumeRoot itself, was
  signed with the one root session AssumeRoot issued for that member in this run, and that
  session did read the member's keys (a session borrowed by another account's audit would show
  up as a member whose own session read nothing);
- untouched: nothing acted on a suspended member, and on a member AssumeRoot is denied for
  nothing but the refused AssumeRoot;
- leaks: no credential AssumeRoot issued appears in anything the command printed.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .org_audit_fleet import Expected


@dataclass(frozen=True)
class ServedRequest:
    """One request as the emulated server served it."""

    service: str
    action: str
    access_key: str  # the signing key id (SigV4 Authorization header)
    account: str  # the account acted on: the member for a root session, the target for AssumeRoot
    status: int


@dataclass(frozen=True)
class IssuedSession:
    """A root session AssumeRoot issued (its key id; the secrets stay in the server process)."""

    access_key_id: str
    account: str


def verdict_mismatches(
    document: Mapping[str, Any], expected: Mapping[str, Expected], key_ids: Mapping[str, Iterable[str]]
) -> list[str]:
    """Accounts whose row differs from what their root state calls for; missing and extra rows too."""
    problems = []
    rows = {str(row["account_id"]): row for row in document.get("accounts", [])}
    for account in sorted(set(expected) - set(rows)):
        problems.append(f"{account}: missing from the output")
    for account in sorted(set(rows) - set(expected)):
        problems.append(f"{account}: in the output but not in scope")
    for account, want in expected.items():
        row = rows.get(account)
        if row is None:
            continue
        got = Expected(row.get("status"), row.get("compliance"), row.get("reason"))
        if got != want:
            problems.append(
                f"{account}: {got.status} {got.compliance} {got.reason}, "
                f"expected {want.status} {want.compliance} {want.reason}"
            )
        if want.status == "audited" and row.get("method") == "AssumeRoot":
            listed = {key["access_key_id"] for key in (row.get("credentials") or {}).get("access_keys", [])}
            own = set(key_ids.get(account, ()))
            if listed != own:
                problems.append(f"{account}: lists key ids {sorted(listed)}, its root holds {sorted(own)}")
    return problems


def cross_account_uses(
    members: Iterable[str],
    requests: Iterable[ServedRequest],
    sessions: Iterable[IssuedSession],
    *,
    reads: str = "ListAccessKeys",
) -> list[str]:
    """Members audited through AssumeRoot whose requests were not all signed by their own session."""
    problems = []
    issued: dict[str, list[str]] = defaultdict(list)
    for session in sessions:
        issued[session.account].append(session.access_key_id)
    served: dict[str, list[ServedRequest]] = defaultdict(list)
    for request in requests:
        served[request.account].append(request)
    for account in members:
        keys = issued.get(account, [])
        if len(keys) != 1:
            problems.append(f"{account}: {len(keys)} root sessions issued, expected 1")
            continue
        own = keys[0]
        for request in served.get(account, []):
            if request.action == "AssumeRoot":
                continue
            if request.access_key != own:
                action, signer = f"{request.service}:{request.action}", request.access_key or "no key"
                problems.append(f"{account}: {action} signed with {signer}, not its own root session")
        if not any(r.access_key == own and r.action == reads for r in served.get(account, [])):
            problems.append(f"{account}: its own root session never called {reads}")
    return problems


def untouched_accounts(
    accounts: Iterable[str], requests: Iterable[ServedRequest], *, allowed: Iterable[str] = ("AssumeRoot",)
) -> list[str]:
    """Requests acting on accounts that must be left alone (suspended, AssumeRoot denied), other
    than the `allowed` actions (a denied member's refused AssumeRoot)."""
    wanted, allowed = set(accounts), set(allowed)
    return [
        f"{request.account}: {request.service}:{request.action} served, expected none"
        for request in requests
        if request.account in wanted and request.action not in allowed
    ]


def leaked_credentials(texts: Iterable[str], secrets: Mapping[str, str]) -> list[str]:
    """The names (never the values) of the secrets found in any of the texts."""
    joined = "\n".join(texts)
    return sorted(name for name, value in secrets.items() if value and value in joined)
