"""The demo's named root-user scenarios and what each must produce."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from root_access_keys.budget import FUNCTION_TIMEOUT_SECONDS, LAMBDA_POLICY

from .emulator import RootKey, RootState

ERROR = "ERROR"
# What the handler's budget keeps back from evidence gathering, and one minimal call.
_KEPT = LAMBDA_POLICY.record_reserve + LAMBDA_POLICY.exit_margin
_ONE_CALL = LAMBDA_POLICY.min_attempt_seconds
_LAST_USED = datetime(2026, 11, 20, 14, 5, tzinfo=UTC)


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    state: Callable[[], RootState]
    expected: str  # COMPLIANT, NON_COMPLIANT or ERROR
    expected_text: str  # must appear in the annotation (or the error)
    rule_parameters: Mapping[str, str] = field(default_factory=dict)
    budget_seconds: float = FUNCTION_TIMEOUT_SECONDS
    # A credential report already exists when the rule runs (the usual case in a real account).
    report_exists: bool = True
    expected_calls: tuple[str, ...] | None = None


def used_key() -> RootKey:
    return RootKey(
        active=True,
        last_used=_LAST_USED,
        last_used_region="eu-west-1",
        last_used_service="s3",
    )


FAST_PATH_CALLS = ("iam:GetAccountSummary", "config:PutEvaluations")

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "no-keys",
        "root has a password and MFA, no access key",
        lambda: RootState(keys=[]),
        "COMPLIANT",
        "No root access key exists",
        expected_calls=FAST_PATH_CALLS,
    ),
    Scenario(
        "centrally-managed",
        "root has no credentials at all (Organizations central root access)",
        lambda: RootState(keys=[], password=False, mfa=False),
        "COMPLIANT",
        "centrally managed",
        expected_calls=FAST_PATH_CALLS,
    ),
    Scenario(
        "one-active-key",
        "one active key, last used for S3",
        lambda: RootState(keys=[used_key()]),
        "NON_COMPLIANT",
        "1 active, 0 inactive",
        expected_calls=("iam:GetAccountSummary", "iam:GetCredentialReport", "config:PutEvaluations"),
    ),
    Scenario(
        "inactive-key-only",
        "one inactive key, never used",
        lambda: RootState(keys=[RootKey(active=False)]),
        "NON_COMPLIANT",
        "0 active, 1 inactive",
    ),
    Scenario(
        "inactive-key-ignored",
        "the same, with IgnoreInactiveKeys=true",
        lambda: RootState(keys=[RootKey(active=False)]),
        "COMPLIANT",
        "inactive keys are accepted",
        rule_parameters={"IgnoreInactiveKeys": "true"},
    ),
    Scenario(
        "two-keys",
        "one active key in use and one inactive key",
        lambda: RootState(keys=[used_key(), RootKey(active=False)]),
        "NON_COMPLIANT",
        "1 active, 1 inactive",
    ),
    Scenario(
        "stale-report",
        "a key exists but the report predates it",
        lambda: RootState(keys=[RootKey(active=True)], report_lists_keys=False),
        "NON_COMPLIANT",
        "stale",
    ),
    Scenario(
        "report-generating",
        "report expired; generation takes one poll, then completes",
        lambda: RootState(keys=[used_key()], report_expired=True, generation_polls=1),
        "NON_COMPLIANT",
        "1 active, 0 inactive",
        budget_seconds=_KEPT + _ONE_CALL + 4.0,  # room for one 1 s wait
        report_exists=False,
    ),
    Scenario(
        "report-past-budget",
        "report still generating when the Lambda's time budget runs out",
        lambda: RootState(keys=[used_key()], report_expired=True, generation_polls=100),
        "NON_COMPLIANT",
        "time budget reached",
        budget_seconds=_KEPT + _ONE_CALL + 0.5,  # no room for any wait
        report_exists=False,
    ),
    Scenario(
        "report-denied",
        "the role lacks iam:GetCredentialReport",
        lambda: RootState(keys=[used_key()], denied_actions=frozenset({"GetCredentialReport"})),
        "NON_COMPLIANT",
        "detail unavailable: iam:GetCredentialReport denied",
    ),
    Scenario(
        "summary-denied",
        "the role lacks iam:GetAccountSummary: nothing can be decided",
        lambda: RootState(keys=[used_key()], denied_actions=frozenset({"GetAccountSummary"})),
        ERROR,
        "iam:GetAccountSummary denied",
    ),
    Scenario(
        "signing-certificate",
        "no key but an X.509 signing certificate; IncludeSigningCertificates is true",
        lambda: RootState(keys=[], certificates=1),
        "NON_COMPLIANT",
        "signing certificates",
        rule_parameters={"IncludeSigningCertificates": "true"},
    ),
    Scenario(
        "bad-parameter",
        'IgnoreInactiveKeys="yes": rejected, no evaluation written',
        lambda: RootState(keys=[]),
        ERROR,
        "IgnoreInactiveKeys must be",
        rule_parameters={"IgnoreInactiveKeys": "yes"},
    ),
)
