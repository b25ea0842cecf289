"""A model of the root user on top of moto, which has none.

moto (pinned to 5.2.x in pyproject.toml) always reports AccountAccessKeysPresent = 0, writes no
<root_account> row in the credential report, never returns INPROGRESS, ReportInProgress or
ReportExpired, and fixes GeneratedTime at 2015-02-02. `RootUserModel` patches moto's IAM
backend and responses so that, per account id, the account summary and the credential report
show the root credentials described by a `RootState`. It patches only these IAM actions:
GetAccountSummary, GenerateCredentialReport, GetCredentialReport. It works both in process
(`moto.mock_aws`) and behind `moto.server.ThreadedMotoServer` in the same process.

A `RootState` lists each root credential in detail (access key ids, status, creation and last use;
signing certificate ids and status; MFA serial numbers; whether a console password exists), so
that a root session from `sts:AssumeRoot` (rootkeys_dev.org_emulator) can list and delete them.
The account summary and the credential report are computed from the same lists, so they always
agree with what such a session reads. Ids are assigned deterministically per account when a state
is registered: access keys `AKIA` + 16 base32 characters, certificates 24 base32 characters, and
a virtual MFA device `arn:<partition>:iam::<account>:mfa/root-account-mfa-device`. The older
constructor forms still work: `certificates=1` means one active certificate, `mfa=True` one
virtual MFA device.

Partitions: moto takes the partition from the request's region, and IAM's GovCloud and China
endpoints carry none, so an IAM client for us-gov-west-1 gets `arn:aws:` rows unless its endpoint
names the region (tests set AWS_ENDPOINT_URL_IAM=https://iam.us-gov-west-1.amazonaws.com).
"""

import base64
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from moto.core.exceptions import AccessDeniedError
from moto.iam import models as iam_models
from moto.iam import responses as iam_responses
from moto.iam.exceptions import IAMException

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S+00:00"


class ReportInProgressError(IAMException):
    code = "ReportInProgress"


class ReportExpiredError(IAMException):
    code = "ReportExpired"


ROOT_CREATED = datetime(2020, 1, 1, tzinfo=UTC)
VIRTUAL_MFA_NAME = "root-account-mfa-device"


def _derived_id(account_id: str, kind: str, number: int, length: int) -> str:
    """Base32 characters (A-Z, 2-7, as AWS ids use) derived from the account: stable across runs."""
    digest = hashlib.sha256(f"{account_id}/{kind}/{number}".encode()).digest()
    return base64.b32encode(digest).decode()[:length]


@dataclass
class RootKey:
    active: bool = True
    created: datetime = field(default_factory=lambda: datetime(2024, 3, 1, 9, 30, tzinfo=UTC))
    last_used: datetime | None = None
    last_used_region: str | None = None
    last_used_service: str | None = None
    # None: assigned when the state is registered for an account (AKIA + 16 characters).
    access_key_id: str | None = None

    @property
    def status(self) -> str:
        return "Active" if self.active else "Inactive"


@dataclass
class RootCertificate:
    """An X.509 signing certificate of the root user."""

    active: bool = True
    uploaded: datetime = ROOT_CREATED
    # None: assigned when the state is registered for an account (24 characters).
    certificate_id: str | None = None

    @property
    def status(self) -> str:
        return "Active" if self.active else "Inactive"


@dataclass
class RootMfaDevice:
    """An MFA device of the root user; serial None is the account's virtual device ARN."""

    serial_number: str | None = None
    enabled: datetime = field(default_factory=lambda: datetime(2021, 6, 1, 12, 0, tzinfo=UTC))

    def serial(self, account_id: str, partition: str) -> str:
        return self.serial_number or f"arn:{partition}:iam::{account_id}:mfa/{VIRTUAL_MFA_NAME}"


@dataclass
class RootState:
    """The root user of one emulated account and how its credential report behaves.

    `certificates` and `mfa` take either the detailed lists or, as before, a count and a flag;
    read them through `signing_certificates` and `mfa_devices`, which are always lists.
    """

    keys: list[RootKey] = field(default_factory=list)
    certificates: list[RootCertificate] | int = 0
    password: bool = True
    mfa: list[RootMfaDevice] | bool = True
    password_created: datetime = ROOT_CREATED
    # Report behaviour: False models a report generated before the keys were created.
    report_lists_keys: bool = True
    report_has_root_row: bool = True
    report_age: timedelta = timedelta(minutes=5)
    # GenerateCredentialReport answers INPROGRESS this many times before COMPLETE.
    generation_polls: int = 0
    report_expired: bool = False
    denied_actions: frozenset[str] = frozenset()
    calls: list[str] = field(default_factory=list)
    _ids_issued: int = field(default=0, repr=False, compare=False)

    def __post_init__(self) -> None:
        _ = self.signing_certificates, self.mfa_devices  # turn the legacy count and flag into lists

    @property
    def signing_certificates(self) -> list[RootCertificate]:
        if isinstance(self.certificates, int):
            self.certificates = [RootCertificate() for _ in range(self.certificates)]
        return self.certificates

    @property
    def mfa_devices(self) -> list[RootMfaDevice]:
        if isinstance(self.mfa, bool):
            self.mfa = [RootMfaDevice()] if self.mfa else []
        return self.mfa

    def assign_ids(self, account_id: str) -> None:
        """Give every key and certificate without an id a deterministic one for this account."""
        taken = {key.access_key_id for key in self.keys} | {
            cert.certificate_id for cert in self.signing_certificates
        }
        for key in self.keys:
            if key.access_key_id is None:
                key.access_key_id = self._next_id(account_id, "access-key", 16, taken, prefix="AKIA")
        for cert in self.signing_certificates:
            if cert.certificate_id is None:
                cert.certificate_id = self._next_id(account_id, "signing-certificate", 24, taken)

    def _next_id(
        self, account_id: str, kind: str, length: int, taken: set[str | None], prefix: str = ""
    ) -> str:
        while True:
            self._ids_issued += 1
            candidate = prefix + _derived_id(account_id, kind, self._ids_issued, length)
            if candidate not in taken:
                taken.add(candidate)
                return candidate


def _root_row(account_id: str, partition: str, state: RootState) -> str:
    keys = state.keys if state.report_lists_keys else []
    certificates = state.signing_certificates if state.report_lists_keys else []
    created = ROOT_CREATED.strftime(TIME_FORMAT)
    fields = [
        "<root_account>",
        f"arn:{partition}:iam::{account_id}:root",
        created,
        "not_supported",
        "no_information" if state.password else "N/A",
        "not_supported",
        "not_supported",
        "true" if state.mfa_devices else "false",
    ]
    for slot in range(2):
        if slot < len(keys):
            key = keys[slot]
            fields += [
                "true" if key.active else "false",
                key.created.strftime(TIME_FORMAT),
                key.last_used.strftime(TIME_FORMAT) if key.last_used else "N/A",
                key.last_used_region or "N/A",
                key.last_used_service or "N/A",
            ]
        else:
            fields += ["false", "N/A", "N/A", "N/A", "N/A"]
    for slot in range(2):
        if slot < len(certificates):
            cert = certificates[slot]
            fields += ["true" if cert.active else "false", cert.uploaded.strftime(TIME_FORMAT)]
        else:
            fields += ["false", "N/A"]
    return ",".join(fields) + "\n"


class RootUserModel:
    """Registry of RootState per account id; install() patches moto while active."""

    def __init__(self) -> None:
        self._states: dict[str, RootState] = {}
        self._lock = threading.Lock()

    def set(self, account_id: str, state: RootState) -> RootState:
        with self._lock:
            state.assign_ids(account_id)
            self._states[account_id] = state
        return state

    def state(self, account_id: str) -> RootState:
        """The account's root state (one without credentials but a password if none was set)."""
        with self._lock:
            state = self._states.setdefault(account_id, RootState(keys=[], mfa=False))
            state.assign_ids(account_id)  # keys appended after set() get theirs here
            return state

    def clear(self) -> None:
        with self._lock:
            self._states.clear()

    def _check(self, response: Any, action: str) -> RootState:
        state = self.state(response.current_account)
        state.calls.append(action)
        if action in state.denied_actions:
            raise AccessDeniedError(
                f"arn:aws:sts::{response.current_account}:assumed-role/rule/session", f"iam:{action}"
            )
        return state

    @contextmanager
    def install(self) -> Iterator["RootUserModel"]:
        model = self
        original_summary = iam_models.AccountSummary.summary_map
        original_report = iam_models.IAMBackend.get_credential_report
        original_generate = iam_responses.IamResponse.generate_credential_report
        original_get = iam_responses.IamResponse.get_credential_report
        original_get_summary = iam_responses.IamResponse.get_account_summary

        def summary_map(self: Any) -> dict[str, Any]:
            values = dict(original_summary.fget(self))  # type: ignore[attr-defined]
            state = model.state(self._iam_backend.account_id)
            values["AccountAccessKeysPresent"] = 1 if state.keys else 0
            values["AccountSigningCertificatesPresent"] = 1 if state.signing_certificates else 0
            values["AccountPasswordPresent"] = 1 if state.password else 0
            values["AccountMFAEnabled"] = 1 if state.mfa_devices else 0
            return values

        def get_credential_report(self: Any) -> str:
            content = original_report(self)
            state = model.state(self.account_id)
            if state.report_has_root_row:
                header, _, rest = content.partition("\n")
                content = header + "\n" + _root_row(self.account_id, self.partition, state) + rest
            return content

        def generate_response(self: Any) -> Any:
            state = model._check(self, "GenerateCredentialReport")
            state.report_expired = False
            if state.generation_polls > 0:
                state.generation_polls -= 1
                self.backend.generate_report()
                return iam_responses.ActionResult({"State": "INPROGRESS"})
            return original_generate(self)

        def get_response(self: Any) -> Any:
            state = model._check(self, "GetCredentialReport")
            if state.report_expired:
                raise ReportExpiredError("The credential report has expired")
            if state.generation_polls > 0 and self.backend.report_generated():
                raise ReportInProgressError("The credential report is being generated")
            result = original_get(self)
            generated = datetime.now(UTC) - state.report_age
            result.result["GeneratedTime"] = generated.strftime("%Y-%m-%dT%H:%M:%SZ")
            return result

        def summary_response(self: Any) -> Any:
            model._check(self, "GetAccountSummary")
            return original_get_summary(self)

        iam_models.AccountSummary.summary_map = property(summary_map)  # type: ignore[method-assign,assignment]
        iam_models.IAMBackend.get_credential_report = get_credential_report  # type: ignore[method-assign]
        iam_responses.IamResponse.generate_credential_report = generate_response  # type: ignore[method-assign]
        iam_responses.IamResponse.get_credential_report = get_response  # type: ignore[method-assign]
        iam_responses.IamResponse.get_account_summary = summary_response  # type: ignore[method-assign]
        try:
            yield self
        finally:
            iam_models.AccountSummary.summary_map = original_summary  # type: ignore[method-assign]
            iam_models.IAMBackend.get_credential_report = original_report  # type: ignore[method-assign]
            iam_responses.IamResponse.generate_credential_report = original_generate  # type: ignore[method-assign]
            iam_responses.IamResponse.get_credential_report = original_get  # type: ignore[method-assign]
            iam_responses.IamResponse.get_account_summary = original_get_summary  # type: ignore[method-assign]
