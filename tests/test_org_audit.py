"""`rootkeys org-audit` end to end on the emulated organization (moto over HTTP, AssumeRoot modelled).

Every verdict row, the preflight failures, a SUSPENDED member, AssumeRoot denied for one member of
50, throttling bursts, the management account row, and that each member's IAM requests were signed
only with that member's own AssumeRoot credentials (checked at the server).
"""

import csv
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from root_access_keys.spec import RuleParameters

from rootkeys.cli import main
from rootkeys.org.audit import OrgAuditOptions, OrgAuditor, exit_code
from rootkeys.org.inventory import AuditStatus, Inventory, Method
from rootkeys_dev.emulator import RootCertificate, RootKey, RootMfaDevice, RootState

pytestmark = pytest.mark.server
USED = datetime(2026, 11, 20, 14, 5, tzinfo=UTC)


def audit(org, parameters=None, **options):
    settings = OrgAuditOptions(parameters=parameters or RuleParameters(), region=org.region, **options)
    return OrgAuditor(settings).run()


def by_id(inventory: Inventory):
    return {account.account_id: account for account in inventory.accounts}


def run_cli(capsys, *args):
    code = main(["org-audit", "--region", "us-east-1", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_every_verdict_row(org_emulator):
    org, model = org_emulator, org_emulator.model
    active = org.member("log-archive")
    inactive = org.member("security-tooling")
    bare = org.member("prod-app")
    password_only = org.member("dev-app")
    model.set_root(active, RootState(keys=[RootKey(True, last_used=USED, last_used_service="s3")], mfa=True))
    model.set_root(inactive, RootState(keys=[RootKey(False)], password=True, mfa=False))
    model.set_root(bare, RootState(keys=[], password=False, mfa=False))
    model.set_root(password_only, RootState(keys=[], password=True, mfa=True))
    inventory = audit(org)
    rows = by_id(inventory)

    assert rows[active].compliance == "NON_COMPLIANT"
    assert rows[active].method is Method.ASSUME_ROOT
    [key] = rows[active].credentials.access_keys
    assert key.access_key_id.startswith("AKIA") and key.status == "Active"
    assert key.last_used == USED and key.last_used_service == "s3"
    assert "sts:AssumeRoot" in rows[active].annotation
    assert rows[active].credentials.has_mfa is True

    assert rows[inactive].compliance == "NON_COMPLIANT"
    assert rows[inactive].inactive_keys == 1
    assert rows[inactive].credentials.password is True
    assert rows[bare].compliance == "COMPLIANT"
    assert rows[bare].reason == "no_root_credentials"
    assert rows[password_only].compliance == "COMPLIANT"
    assert rows[password_only].reason == "no_key"

    suspended = rows[org.member("old-sandbox")]
    assert suspended.status is AuditStatus.SKIPPED
    assert suspended.compliance is None
    assert "SUSPENDED" in suspended.notes[0]

    management = rows[org.management_account_id]
    assert management.method is Method.CALLER
    assert management.status is AuditStatus.AUDITED
    assert "caller's own credentials" in management.notes[0]
    assert exit_code(inventory) == 1


def test_the_same_options_as_the_rule_change_the_verdict(org_emulator):
    org, model = org_emulator, org_emulator.model
    inactive = org.member("security-tooling")
    certificate = org.member("prod-app")
    bare = org.member("dev-app")
    model.set_root(inactive, RootState(keys=[RootKey(False)]))
    model.set_root(
        certificate, RootState(keys=[], certificates=[RootCertificate()], password=False, mfa=False)
    )
    model.set_root(bare, RootState(keys=[], password=False, mfa=False))
    parameters = RuleParameters(
        ignore_inactive_keys=True,
        include_signing_certificates=True,
        root_without_credentials="NOT_APPLICABLE",
    )
    rows = by_id(audit(org, parameters))
    assert rows[inactive].compliance == "COMPLIANT"
    assert rows[inactive].reason == "inactive_keys_accepted"
    assert rows[certificate].compliance == "NON_COMPLIANT"
    assert rows[certificate].reason == "signing_certificates"
    assert rows[bare].compliance == "NOT_APPLICABLE"


def test_each_members_requests_are_signed_only_with_its_own_root_session(org_emulator):
    org, model = org_emulator, org_emulator.model
    for account in org.member_ids:
        model.set_root(account, RootState(keys=[RootKey(True)], mfa=[RootMfaDevice()]))
    audit(org, concurrency=4)
    audited = [account for account in org.member_ids if account != org.member("old-sandbox")]
    for account in audited:
        assert model.requests_not_signed_by_root_session(account) == []
        assert len(model.sessions(account)) == 1  # one short root session per member
        [session] = model.sessions(account)
        assert session.task_policy.endswith("IAMAuditRootUserCredentials")
        assert 0 < session.duration_seconds <= 900
    actions = {(entry.service, entry.action) for entry in model.requests() if entry.service == "iam"}
    assert actions <= {
        ("iam", "ListAccessKeys"),
        ("iam", "GetAccessKeyLastUsed"),
        ("iam", "ListSigningCertificates"),
        ("iam", "ListMFADevices"),
        ("iam", "GetLoginProfile"),
        ("iam", "ListOrganizationsFeatures"),
        ("iam", "GetAccountSummary"),
        ("iam", "GetCredentialReport"),
        ("iam", "GenerateCredentialReport"),
    }


def test_a_denied_member_is_could_not_audit_and_the_others_finish(org_emulator):
    org, model = org_emulator, org_emulator.model
    denied = org.member("prod-app")
    model.deny_assume_root(denied)
    inventory = audit(org)
    rows = by_id(inventory)
    assert rows[denied].status is AuditStatus.COULD_NOT_AUDIT
    assert "sts:AssumeRoot denied" in rows[denied].error
    assert rows[denied].compliance is None
    others = [row for account, row in rows.items() if account != denied and row.status is AuditStatus.AUDITED]
    assert len(others) == 4  # three members and the management account
    assert exit_code(inventory) == 2


def test_assume_root_denied_for_one_member_of_fifty(org_of_fifty):
    org, model = org_of_fifty, org_of_fifty.model
    for number, account in enumerate(org.member_ids):
        model.set_root(account, RootState(keys=[RootKey(active=number % 3 == 0)] if number % 2 else []))
    denied = org.member_ids[17]
    model.deny_assume_root(denied)
    inventory = audit(org, concurrency=8)
    rows = by_id(inventory)
    assert len(rows) == 51
    assert rows[denied].status is AuditStatus.COULD_NOT_AUDIT
    assert "sts:AssumeRoot denied" in rows[denied].error
    assert inventory.summary()["could_not_audit"] == 1
    for number, account in enumerate(org.member_ids):
        if account != denied:
            assert rows[account].compliance == ("NON_COMPLIANT" if number % 2 else "COMPLIANT"), number
            assert model.requests_not_signed_by_root_session(account) == []
    assert exit_code(inventory) == 2


def test_throttling_bursts_are_retried_away(org_emulator, quick_backoff):
    org, model = org_emulator, org_emulator.model
    model.throttle(3, action="AssumeRoot")
    model.throttle(2, action="ListAccessKeys")
    inventory = audit(org, concurrency=2)
    assert inventory.summary()["could_not_audit"] == 0
    assert inventory.summary()["compliant"] == 5


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (
            lambda model: model.features.discard("RootCredentialsManagement"),
            "Centralized root access is not enabled",
        ),
        (lambda model: model.set_trusted_access(False), "Trusted access for IAM is not enabled"),
    ],
)
def test_preflight_failures_stop_before_any_root_session(org_emulator, capsys, setup, message):
    setup(org_emulator.model)
    code, out, err = run_cli(capsys)
    assert code == 2
    assert out == ""
    assert message in err
    assert org_emulator.model.sessions() == []


def test_outside_an_organization_nothing_is_audited(org_server, monkeypatch, capsys):
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(f"{org_server}/moto-api/reset", method="POST"), timeout=10)
    monkeypatch.setenv("AWS_ENDPOINT_URL", org_server)
    code, _out, err = run_cli(capsys)
    assert code == 2
    assert "not in an AWS Organization" in err


def test_scope_by_accounts_and_by_ou(org_emulator):
    org = org_emulator
    chosen = [org.member("dev-app"), "999999999999"]
    rows = audit(org, account_ids=chosen).accounts
    assert [row.account_id for row in rows] == chosen
    assert rows[1].status is AuditStatus.SKIPPED
    assert rows[1].state == "NOT_IN_ORGANIZATION"
    under_workloads = audit(org, ou_id=org.ou_ids["Workloads"]).accounts
    assert {row.account_id for row in under_workloads} == {org.member("prod-app"), org.member("dev-app")}


def test_json_csv_and_html_outputs_agree(org_emulator, capsys, tmp_path):
    org = org_emulator
    org.model.set_root(
        org.member("log-archive"), RootState(keys=[RootKey(True, created=datetime(2020, 1, 1, tzinfo=UTC))])
    )
    csv_path, html_path = tmp_path / "inventory.csv", tmp_path / "report.html"
    code, out, err = run_cli(capsys, "--json", "--csv", str(csv_path), "--html", str(html_path))
    document = json.loads(out)
    assert code == 1
    assert document["kind"] == "rootkeys.org-audit"
    assert document["summary"] == {
        "accounts": 6,
        "compliant": 4,
        "non_compliant": 1,
        "could_not_audit": 0,
        "skipped": 1,
    }
    rows = list(csv.DictReader(csv_path.open()))
    assert {row["account_id"] for row in rows} == {a["account_id"] for a in document["accounts"]}
    [flagged] = [row for row in rows if row["verdict"] == "NON_COMPLIANT"]
    assert flagged["access_key_ids"].startswith("AKIA")
    assert int(flagged["oldest_key_age_days"]) > 365 * 6
    page = html_path.read_text()
    assert document["run"]["organization_id"] in page
    assert "1 non-compliant" in err  # the summary line goes to stderr


def test_no_credential_or_token_reaches_any_output(org_emulator, capsys, tmp_path):
    org = org_emulator
    org.model.set_root(org.member("log-archive"), RootState(keys=[RootKey(True)]))
    csv_path, html_path = tmp_path / "inventory.csv", tmp_path / "report.html"
    run_cli(capsys, "--json", "--csv", str(csv_path), "--html", str(html_path))
    out, err = capsys.readouterr()
    outputs = out + err + csv_path.read_text() + html_path.read_text()
    _code, table, table_err = run_cli(capsys)
    outputs += table + table_err
    secrets = [
        value
        for session in org.model.sessions()
        for value in (session.secret_access_key, session.session_token[:40], session.access_key_id)
    ]
    assert secrets
    assert [secret for secret in secrets if secret in outputs] == []


def test_the_table_has_a_row_per_account_and_a_summary_line(org_emulator, capsys):
    code, out, _ = run_cli(capsys)
    assert code == 0
    for account in [*org_emulator.member_ids, org_emulator.management_account_id]:
        assert account in out
    assert "6 accounts: 5 compliant, 0 non-compliant, 0 could not be audited, 1 skipped" in out


key_states = st.lists(st.booleans(), max_size=2)
fleet_states = st.lists(
    st.tuples(key_states, st.booleans(), st.booleans()), min_size=4, max_size=4
)  # (key active flags, password, certificate) per member


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fleet=fleet_states, ignore=st.booleans(), certificates=st.booleans())
def test_no_account_with_a_counted_key_is_ever_compliant(org_emulator, fleet, ignore, certificates):
    org, model = org_emulator, org_emulator.model
    members = [account for account in org.member_ids if account != org.member("old-sandbox")]
    for account, (keys, password, certificate) in zip(members, fleet, strict=True):
        model.set_root(
            account,
            RootState(
                keys=[RootKey(active, created=datetime.now(UTC) - timedelta(days=30)) for active in keys],
                password=password,
                certificates=[RootCertificate()] if certificate else [],
            ),
        )
    parameters = RuleParameters(ignore_inactive_keys=ignore, include_signing_certificates=certificates)
    rows = by_id(audit(org, parameters, concurrency=4))
    for account, (keys, _password, certificate) in zip(members, fleet, strict=True):
        counted = any(active or not ignore for active in keys) or (certificates and certificate)
        row = rows[account]
        assert row.status is AuditStatus.AUDITED
        if counted:
            assert row.compliance == "NON_COMPLIANT", (keys, certificate, row.annotation)
        else:
            assert row.compliance in {"COMPLIANT", "NOT_APPLICABLE"}
