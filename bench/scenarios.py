"""Root-user states the benchmark evaluates, and the verdict each must produce."""

from dataclasses import dataclass
from datetime import UTC, datetime

from rootkeys_dev.emulator import RootKey, RootState

OWN_ACCOUNT = "123456789012"  # moto's account for the function's own credentials
ORG_ROLE_NAME = "RootKeysOrgEvaluationRole"
MEMBER_ACCOUNT_BASE = 200_000_000_000


@dataclass(frozen=True)
class Scenario:
    name: str
    state: RootState
    expected: str
    # A credential report already exists (the steady state after the first daily run).
    report_exists: bool


def _used_key(active: bool) -> RootKey:
    return RootKey(
        active=active,
        last_used=datetime(2026, 11, 20, 8, 0, tzinfo=UTC),
        last_used_region="us-east-1",
        last_used_service="s3",
    )


def api_call_scenarios() -> list[Scenario]:
    return [
        Scenario("compliant", RootState(keys=[]), "COMPLIANT", report_exists=False),
        Scenario("one active key", RootState(keys=[_used_key(True)]), "NON_COMPLIANT", report_exists=True),
        Scenario(
            "inactive keys only", RootState(keys=[_used_key(False)]), "NON_COMPLIANT", report_exists=True
        ),
        Scenario(
            "report generating",
            RootState(keys=[_used_key(True)], generation_polls=1),
            "NON_COMPLIANT",
            report_exists=False,
        ),
    ]


def member_accounts(count: int) -> list[str]:
    return [str(MEMBER_ACCOUNT_BASE + index) for index in range(count)]


def member_state(index: int) -> tuple[RootState, str]:
    """Every tenth member has an active root key, every tenth (offset 1) an inactive one."""
    if index % 10 == 0:
        return RootState(keys=[_used_key(True)]), "NON_COMPLIANT"
    if index % 10 == 1:
        return RootState(keys=[RootKey(active=False)]), "NON_COMPLIANT"
    return RootState(keys=[], mfa=index % 2 == 0), "COMPLIANT"
