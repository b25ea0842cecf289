"""`rootkeys org-remediate` on the emulated organization: plan, review, apply.

The emulator's IAMDeleteRootUserCredentials sessions allow exactly what that task policy allows
(anything else is AccessDenied, as AWS would answer), and deletions change the modelled root.
"""

import copy
import json
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from root_access_keys.spec import RuleParameters

from rootkeys.cli import main
from rootkeys.org.audit import OrgAuditOptions, OrgAuditor
from rootkeys.org.plan import Scope
from rootkeys.org.remediate import AuditTrail, OrgRemediateOptions, OrgRemediator, Outcome, exit_code
from rootkeys_dev.emulator import RootCertificate, RootKey, RootMfaDevice, RootState

pytestmark = pytest.mark.server


def make_plan(org, tmp_path, parameters=None, name="plan.json"):
    inventory = OrgAuditor(OrgAuditOptions(parameters or RuleParameters(), region=org.region)).run()
    path = tmp_path / name
    path.write_text(json.dumps(inventory.to_json()))
    return path


def remediate(path, *, apply=False, trail=None, parameters=None, **options):
    settings = OrgRemediateOptions(
        plan_path=path, parameters=parameters or RuleParameters(), apply=apply, region="us-east-1", **options
    )
    return OrgRemediator(settings, trail=trail).run()


def snapshot(model, accounts):
    """Each root's credentials as comparable sets."""
    state = {}
    for account in accounts:
        root = model.root(account)
        state[account] = {
            "keys": {(key.access_key_id, key.active) for key in root.keys},
            "certificates": {certificate.certificate_id for certificate in root.signing_certificates},
            "mfa": {device.serial_number for device in root.mfa_devices},
            "password": root.password,
        }
    return state


def outcomes(report):
    return {account.account_id: account for account in report.accounts}


@pytest.fixture
def keyed(org_emulator):
    """Three members with root keys (one also with a certificate, a password and MFA)."""
    org, model = org_emulator, org_emulator.model
    model.set_root(org.member("log-archive"), RootState(keys=[RootKey(True), RootKey(False)]))
    model.set_root(
        org.member("prod-app"),
        RootState(
            keys=[RootKey(True)], certificates=[RootCertificate()], password=True, mfa=[RootMfaDevice()]
        ),
    )
    model.set_root(org.member("dev-app"), RootState(keys=[RootKey(False)]))
    return org


def test_a_dry_run_shows_the_plan_and_changes_nothing(keyed, tmp_path):
    model = keyed.model
    plan = make_plan(keyed, tmp_path)
    before = snapshot(model, keyed.member_ids)
    model.clear_requests()
    report = remediate(plan)
    assert snapshot(model, keyed.member_ids) == before
    assert model.sessions() == [] or all(
        s.task_policy != "IAMDeleteRootUserCredentials" for s in model.sessions()
    )
    assert [
        entry for entry in model.requests() if entry.service == "iam" and entry.action.startswith("Delete")
    ] == []
    rows = outcomes(report)
    assert rows[keyed.member("log-archive")].outcome is Outcome.WOULD_DELETE
    assert len(rows[keyed.member("log-archive")].planned) == 2
    assert rows[keyed.member("security-tooling")].outcome is Outcome.NOTHING_PLANNED
    assert rows[keyed.member("old-sandbox")].outcome is Outcome.SKIPPED
    assert rows[keyed.management_account_id].outcome is Outcome.SKIPPED
    assert "management account" in rows[keyed.management_account_id].details[0]
    assert exit_code(report) == 0


def test_apply_deletes_exactly_the_planned_keys_and_audits_again(keyed, tmp_path):
    model = keyed.model
    plan = make_plan(keyed, tmp_path)
    before = snapshot(model, keyed.member_ids)
    report = remediate(plan, apply=True)
    after = snapshot(model, keyed.member_ids)
    rows = outcomes(report)
    for account in keyed.member_ids:
        assert after[account]["keys"] == set()
        # Only access keys were in scope: certificates, password and MFA are untouched.
        assert after[account]["certificates"] == before[account]["certificates"]
        assert after[account]["mfa"] == before[account]["mfa"]
        assert after[account]["password"] == before[account]["password"]
    for name in ("log-archive", "prod-app", "dev-app"):
        assert rows[keyed.member(name)].outcome is Outcome.CLEAN
    assert exit_code(report) == 0
    prod = rows[keyed.member("prod-app")]
    assert [(a.credential_type, a.result) for a in prod.actions] == [("access_key", "deleted")]


def test_apply_on_fifty_mixed_accounts_deletes_exactly_the_planned_ids(org_of_fifty, tmp_path):
    org, model = org_of_fifty, org_of_fifty.model
    for number, account in enumerate(org.member_ids):
        keys = [RootKey(number % 3 != 0)] * (number % 3) if number % 4 else []
        model.set_root(
            account, RootState(keys=list(keys), certificates=[RootCertificate()] if number % 5 == 0 else [])
        )
    plan = make_plan(org, tmp_path, RuleParameters(ignore_inactive_keys=True))
    planned = json.loads(plan.read_text())
    expected_deleted = {
        (account["account_id"], key["access_key_id"])
        for account in planned["accounts"]
        for key in (account["credentials"] or {}).get("access_keys", [])
        if key["status"] == "Active"
    }
    before = snapshot(model, org.member_ids)
    report = remediate(plan, apply=True, parameters=RuleParameters(ignore_inactive_keys=True), concurrency=8)
    after = snapshot(model, org.member_ids)
    deleted = {
        (account, key_id)
        for account in org.member_ids
        for key_id, _active in before[account]["keys"] - after[account]["keys"]
    }
    assert deleted == expected_deleted
    for account in org.member_ids:
        assert after[account]["certificates"] == before[account]["certificates"]
        assert all(not active for _key, active in after[account]["keys"])  # inactive ones were accepted
    assert {row.outcome for row in report.accounts} <= {
        Outcome.CLEAN,
        Outcome.NOTHING_PLANNED,
        Outcome.SKIPPED,
    }
    assert exit_code(report) == 0


def test_a_key_created_after_the_plan_makes_the_account_stale_and_untouched(keyed, tmp_path):
    model = keyed.model
    plan = make_plan(keyed, tmp_path)
    account = keyed.member("log-archive")
    root = model.root(account)
    model.set_root(account, RootState(keys=[*root.keys, RootKey(True)]))  # a third key appears
    before = snapshot(model, [account])
    report = remediate(plan, apply=True)
    row = outcomes(report)[account]
    assert row.outcome is Outcome.STALE
    assert any("is not in the plan" in detail for detail in row.details)
    assert row.actions == ()
    assert snapshot(model, [account]) == before
    assert outcomes(report)[keyed.member("dev-app")].outcome is Outcome.CLEAN  # the others go on
    assert exit_code(report) == 1


def test_a_key_deactivated_after_the_plan_is_a_stale_plan_too(keyed, tmp_path):
    model = keyed.model
    plan = make_plan(keyed, tmp_path)
    account = keyed.member("prod-app")
    root = model.root(account)
    root.keys[0].active = False
    row = outcomes(remediate(plan, apply=True))[account]
    assert row.outcome is Outcome.STALE
    assert any("status changed" in detail for detail in row.details)


@pytest.mark.parametrize("failure", ["denied", "throttled past retries"])
def test_a_failed_deletion_is_reported_and_the_account_is_not_clean(keyed, tmp_path, failure, quick_backoff):
    model = keyed.model
    plan = make_plan(keyed, tmp_path)
    account = keyed.member("log-archive")
    if failure == "denied":
        model.root(account).denied_actions = frozenset({"DeleteAccessKey"})
    else:
        model.throttle(100, account=account, action="DeleteAccessKey")
    report = remediate(plan, apply=True)
    row = outcomes(report)[account]
    assert row.outcome is Outcome.NOT_CLEAN
    assert all(action.result.startswith("failed") for action in row.actions)
    assert len(row.actions) == 2  # both keys were tried
    assert any("still present" in detail for detail in row.details)
    assert outcomes(report)[keyed.member("prod-app")].outcome is Outcome.CLEAN
    assert exit_code(report) == 1


def test_a_hand_added_id_that_is_not_this_roots_is_refused_for_that_account(keyed, tmp_path):
    model = keyed.model
    plan = make_plan(keyed, tmp_path)
    document = json.loads(plan.read_text())
    target = keyed.member("dev-app")
    foreign = next(iter(model.root(keyed.member("log-archive")).keys)).access_key_id
    row = next(account for account in document["accounts"] if account["account_id"] == target)
    row["credentials"]["access_keys"].append(
        {
            "access_key_id": foreign,
            "status": "Active",
            "created": None,
            "last_used": None,
            "last_used_service": None,
            "last_used_region": None,
        }
    )
    plan.write_text(json.dumps(document))
    before = snapshot(model, keyed.member_ids)
    report = remediate(plan, apply=True)
    refused = outcomes(report)[target]
    assert refused.outcome is Outcome.STALE
    assert any(foreign in detail and "does not have" in detail for detail in refused.details)
    assert snapshot(model, [target]) == {target: before[target]}
    assert (foreign, True) in snapshot(model, [keyed.member("log-archive")])[keyed.member("log-archive")][
        "keys"
    ] or (outcomes(report)[keyed.member("log-archive")].outcome is Outcome.CLEAN)


def test_all_root_credentials_removes_the_password_and_deactivates_mfa(keyed, tmp_path):
    model = keyed.model
    plan = make_plan(keyed, tmp_path)
    account = keyed.member("prod-app")
    report = remediate(plan, apply=True, scope=Scope(all_root_credentials=True))
    row = outcomes(report)[account]
    assert row.outcome is Outcome.CLEAN
    results = {(a.credential_type, a.result) for a in row.actions}
    assert results == {
        ("access_key", "deleted"),
        ("signing_certificate", "deleted"),
        ("login_profile", "deleted"),
        ("mfa_device", "deactivated"),
    }
    after = snapshot(model, [account])[account]
    assert after == {"keys": set(), "certificates": set(), "mfa": set(), "password": False}


def test_the_audit_trail_has_one_line_per_action(keyed, tmp_path):
    plan = make_plan(keyed, tmp_path)
    log = tmp_path / "trail.jsonl"
    with log.open("a") as stream:
        report = remediate(plan, apply=True, trail=AuditTrail(stream), scope=Scope(signing_certificates=True))
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    actions = [action for account in report.accounts for action in account.actions]
    assert len(lines) == len(actions) == 5  # 2 + 1 keys, 1 certificate, 1 key
    for line in lines:
        assert set(line) == {
            "time",
            "caller_arn",
            "account_id",
            "credential_type",
            "credential_id",
            "action",
            "result",
        }
        assert (
            line["caller_arn"].endswith(":root")
            or ":user/" in line["caller_arn"]
            or "assumed-role" in line["caller_arn"]
        )
        assert line["result"] in {"deleted", "deactivated", "already gone"}
    assert {line["credential_type"] for line in lines} == {"access_key", "signing_certificate"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["run"].__setitem__(
                "finished_at", (datetime.now(UTC) - timedelta(hours=30)).isoformat()
            ),
            "hours old",
        ),
        (
            lambda d: d["run"].__setitem__("organization_id", "o-someoneelse"),
            "is for organization o-someoneelse",
        ),
        (
            lambda d: d["run"].__setitem__("caller_arn", "arn:aws:iam::999999999999:user/mallory"),
            "was made by",
        ),
        (lambda d: d["run"]["options"].__setitem__("IgnoreInactiveKeys", "true"), "was made with options"),
        (lambda d: d.__setitem__("kind", "something else"), "not a rootkeys.org-audit document"),
    ],
)
def test_a_plan_that_must_not_be_used_is_refused_with_the_reason(keyed, tmp_path, capsys, change, message):
    plan = make_plan(keyed, tmp_path)
    document = json.loads(plan.read_text())
    change(document)
    plan.write_text(json.dumps(document))
    before = snapshot(keyed.model, keyed.member_ids)
    code = main(["org-remediate", "--region", "us-east-1", "--plan", str(plan), "--apply"])
    _, err = capsys.readouterr()
    assert code == 2
    assert message in err
    assert snapshot(keyed.model, keyed.member_ids) == before


def test_the_cli_round_trip_audit_review_apply_reaudit(keyed, tmp_path, capsys):
    plan = tmp_path / "plan.json"
    assert main(["org-audit", "--region", "us-east-1", "--json"]) == 1
    plan.write_text(capsys.readouterr().out)
    assert main(["org-remediate", "--region", "us-east-1", "--plan", str(plan)]) == 0
    review = capsys.readouterr().out
    assert "dry run" in review and "would delete" in review
    log = tmp_path / "trail.jsonl"
    assert (
        main(["org-remediate", "--region", "us-east-1", "--plan", str(plan), "--apply", "--log", str(log)])
        == 0
    )
    assert "3 clean" in capsys.readouterr().out
    assert len(log.read_text().splitlines()) == 4
    assert main(["org-audit", "--region", "us-east-1"]) == 0  # the re-audit: every account compliant


def test_scope_flags_limit_the_accounts(keyed, tmp_path):
    plan = make_plan(keyed, tmp_path)
    only = keyed.member("dev-app")
    report = remediate(
        plan,
        apply=True,
        accounts=[only, keyed.member("log-archive")],
        exclude_accounts=[keyed.member("log-archive")],
    )
    assert [row.account_id for row in report.accounts] == [only]
    assert keyed.model.root(keyed.member("log-archive")).keys  # excluded: untouched


# --- Hypothesis: whatever the plan says and whatever changes meanwhile, nothing outside the plan goes ---

changes = st.lists(
    st.sampled_from(["add key", "deactivate first", "delete first", "add certificate", "none"]), max_size=2
)


def _apply_steps(model, account, steps, removed=None):
    """Someone else's changes to a root user; keys they delete are added to `removed`."""
    for step in steps:
        root = model.root(account)  # gives any new key its id
        if step == "add key":
            root.keys.append(RootKey(True))
        elif step == "deactivate first" and root.keys:
            root.keys[0].active = False
        elif step == "delete first" and root.keys:
            gone = root.keys.pop(0)
            if removed is not None:
                removed.add(gone.access_key_id)
        elif step == "add certificate":
            root.certificates.append(RootCertificate())
    model.root(account)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    keys=st.lists(st.lists(st.booleans(), max_size=2), min_size=3, max_size=3),
    drop=st.lists(st.booleans(), min_size=3, max_size=3),
    forge=st.lists(st.booleans(), min_size=3, max_size=3),
    between=st.lists(changes, min_size=3, max_size=3),
    during=st.lists(changes, min_size=3, max_size=3),
    with_certificates=st.booleans(),
)
def test_nothing_outside_the_plan_is_ever_deleted(
    org_emulator, tmp_path_factory, keys, drop, forge, between, during, with_certificates
):
    """Changes land between the plan and the apply, and also right after each account's re-list
    (the window between the check and the deletions)."""
    import contextvars

    from rootkeys.org import remediate as remediate_module

    org, model = org_emulator, org_emulator.model
    members = [org.member("log-archive"), org.member("prod-app"), org.member("dev-app")]
    for account, flags in zip(members, keys, strict=True):
        model.set_root(
            account, RootState(keys=[RootKey(flag) for flag in flags], certificates=[RootCertificate()])
        )
    path = make_plan(org, tmp_path_factory.mktemp("plan"))
    document = json.loads(path.read_text())
    for account, dropping, forging in zip(members, drop, forge, strict=True):
        row = next(item for item in document["accounts"] if item["account_id"] == account)
        listed = row["credentials"]["access_keys"]
        if dropping and listed:
            listed.pop()
        if forging:
            listed.append(
                copy.deepcopy(listed[0])
                if listed
                else {
                    "access_key_id": "AKIAFORGEDFORGED0000",
                    "status": "Active",
                    "created": None,
                    "last_used": None,
                    "last_used_service": None,
                    "last_used_region": None,
                }
            )
            listed[-1]["access_key_id"] = "AKIAFORGED" + account[-10:]
    path.write_text(json.dumps(document))
    allowed = {
        (row["account_id"], kind, item[ident])
        for row in document["accounts"]
        if row["credentials"]
        for kind, field, ident in (
            ("key", "access_keys", "access_key_id"),
            ("certificate", "signing_certificates", "certificate_id"),
        )
        for item in row["credentials"][field]
    }
    for account, steps in zip(members, between, strict=True):
        _apply_steps(model, account, steps)
    current = contextvars.ContextVar("account")
    apply, read = remediate_module.OrgRemediator._apply, remediate_module.read_current
    removed_by_others: set[str] = set()

    def tracking_apply(self, item, caller, calls):
        current.set(item.account.account_id)
        return apply(self, item, caller, calls)

    def changing_read(iam, scope):
        listed = read(iam, scope)
        account = current.get()
        if account in members:
            _apply_steps(model, account, during[members.index(account)], removed_by_others)
        return listed

    before = snapshot(model, members)
    # unittest.mock, not monkeypatch: every Hypothesis example must start from the real functions.
    with (
        mock.patch.object(remediate_module.OrgRemediator, "_apply", tracking_apply),
        mock.patch.object(remediate_module, "read_current", changing_read),
    ):
        remediate(path, apply=True, scope=Scope(signing_certificates=with_certificates))
    after = snapshot(model, members)
    for account in members:
        gone_keys = (
            {key_id for key_id, _ in before[account]["keys"]}
            - {key_id for key_id, _ in after[account]["keys"]}
            - removed_by_others
        )
        gone_certificates = before[account]["certificates"] - after[account]["certificates"]
        assert {(account, "key", key_id) for key_id in gone_keys} <= allowed
        assert {(account, "certificate", cid) for cid in gone_certificates} <= allowed
        if not with_certificates:
            assert gone_certificates == set()
