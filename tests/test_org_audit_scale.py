"""`rootkeys org-audit` over an organization of 1,000 member accounts (the size the project is
designed for), end to end through the CLI on the emulated organization: every account listed
across ListAccounts pages, audited exactly once in its own root session, with the right verdict,
and the same accounts in the JSON, CSV and HTML outputs. Speed is measured in `make bench`, not here.
"""

import csv
import json
from collections import Counter

from rootkeys.cli import main
from rootkeys_dev.emulator import RootKey, RootState

MEMBERS = 1000
# moto's ListAccounts pages hold 100 accounts (AWS's hold at most 20): 1,001 accounts take 11 pages.
LIST_ACCOUNTS_PAGE = 100


def root_state(number: int) -> RootState:
    """Every seventh member has an active key, every eleventh (otherwise) an inactive one."""
    if number % 7 == 0:
        return RootState(keys=[RootKey(active=True)])
    if number % 11 == 0:
        return RootState(keys=[RootKey(active=False)])
    return RootState()


def expected_verdict(number: int) -> str:
    return "NON_COMPLIANT" if number % 7 == 0 or number % 11 == 0 else "COMPLIANT"


def test_a_thousand_members_each_audited_once_in_its_own_session(org_of_a_thousand, capsys, caplog, tmp_path):
    org, model = org_of_a_thousand, org_of_a_thousand.model
    assert len(org.member_ids) == MEMBERS
    for number, account in enumerate(org.member_ids):
        model.set_root(account, root_state(number))
    csv_path, html_path = tmp_path / "inventory.csv", tmp_path / "report.html"

    code = main(
        ["org-audit", "--region", org.region, "--json", "--csv", str(csv_path), "--html", str(html_path)]
    )
    out, err = capsys.readouterr()
    # The clients shared by the workers hold a connection for each (botocore's default pool is 10).
    assert [r.getMessage() for r in caplog.records if "Connection pool is full" in r.getMessage()] == []

    document = json.loads(out)
    non_compliant = sum(expected_verdict(number) == "NON_COMPLIANT" for number in range(MEMBERS))
    assert document["summary"] == {
        "accounts": MEMBERS + 1,
        "compliant": MEMBERS + 1 - non_compliant,
        "non_compliant": non_compliant,
        "could_not_audit": 0,
        "skipped": 0,
    }
    assert code == 1
    rows = {row["account_id"]: row for row in document["accounts"]}
    assert len(rows) == len(document["accounts"]) == MEMBERS + 1
    for number, account in enumerate(org.member_ids):
        assert rows[account]["compliance"] == expected_verdict(number), (number, rows[account])
        assert rows[account]["method"] == "AssumeRoot"
    assert rows[org.management_account_id]["method"] == "caller"

    requests = model.requests()
    assume_root = Counter(entry.account for entry in requests if entry.action == "AssumeRoot")
    assert assume_root == Counter({account: 1 for account in org.member_ids})
    list_accounts = [entry for entry in requests if entry.action == "ListAccounts"]
    assert len(list_accounts) == -(-(MEMBERS + 1) // LIST_ACCOUNTS_PAGE)
    assert len(model.sessions()) == MEMBERS
    for account in org.member_ids:
        assert model.requests_not_signed_by_root_session(account) == [], account
    served_for = Counter(
        (entry.access_key, entry.account) for entry in requests if entry.service == "iam" and entry.account
    )
    keys_used_for_two_accounts = Counter(key for key, _account in served_for)
    assert [key for key, count in keys_used_for_two_accounts.items() if count > 1] == []

    csv_rows = list(csv.DictReader(csv_path.open()))
    assert sorted(row["account_id"] for row in csv_rows) == sorted(rows)
    assert {row["account_id"]: row["verdict"] for row in csv_rows} == {
        account: row["compliance"] for account, row in rows.items()
    }
    page = html_path.read_text()
    assert all(page.count(account) >= 1 for account in rows)

    secrets = [
        value
        for session in model.sessions()
        for value in (session.secret_access_key, session.session_token[:40], session.access_key_id)
    ]
    outputs = out + err + csv_path.read_text() + page
    assert [secret for secret in secrets if secret in outputs] == []
