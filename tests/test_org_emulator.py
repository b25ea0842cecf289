"""Centralized root access on a real moto HTTP server: AssumeRoot, root sessions, features, faults, log.

The `org_emulator` fixture (conftest.py) builds an organization over HTTP with the OrgRootModel
installed in this process, where the server thread answers. Clients are plain boto3 clients pointed
at the server; what the server did is read from the model's request log and root states.
"""

import csv
import io
import re
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from xml.etree import ElementTree

import botocore.endpoint
import pytest
from botocore.exceptions import ClientError
from botocore.parsers import create_parser
from botocore.validate import ParamValidator

from rootkeys_dev.emulator import RootCertificate, RootKey, RootMfaDevice, RootState
from rootkeys_dev.org_emulator import AUDIT_TASK, DELETE_TASK, MAX_ROOT_SESSION_SECONDS, OrgRootModel
from rootkeys_dev.org_setup import session_credentials

pytestmark = pytest.mark.server

AUDIT_ARN = f"arn:aws:iam::aws:policy/root-task/{AUDIT_TASK}"
ORG_ROLE = "OrganizationAccountAccessRole"


def error_of(raised: pytest.ExceptionInfo) -> tuple[str, int]:
    response = raised.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def member_role_credentials(org, account_id: str) -> dict[str, str]:
    """Credentials of the member's OrganizationAccountAccessRole (moto's AssumeRole): not a root session."""
    answer = org.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/{ORG_ROLE}", RoleSessionName="admin"
    )
    return session_credentials(answer["Credentials"])


def rich_state() -> RootState:
    return RootState(
        keys=[
            RootKey(
                active=True,
                created=datetime(2023, 5, 1, 8, 0, tzinfo=UTC),
                last_used=datetime(2026, 11, 20, 10, 15, tzinfo=UTC),
                last_used_region="eu-west-1",
                last_used_service="s3",
            ),
            RootKey(active=False, created=datetime(2022, 1, 2, 3, 4, tzinfo=UTC)),
        ],
        certificates=[RootCertificate(active=False, uploaded=datetime(2021, 2, 3, tzinfo=UTC))],
        password=True,
        mfa=[RootMfaDevice(), RootMfaDevice(serial_number="GAHT12345678")],
    )


# --- AssumeRoot ----------------------------------------------------------------------------


def test_assume_root_issues_a_short_root_session_for_the_member(org_emulator):
    org = org_emulator
    member = org.member("prod-app")
    before = datetime.now(UTC)
    answer = org.client("sts").assume_root(
        TargetPrincipal=member, TaskPolicyArn={"arn": AUDIT_ARN}, DurationSeconds=300
    )
    credentials = answer["Credentials"]
    assert re.fullmatch(r"ASIA[A-Z0-9]{16}", credentials["AccessKeyId"])
    assert len(credentials["SecretAccessKey"]) == 40
    assert credentials["SessionToken"]
    assert (
        before + timedelta(seconds=299)
        <= credentials["Expiration"]
        <= datetime.now(UTC) + timedelta(seconds=300)
    )
    assert "SourceIdentity" not in answer

    [session] = org.model.sessions()
    assert (session.access_key_id, session.account_id, session.task_policy) == (
        credentials["AccessKeyId"],
        member,
        AUDIT_TASK,
    )
    assert session.caller_account == org.management_account_id
    identity = org.client("sts", session_credentials(credentials)).get_caller_identity()
    assert (identity["Account"], identity["Arn"]) == (member, f"arn:aws:iam::{member}:root")


def test_assume_root_accepts_the_root_arn_and_returns_a_configured_source_identity(org_emulator):
    org = org_emulator
    member = org.member("dev-app")
    org.model.source_identity = "alice"
    answer = org.client("sts").assume_root(
        TargetPrincipal=f"arn:aws:iam::{member}:root", TaskPolicyArn={"arn": AUDIT_ARN}
    )
    assert answer["SourceIdentity"] == "alice"
    [session] = org.model.sessions(member)
    # DurationSeconds defaults to 900
    remaining = session.expiration - datetime.now(UTC)
    assert timedelta(seconds=890) < remaining <= timedelta(seconds=900)


def test_assume_root_request_and_response_follow_the_botocore_model(org_emulator):
    org = org_emulator
    sts = org.client("sts")
    operation = sts.meta.service_model.operation_model("AssumeRoot")
    params = {
        "TargetPrincipal": org.member("prod-app"),
        "TaskPolicyArn": {"arn": AUDIT_ARN},
        "DurationSeconds": 900,
    }
    report = ParamValidator().validate(params, operation.input_shape)
    assert not report.has_errors(), report.generate_report()
    # botocore checks the lower bound only; the upper one (900) is the server's to enforce.
    assert operation.input_shape.members["DurationSeconds"].metadata == {
        "min": 0,
        "max": MAX_ROOT_SESSION_SECONDS,
    }
    assert ParamValidator().validate({**params, "DurationSeconds": -1}, operation.input_shape).has_errors()
    assert (
        ParamValidator()
        .validate({"TargetPrincipal": params["TargetPrincipal"]}, operation.input_shape)
        .has_errors()
    )

    raw = {}
    sts.meta.events.register(
        "after-call.sts.AssumeRoot", lambda http_response, **_: raw.update(r=http_response)
    )
    sts.assume_root(**params)
    http = raw["r"]
    assert http.status_code == 200
    document = ElementTree.fromstring(http.content)
    namespace = "{https://sts.amazonaws.com/doc/2011-06-15/}"
    assert document.tag == f"{namespace}AssumeRootResponse"
    assert document.find(f"{namespace}AssumeRootResult/{namespace}Credentials") is not None
    parsed = create_parser("query").parse(
        {"status_code": http.status_code, "headers": http.headers, "body": http.content},
        operation.output_shape,
    )
    parsed.pop("ResponseMetadata")
    report = ParamValidator().validate(parsed, operation.output_shape)
    assert not report.has_errors(), report.generate_report()
    assert set(parsed["Credentials"]) == {"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}
    assert isinstance(parsed["Credentials"]["Expiration"], datetime)


def test_root_session_iam_responses_follow_the_botocore_model(org_emulator):
    org = org_emulator
    member = org.member("prod-app")
    state = org.model.set_root(member, rich_state())
    iam, management = org.root_client(member), org.client("iam")
    raw = []
    for client in (iam, management):
        client.meta.events.register(
            "after-call.iam", lambda http_response, model, **_: raw.append((model, http_response))
        )
    iam.list_access_keys()
    iam.get_access_key_last_used(AccessKeyId=state.keys[0].access_key_id)
    iam.get_access_key_last_used(AccessKeyId=state.keys[1].access_key_id)
    iam.list_signing_certificates()
    iam.list_mfa_devices()
    iam.get_login_profile()
    iam.get_account_summary()
    management.list_organizations_features()
    assert [model.name for model, _ in raw] == [
        "ListAccessKeys",
        "GetAccessKeyLastUsed",
        "GetAccessKeyLastUsed",
        "ListSigningCertificates",
        "ListMFADevices",
        "GetLoginProfile",
        "GetAccountSummary",
        "ListOrganizationsFeatures",
    ]
    parser = create_parser("query")
    for operation, http in raw:
        parsed = parser.parse(
            {"status_code": http.status_code, "headers": http.headers, "body": http.content},
            operation.output_shape,
        )
        parsed.pop("ResponseMetadata")
        report = ParamValidator().validate(parsed, operation.output_shape)
        assert not report.has_errors(), f"{operation.name}: {report.generate_report()}"


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("other managed policy", ("ValidationError", 400)),
        ("root task of another partition", ("ValidationError", 400)),
        ("root task not modelled", ("ValidationError", 400)),
        ("duration over 900", ("ValidationError", 400)),
        ("negative duration", ("ValidationError", 400)),
        ("target not an account", ("ValidationError", 400)),
        ("management account", ("AccessDenied", 403)),
        ("not a member", ("AccessDenied", 403)),
        ("suspended member", ("AccessDenied", 403)),
        ("denied by an SCP", ("AccessDenied", 403)),
        ("credentials management disabled", ("AccessDenied", 403)),
    ],
)
def test_assume_root_refusals(org_emulator, case, expected):
    org = org_emulator
    member = org.member("prod-app")
    params = {"TargetPrincipal": member, "TaskPolicyArn": {"arn": AUDIT_ARN}, "DurationSeconds": 900}
    if case == "other managed policy":
        params["TaskPolicyArn"] = {"arn": "arn:aws:iam::aws:policy/AdministratorAccess"}
    elif case == "root task of another partition":
        params["TaskPolicyArn"] = {"arn": f"arn:aws-us-gov:iam::aws:policy/root-task/{AUDIT_TASK}"}
    elif case == "root task not modelled":
        params["TaskPolicyArn"] = {"arn": "arn:aws:iam::aws:policy/root-task/S3UnlockBucketPolicy"}
    elif case == "duration over 900":
        params["DurationSeconds"] = 901
    elif case == "negative duration":
        params["DurationSeconds"] = -1
    elif case == "target not an account":
        params["TargetPrincipal"] = "arn:aws:iam::12345:root"
    elif case == "management account":
        params["TargetPrincipal"] = org.management_account_id
    elif case == "not a member":
        params["TargetPrincipal"] = "999999999999"
    elif case == "suspended member":
        params["TargetPrincipal"] = org.member("old-sandbox")
    elif case == "denied by an SCP":
        org.model.deny_assume_root(member)
    elif case == "credentials management disabled":
        org.model.features.discard("RootCredentialsManagement")
    sts = org.client("sts", parameter_validation=False)  # the server must refuse what botocore would
    with pytest.raises(ClientError) as raised:
        sts.assume_root(**params)
    assert error_of(raised) == expected
    assert org.model.sessions() == []
    [entry] = org.model.requests()
    assert (entry.action, entry.status, entry.error) == ("AssumeRoot", expected[1], expected[0])


def test_assume_root_caller_must_be_management_or_iam_delegated_admin(org_emulator):
    org = org_emulator
    admin, target = org.member("security-tooling"), org.member("prod-app")
    admin_sts = org.client("sts", member_role_credentials(org, admin))
    with pytest.raises(ClientError) as raised:
        org.assume_root(target, sts=admin_sts)
    assert error_of(raised) == ("AccessDenied", 403)
    assert "neither the management account nor the IAM delegated administrator" in str(raised.value)

    orgs = org.client("organizations")
    orgs.register_delegated_administrator(AccountId=admin, ServicePrincipal="iam.amazonaws.com")
    credentials = org.assume_root(target, sts=admin_sts)
    [session] = org.model.sessions()
    assert (session.caller_account, session.account_id) == (admin, target)
    assert session.access_key_id == credentials["aws_access_key_id"]

    orgs.deregister_delegated_administrator(AccountId=admin, ServicePrincipal="iam.amazonaws.com")
    with pytest.raises(ClientError) as raised:
        org.assume_root(target, sts=admin_sts)
    assert error_of(raised) == ("AccessDenied", 403)


# --- root sessions -------------------------------------------------------------------------


def test_audit_session_reads_exactly_the_root_state(org_emulator):
    org = org_emulator
    member = org.member("prod-app")
    state = org.model.set_root(member, rich_state())
    first, second = state.keys
    iam = org.root_client(member)

    keys = iam.list_access_keys()["AccessKeyMetadata"]
    assert [(k["AccessKeyId"], k["Status"], k["CreateDate"]) for k in keys] == [
        (first.access_key_id, "Active", datetime(2023, 5, 1, 8, 0, tzinfo=UTC)),
        (second.access_key_id, "Inactive", datetime(2022, 1, 2, 3, 4, tzinfo=UTC)),
    ]
    assert all(re.fullmatch(r"AKIA[A-Z2-7]{16}", k["AccessKeyId"]) for k in keys)
    used = iam.get_access_key_last_used(AccessKeyId=first.access_key_id)["AccessKeyLastUsed"]
    assert used == {
        "LastUsedDate": datetime(2026, 11, 20, 10, 15, tzinfo=UTC),
        "ServiceName": "s3",
        "Region": "eu-west-1",
    }
    never = iam.get_access_key_last_used(AccessKeyId=second.access_key_id)["AccessKeyLastUsed"]
    assert never == {"ServiceName": "N/A", "Region": "N/A"}
    [cert] = iam.list_signing_certificates()["Certificates"]
    assert (cert["CertificateId"], cert["Status"]) == (
        state.signing_certificates[0].certificate_id,
        "Inactive",
    )
    assert re.fullmatch(r"[A-Z2-7]{24}", cert["CertificateId"])
    serials = [device["SerialNumber"] for device in iam.list_mfa_devices()["MFADevices"]]
    assert serials == [f"arn:aws:iam::{member}:mfa/root-account-mfa-device", "GAHT12345678"]
    assert iam.get_login_profile()["LoginProfile"]["CreateDate"] == datetime(2020, 1, 1, tzinfo=UTC)
    summary = iam.get_account_summary()["SummaryMap"]
    assert {name: summary[name] for name in SUMMARY_NAMES} == dict.fromkeys(SUMMARY_NAMES, 1)
    assert state.calls == [
        "ListAccessKeys",
        "GetAccessKeyLastUsed",
        "GetAccessKeyLastUsed",
        "ListSigningCertificates",
        "ListMFADevices",
        "GetLoginProfile",
        "GetAccountSummary",
    ]

    # The member's own credential report (read with its OrganizationAccountAccessRole) agrees.
    member_iam = org.client("iam", member_role_credentials(org, member))
    member_iam.generate_credential_report()
    content = member_iam.get_credential_report()["Content"].decode()
    [row] = [r for r in csv.DictReader(io.StringIO(content)) if r["user"] == "<root_account>"]
    assert row["arn"] == f"arn:aws:iam::{member}:root"
    assert (row["access_key_1_active"], row["access_key_1_last_rotated"]) == (
        "true",
        "2023-05-01T08:00:00+00:00",
    )
    assert row["access_key_1_last_used_service"] == "s3"
    assert (row["access_key_2_active"], row["access_key_2_last_used_date"]) == ("false", "N/A")
    assert (row["cert_1_active"], row["cert_2_active"], row["mfa_active"]) == ("false", "false", "true")


SUMMARY_NAMES = (
    "AccountAccessKeysPresent",
    "AccountSigningCertificatesPresent",
    "AccountPasswordPresent",
    "AccountMFAEnabled",
)


def test_root_without_credentials_reads_empty(org_emulator):
    org = org_emulator
    member = org.member("log-archive")  # the fixture's members have no root credentials
    iam = org.root_client(member)
    assert iam.list_access_keys()["AccessKeyMetadata"] == []
    assert iam.list_signing_certificates()["Certificates"] == []
    assert iam.list_mfa_devices()["MFADevices"] == []
    with pytest.raises(ClientError) as raised:
        iam.get_login_profile()
    assert error_of(raised) == ("NoSuchEntity", 404)
    summary = iam.get_account_summary()["SummaryMap"]
    assert {name: summary[name] for name in SUMMARY_NAMES} == dict.fromkeys(SUMMARY_NAMES, 0)


def test_audit_session_cannot_delete_or_leave_the_root(org_emulator):
    org = org_emulator
    member = org.member("prod-app")
    state = org.model.set_root(member, rich_state())
    credentials = org.assume_root(member, AUDIT_TASK)
    iam = org.client("iam", credentials)
    attempts = {
        "DeleteAccessKey": lambda: iam.delete_access_key(AccessKeyId=state.keys[0].access_key_id),
        "DeleteSigningCertificate": lambda: iam.delete_signing_certificate(
            CertificateId=state.signing_certificates[0].certificate_id
        ),
        "DeleteLoginProfile": iam.delete_login_profile,
        "DeactivateMFADevice": lambda: iam.deactivate_mfa_device(
            SerialNumber=f"arn:aws:iam::{member}:mfa/root-account-mfa-device"
        ),
        "GenerateCredentialReport": iam.generate_credential_report,
        "ListUsers": iam.list_users,
        "ListAccessKeys for a user": lambda: iam.list_access_keys(UserName="deploy-bot"),
    }
    for name, attempt in attempts.items():
        with pytest.raises(ClientError) as raised:
            attempt()
        assert error_of(raised) == ("AccessDenied", 403), name
        assert AUDIT_TASK in str(raised.value), name
    assert len(state.keys) == 2 and state.signing_certificates and state.password and state.mfa_devices
    assert state.calls == []  # nothing reached the root

    with pytest.raises(ClientError) as raised:
        org.client("organizations", credentials).list_accounts()
    assert error_of(raised) == ("AccessDeniedException", 403)
    with pytest.raises(ClientError) as raised:
        org.client("sts", credentials).assume_root(TargetPrincipal=member, TaskPolicyArn={"arn": AUDIT_ARN})
    assert error_of(raised) == ("AccessDenied", 403)
    assert len(org.model.sessions()) == 1


def test_delete_session_deletes_exactly_the_given_ids(org_emulator):
    org = org_emulator
    member, other = org.member("prod-app"), org.member("dev-app")
    state = org.model.set_root(member, rich_state())
    other_state = org.model.set_root(other, RootState(keys=[RootKey()], certificates=1, mfa=True))
    kept, deleted = state.keys[1], state.keys[0]
    # An IAM user's key in the member account is not the root's.
    admin_iam = org.client("iam", member_role_credentials(org, member))
    admin_iam.create_user(UserName="deploy-bot")
    user_key = admin_iam.create_access_key(UserName="deploy-bot")["AccessKey"]["AccessKeyId"]

    iam = org.client("iam", org.assume_root(member, DELETE_TASK))
    foreign = {
        "another member's key": lambda: iam.delete_access_key(AccessKeyId=other_state.keys[0].access_key_id),
        "an IAM user's key": lambda: iam.delete_access_key(AccessKeyId=user_key),
        "another member's certificate": lambda: iam.delete_signing_certificate(
            CertificateId=other_state.signing_certificates[0].certificate_id
        ),
        "another member's MFA device": lambda: iam.deactivate_mfa_device(
            SerialNumber=f"arn:aws:iam::{other}:mfa/root-account-mfa-device"
        ),
    }
    for name, attempt in foreign.items():
        with pytest.raises(ClientError) as raised:
            attempt()
        assert error_of(raised) == ("NoSuchEntity", 404), name
    with pytest.raises(ClientError) as raised:
        iam.delete_access_key(UserName="deploy-bot", AccessKeyId=user_key)
    assert error_of(raised) == ("AccessDenied", 403)
    with pytest.raises(ClientError) as raised:
        iam.get_account_summary()  # not in IAMDeleteRootUserCredentials
    assert error_of(raised) == ("AccessDenied", 403)

    iam.delete_access_key(AccessKeyId=deleted.access_key_id)
    iam.delete_signing_certificate(CertificateId=state.signing_certificates[0].certificate_id)
    iam.delete_login_profile()
    iam.deactivate_mfa_device(SerialNumber="GAHT12345678")
    with pytest.raises(ClientError) as raised:
        iam.delete_access_key(AccessKeyId=deleted.access_key_id)
    assert error_of(raised) == ("NoSuchEntity", 404)

    audit = org.root_client(member)
    assert [k["AccessKeyId"] for k in audit.list_access_keys()["AccessKeyMetadata"]] == [kept.access_key_id]
    assert audit.list_signing_certificates()["Certificates"] == []
    assert [d["SerialNumber"] for d in audit.list_mfa_devices()["MFADevices"]] == [
        f"arn:aws:iam::{member}:mfa/root-account-mfa-device"
    ]
    with pytest.raises(ClientError):
        audit.get_login_profile()
    summary = audit.get_account_summary()["SummaryMap"]
    assert [summary[name] for name in SUMMARY_NAMES] == [1, 0, 0, 1]
    assert (len(other_state.keys), len(other_state.signing_certificates), len(other_state.mfa_devices)) == (
        1,
        1,
        1,
    )
    assert [
        k["AccessKeyId"] for k in admin_iam.list_access_keys(UserName="deploy-bot")["AccessKeyMetadata"]
    ] == [user_key]


def test_expired_root_session_is_refused(org_emulator):
    org = org_emulator
    member = org.member("prod-app")
    iam = org.client("iam", org.assume_root(member, duration=0))
    with pytest.raises(ClientError) as raised:
        iam.list_access_keys()
    assert error_of(raised) == ("ExpiredToken", 403)
    assert org.model.root(member).calls == []


# --- organization features and trusted access -------------------------------------------


def test_list_organizations_features_on_and_off(org_emulator):
    org = org_emulator
    iam = org.client("iam")
    answer = iam.list_organizations_features()
    assert answer["OrganizationId"] == org.organization_id
    assert answer["EnabledFeatures"] == ["RootCredentialsManagement", "RootSessions"]

    iam.disable_organizations_root_sessions()
    assert iam.list_organizations_features()["EnabledFeatures"] == ["RootCredentialsManagement"]
    org.model.features.clear()
    assert iam.list_organizations_features()["EnabledFeatures"] == []
    with pytest.raises(ClientError) as raised:
        org.assume_root(org.member("prod-app"))
    assert error_of(raised) == ("AccessDenied", 403)
    iam.enable_organizations_root_credentials_management()
    assert iam.list_organizations_features()["EnabledFeatures"] == ["RootCredentialsManagement"]
    org.assume_root(org.member("prod-app"))

    member_iam = org.client("iam", member_role_credentials(org, org.member("dev-app")))
    with pytest.raises(member_iam.exceptions.AccountNotManagementOrDelegatedAdministratorException):
        member_iam.list_organizations_features()


def test_trusted_access_for_iam_on_and_off(org_emulator):
    org = org_emulator
    orgs, iam = org.client("organizations"), org.client("iam")

    def principals() -> list[str]:
        services = orgs.list_aws_service_access_for_organization()["EnabledServicePrincipals"]
        return [service["ServicePrincipal"] for service in services]

    assert principals() == ["iam.amazonaws.com"]
    orgs.disable_aws_service_access(ServicePrincipal="iam.amazonaws.com")
    assert principals() == []
    with pytest.raises(iam.exceptions.ServiceAccessNotEnabledException):
        iam.list_organizations_features()
    with pytest.raises(ClientError) as raised:
        org.assume_root(org.member("prod-app"))
    assert error_of(raised) == ("AccessDenied", 403)

    orgs.enable_aws_service_access(ServicePrincipal="iam.amazonaws.com")
    assert principals() == ["iam.amazonaws.com"]
    org.model.set_trusted_access(False)
    assert principals() == []
    org.model.set_trusted_access(True)
    assert iam.list_organizations_features()["EnabledFeatures"] == [
        "RootCredentialsManagement",
        "RootSessions",
    ]

    admin = org.member("security-tooling")
    orgs.register_delegated_administrator(AccountId=admin, ServicePrincipal="iam.amazonaws.com")
    listed = orgs.list_delegated_administrators(ServicePrincipal="iam.amazonaws.com")[
        "DelegatedAdministrators"
    ]
    assert [entry["Id"] for entry in listed] == [admin]


def test_moto_accepts_iam_principal_only_while_installed():
    from moto.organizations.models import FakeDelegatedAdministrator, FakeServiceAccess

    assert "iam.amazonaws.com" not in FakeServiceAccess.TRUSTED_SERVICES
    with OrgRootModel().install():
        assert "iam.amazonaws.com" in FakeServiceAccess.TRUSTED_SERVICES
        assert "iam.amazonaws.com" in FakeDelegatedAdministrator.SUPPORTED_SERVICES
    assert "iam.amazonaws.com" not in FakeDelegatedAdministrator.SUPPORTED_SERVICES


def test_organization_accounts_states_and_ous_come_from_moto(org_emulator):
    org = org_emulator
    orgs = org.client("organizations")
    accounts = {a["Id"]: a for a in orgs.list_accounts()["Accounts"]}
    assert set(accounts) == {org.management_account_id, *org.member_ids}
    assert {accounts[m]["Name"] for m in org.member_ids} == set(org.names.values())
    suspended = accounts[org.member("old-sandbox")]
    assert (suspended["State"], suspended["Status"]) == ("SUSPENDED", "SUSPENDED")
    assert accounts[org.member("prod-app")]["State"] == "ACTIVE"

    top = orgs.list_organizational_units_for_parent(ParentId=org.root_id)["OrganizationalUnits"]
    assert {ou["Name"] for ou in top} == {"Security", "Workloads", "Suspended"}
    nested = orgs.list_children(ParentId=org.ou_ids["Workloads"], ChildType="ORGANIZATIONAL_UNIT")["Children"]
    assert {child["Id"] for child in nested} == {org.ou_ids["Workloads/Prod"], org.ou_ids["Workloads/Dev"]}
    in_prod = orgs.list_accounts_for_parent(ParentId=org.ou_ids["Workloads/Prod"])["Accounts"]
    assert [a["Id"] for a in in_prod] == [org.member("prod-app")]

    org.model.set_account_state(org.member("dev-app"), "PENDING_CLOSURE")
    org.model.set_account_state(org.member("log-archive"), "CLOSED")
    accounts = {a["Id"]: a for a in orgs.list_accounts()["Accounts"]}
    assert accounts[org.member("dev-app")]["State"] == "PENDING_CLOSURE"
    assert (accounts[org.member("log-archive")]["State"], accounts[org.member("log-archive")]["Status"]) == (
        "CLOSED",
        "SUSPENDED",
    )


# --- faults and the request log ------------------------------------------------------------


@pytest.fixture
def retry_sleeps(monkeypatch) -> list[float]:
    """botocore's retry backoff records its delays instead of sleeping."""
    sleeps: list[float] = []
    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=sleeps.append))
    return sleeps


def test_throttling_bursts_are_retried_by_botocore(org_emulator, retry_sleeps):
    org = org_emulator
    first, second = org.member("prod-app"), org.member("dev-app")
    org.model.throttle(2, account=first, action="ListAccessKeys")
    org.model.throttle(1, account=second, action="AssumeRoot")
    org.model.throttle(1, action="ListAccounts")

    assert org.root_client(first).list_access_keys()["ResponseMetadata"]["RetryAttempts"] == 2
    sts = org.client("sts")
    answer = sts.assume_root(TargetPrincipal=second, TaskPolicyArn={"arn": AUDIT_ARN})
    assert answer["ResponseMetadata"]["RetryAttempts"] == 1
    iam_second = org.client("iam", session_credentials(answer["Credentials"]))
    assert iam_second.list_access_keys()["ResponseMetadata"]["RetryAttempts"] == 0
    assert org.client("organizations").list_accounts()["ResponseMetadata"]["RetryAttempts"] == 1
    assert len(retry_sleeps) == 4

    log = org.model.requests()
    outcomes = [(e.action, e.account, e.error) for e in log if e.status != 200]
    assert outcomes == [
        ("ListAccessKeys", first, "Throttling"),
        ("ListAccessKeys", first, "Throttling"),
        ("AssumeRoot", second, "Throttling"),
        ("ListAccounts", org.management_account_id, "TooManyRequestsException"),
    ]


def test_throttling_surfaces_when_retries_run_out(org_emulator, retry_sleeps):
    org = org_emulator
    member = org.member("prod-app")
    credentials = org.assume_root(member)
    org.model.throttle(5, account=member)
    iam = org.client("iam", credentials, retries={"total_max_attempts": 2})
    with pytest.raises(ClientError) as raised:
        iam.list_access_keys()
    assert error_of(raised) == ("Throttling", 400)
    assert [e.error for e in org.model.requests() if e.action == "ListAccessKeys"] == ["Throttling"] * 2
    assert len(retry_sleeps) == 1


def test_request_log_attributes_every_request_to_its_account_and_key(org_emulator):
    org = org_emulator
    members = [org.member("prod-app"), org.member("dev-app")]
    for member in members:
        org.model.set_root(member, rich_state())
    for member in members:  # an org-audit's calls, per member
        iam = org.root_client(member)
        for key in iam.list_access_keys()["AccessKeyMetadata"]:
            iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])
        iam.list_signing_certificates()
        iam.list_mfa_devices()
        iam.get_login_profile()

    log = org.model.requests()
    assert len(log) == 2 * 7
    keys = {member: {s.access_key_id for s in org.model.sessions(member)} for member in members}
    assert all(len(issued) == 1 for issued in keys.values())
    assert keys[members[0]].isdisjoint(keys[members[1]])
    for entry in log:
        if entry.action == "AssumeRoot":
            assert entry.account in members
            assert (entry.caller_account, entry.access_key) == (org.management_account_id, "testing")
        else:
            assert entry.service == "iam"
            assert entry.access_key in keys[entry.account]
            assert entry.caller_account == entry.account  # moto served it for the member
    for member in members:
        assert org.model.requests_not_signed_by_root_session(member) == []
        assert len([e for e in log if e.service == "iam" and e.account == member]) == 6

    # The check catches IAM requests for a member made with anything but its root session.
    org.client("iam", member_role_credentials(org, members[0])).get_account_summary()
    [stray] = org.model.requests_not_signed_by_root_session(members[0])
    assert (stray.action, stray.account) == ("GetAccountSummary", members[0])
    assert org.model.requests_not_signed_by_root_session(members[1]) == []


def test_latency_is_added_to_every_request(org_emulator):
    org = org_emulator
    orgs = org.client("organizations")
    orgs.describe_organization()  # connection set up before timing
    org.model.latency_seconds = 0.03
    started = time.perf_counter()
    for _ in range(3):
        orgs.describe_organization()
    assert time.perf_counter() - started >= 0.09
    assert [e.action for e in org.model.requests()] == ["DescribeOrganization"] * 4


# --- RootState detail (in process, no server) ----------------------------------------------


def test_root_state_keeps_the_older_constructor_forms():
    state = RootState(keys=[RootKey(active=False)], certificates=1, password=True, mfa=True)
    assert [cert.active for cert in state.signing_certificates] == [True]
    assert [device.serial("111122223333", "aws") for device in state.mfa_devices] == [
        "arn:aws:iam::111122223333:mfa/root-account-mfa-device"
    ]
    assert RootState(keys=[], mfa=False).mfa_devices == []
    assert RootState(keys=[]).signing_certificates == []


def test_root_ids_are_deterministic_per_account():
    def ids(account_id: str) -> list[str]:
        state = RootState(keys=[RootKey(), RootKey(active=False)], certificates=2)
        state.assign_ids(account_id)
        return [key.access_key_id for key in state.keys] + [
            c.certificate_id for c in state.signing_certificates
        ]

    first = ids("111122223333")
    assert first == ids("111122223333")
    assert set(first).isdisjoint(ids("444455556666"))
    assert len(set(first)) == 4
    assert all(re.fullmatch(r"AKIA[A-Z2-7]{16}", key) for key in first[:2])
    assert all(re.fullmatch(r"[A-Z2-7]{24}", cert) for cert in first[2:])


def test_summary_and_report_follow_the_detailed_state(root_model):
    import boto3

    state = root_model.set("123456789012", rich_state())
    state.keys.pop(0)  # a key deleted after registration: everything must agree on one key left
    state.signing_certificates.clear()
    iam = boto3.client("iam", region_name="us-east-1")
    summary = iam.get_account_summary()["SummaryMap"]
    assert [summary[name] for name in SUMMARY_NAMES] == [1, 0, 1, 1]
    iam.generate_credential_report()
    content = iam.get_credential_report()["Content"].decode()
    [row] = [r for r in csv.DictReader(io.StringIO(content)) if r["user"] == "<root_account>"]
    assert (row["access_key_1_active"], row["access_key_1_last_rotated"]) == (
        "false",
        "2022-01-02T03:04:00+00:00",
    )
    assert (row["access_key_2_active"], row["cert_1_active"], row["mfa_active"]) == ("false", "false", "true")
