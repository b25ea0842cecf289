"""Shared fixtures: an isolated fake AWS environment, the root-user model, Config events."""

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from rootkeys_dev.lambda_runtime import RULE_DIR, load_handler

if str(RULE_DIR) not in sys.path:
    sys.path.insert(0, str(RULE_DIR))  # the Lambda's import root: IAM_ROOT_NO_ACCESS_KEYS.py

from root_access_keys.clients import clear_client_cache
from root_access_keys.handler import HANDLER
from root_access_keys.organization_scope import MemberAccounts

from rootkeys_dev.config_events import scheduled_event
from rootkeys_dev.emulator import RootUserModel

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fake credentials, a fixed region, no endpoint overrides, and no cached clients."""
    for name in (
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_RETRY_MODE",
        "AWS_MAX_ATTEMPTS",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_LAMBDA_LOG_LEVEL",
        "ROOTKEYS_EXECUTION_ROLE_NAME",
        "ROOTKEYS_ORGANIZATION_ID",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    clear_client_cache()
    # The organization account list is cached in the handler across warm invocations: not across tests.
    monkeypatch.setattr(HANDLER, "members", MemberAccounts())
    yield
    clear_client_cache()


@pytest.fixture
def root_model() -> Iterator[RootUserModel]:
    """moto (in process) with the root-user model installed."""
    from moto import mock_aws

    model = RootUserModel()
    with mock_aws(), model.install():
        yield model


def make_event(account_id: str = ACCOUNT_ID, **options: Any) -> dict[str, Any]:
    """A periodic Config event (see rootkeys_dev.config_events.scheduled_event)."""
    return scheduled_event(account_id, **options)


@pytest.fixture
def config_event() -> Callable[..., dict[str, Any]]:
    return make_event


@pytest.fixture
def handler() -> Callable[[dict[str, Any], object], list[dict[str, Any]]]:
    return load_handler()


# --- Credential report builders (real IAM column names; rows are dicts, so columns can be reordered) ---

REPORT_COLUMNS = (
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
)


def report_key(
    active: str = "true",
    rotated: str = "2024-03-01T09:30:00+00:00",
    used: str = "N/A",
    region: str = "N/A",
    service: str = "N/A",
) -> tuple[str, str, str, str, str]:
    """The five access_key_N_* values of one key slot, as IAM writes them."""
    return (active, rotated, used, region, service)


NO_KEY = ("false", "N/A", "N/A", "N/A", "N/A")


def root_report_row(
    account_id: str = ACCOUNT_ID,
    partition: str = "aws",
    keys: tuple[tuple[str, str, str, str, str], ...] = (),
    certs: tuple[tuple[str, str], ...] = (),
    user: str = "<root_account>",
) -> dict[str, str]:
    """A credential report row for the root user (password_enabled is always not_supported)."""
    row = {
        "user": user,
        "arn": f"arn:{partition}:iam::{account_id}:root",
        "user_creation_time": "2019-05-02T12:00:00+00:00",
        "password_enabled": "not_supported",
        "password_last_used": "2026-10-01T08:15:00+00:00",
        "password_last_changed": "not_supported",
        "password_next_rotation": "not_supported",
        "mfa_active": "true",
    }
    slots = [*keys, NO_KEY, NO_KEY][:2]
    for slot, values in enumerate(slots, start=1):
        for name, value in zip(
            ("active", "last_rotated", "last_used_date", "last_used_region", "last_used_service"),
            values,
            strict=True,
        ):
            row[f"access_key_{slot}_{name}"] = value
    cert_slots = [*certs, ("false", "N/A"), ("false", "N/A")][:2]
    for slot, (active, rotated) in enumerate(cert_slots, start=1):
        row[f"cert_{slot}_active"] = active
        row[f"cert_{slot}_last_rotated"] = rotated
    return row


def user_report_row(name: str = "deploy-bot", account_id: str = ACCOUNT_ID) -> dict[str, str]:
    """An ordinary IAM user's row with an active key (never the root user's)."""
    row = root_report_row(account_id, keys=(report_key(used="2026-11-20T10:00:00+00:00"),), user=name)
    row["arn"] = f"arn:aws:iam::{account_id}:user/{name}"
    row["password_enabled"] = "false"
    return row


def report_csv(rows: list[dict[str, str]], columns: tuple[str, ...] = REPORT_COLUMNS) -> bytes:
    """CSV bytes as GetCredentialReport returns them (header first, LF line ends)."""
    lines = [",".join(columns)]
    lines += [",".join(row.get(column, "N/A") for column in columns) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def patch_report_polling_sleep(monkeypatch, sleep) -> int:
    """Point every `sleep=time.sleep` keyword default in the rule package at `sleep`.

    The report reader's polling sleep is injected through keyword defaults (bound to time.sleep
    when the module loads), wherever the package currently takes it; returns how many were found.
    """
    import inspect
    import sys
    import time as time_module

    import IAM_ROOT_NO_ACCESS_KEYS  # noqa: F401 - loads every module the handler uses

    patched = 0
    for name, module in list(sys.modules.items()):
        if not name.startswith("root_access_keys") or module is None:
            continue
        for _, member in inspect.getmembers(module):
            functions = [member]
            if inspect.isclass(member) and member.__module__ == name:
                functions = [value for value in vars(member).values() if inspect.isfunction(value)]
            for function in functions:
                defaults = getattr(function, "__kwdefaults__", None)
                if inspect.isfunction(function) and defaults and defaults.get("sleep") is time_module.sleep:
                    monkeypatch.setitem(defaults, "sleep", sleep)
                    patched += 1
    assert patched, "found no sleep=time.sleep default in root_access_keys: report polling would really sleep"
    return patched


def write_reliability_tally(suite: str, counts: dict[str, int]) -> None:
    """Add a suite's counts to the JSON file `make bench` names in ROOTKEYS_RELIABILITY_TALLY."""
    import os

    path = os.environ.get("ROOTKEYS_RELIABILITY_TALLY")
    if not path:
        return
    tally = Path(path)
    data = json.loads(tally.read_text()) if tally.exists() else {}
    data[suite] = dict(counts)
    tally.write_text(json.dumps(data))


# --- The emulated organization (rootkeys_dev.org_emulator) on a moto HTTP server ---


@pytest.fixture(scope="module")
def root_model_server() -> Iterator[tuple[str, Any]]:
    """moto's HTTP server on 127.0.0.1 (random port, one per test module) with the root-user
    model installed: yields (endpoint, RootUserModel)."""
    from rootkeys_dev.emulator import RootUserModel
    from rootkeys_dev.local_aws import local_emulator

    with local_emulator() as endpoint, RootUserModel().install() as model:
        yield endpoint, model


@pytest.fixture(scope="module")
def org_server() -> Iterator[str]:
    """moto's HTTP server on 127.0.0.1 (random port), one per test module, for `org_emulator`."""
    from rootkeys_dev.local_aws import local_emulator

    with local_emulator() as endpoint:
        yield endpoint


@pytest.fixture
def org_emulator(org_server, monkeypatch):
    """A clean server holding an organization with centralized root access (OrgEmulator handle).

    Management account 123456789012 (moto's default: the fixture's "testing" key); members
    log-archive, security-tooling (OU Security), prod-app (Workloads/Prod), dev-app (Workloads/Dev),
    old-sandbox (Suspended, State SUSPENDED); trusted access for IAM and both root-access features
    on; every member's root without credentials. AWS_ENDPOINT_URL points at the server. The request
    log starts empty (the setup's requests are dropped).
    """
    yield from _fresh_organization(org_server, monkeypatch)


def _fresh_organization(org_server, monkeypatch, members=None):
    """Reset the server, build the organization (the default one, or these MemberSpecs), point
    AWS_ENDPOINT_URL at it and yield it with an empty request log."""
    import urllib.request

    from rootkeys_dev.org_emulator import OrgRootModel
    from rootkeys_dev.org_setup import DEFAULT_MEMBERS, build_organization

    request = urllib.request.Request(f"{org_server}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()
    monkeypatch.setenv("AWS_ENDPOINT_URL", org_server)
    model = OrgRootModel()
    with model.install():
        org = build_organization(org_server, model, DEFAULT_MEMBERS if members is None else members)
        model.clear_requests()
        yield org


@pytest.fixture
def org_of_fifty(org_server, monkeypatch):
    """An organization of 50 members (plus the management account) on a clean server."""
    from rootkeys_dev.org_setup import MemberSpec

    yield from _fresh_organization(
        org_server, monkeypatch, [MemberSpec(f"member-{n:02d}") for n in range(50)]
    )


@pytest.fixture
def org_of_a_thousand(org_server, monkeypatch):
    """An organization of 1,000 members (plus the management account) on a clean server."""
    from rootkeys_dev.org_setup import MemberSpec

    yield from _fresh_organization(
        org_server, monkeypatch, [MemberSpec(f"member-{n:04d}") for n in range(1000)]
    )


@pytest.fixture
def quick_backoff(monkeypatch):
    """botocore still decides whether and how often to retry; its backoff sleep and the adaptive
    mode's client-side rate limit wait are skipped (real seconds would only slow the suite)."""
    from botocore.retries import bucket, standard

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)
    monkeypatch.setattr(bucket.TokenBucket, "acquire", lambda self, amount=1, block=True: True)
