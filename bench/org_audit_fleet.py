"""The organization `rootkeys org-audit` is benchmarked on: member accounts with mixed root states.

Every member gets one `Kind`, deterministically from its position, and each kind says what the
audit must report for it with the default rule options. The expectations are written out here
from the rule's documented semantics, not computed with the rule's code, so that the benchmark
can catch a wrong verdict instead of repeating it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from rootkeys_dev.emulator import RootCertificate, RootKey, RootMfaDevice, RootState


class Kind(StrEnum):
    NOTHING = "no credentials at all"
    CONSOLE_MFA = "password and MFA"
    CONSOLE_ONLY = "password, no MFA"
    ACTIVE_KEY = "one active key"
    INACTIVE_KEYS = "two inactive keys"
    ACTIVE_AND_INACTIVE = "an active and an inactive key"
    CERTIFICATE = "a signing certificate, no key"
    SUSPENDED = "suspended account"
    ASSUME_ROOT_DENIED = "AssumeRoot denied (as by an SCP)"


@dataclass(frozen=True)
class Expected:
    status: str  # the JSON document's status: audited, could_not_audit or skipped
    compliance: str | None
    reason: str | None


EXPECTED: dict[Kind, Expected] = {
    Kind.NOTHING: Expected("audited", "COMPLIANT", "no_root_credentials"),
    Kind.CONSOLE_MFA: Expected("audited", "COMPLIANT", "no_key"),
    Kind.CONSOLE_ONLY: Expected("audited", "COMPLIANT", "no_key"),
    Kind.ACTIVE_KEY: Expected("audited", "NON_COMPLIANT", "keys_present"),
    # IgnoreInactiveKeys defaults to false: CIS counts every key, active or not.
    Kind.INACTIVE_KEYS: Expected("audited", "NON_COMPLIANT", "keys_present"),
    Kind.ACTIVE_AND_INACTIVE: Expected("audited", "NON_COMPLIANT", "keys_present"),
    # IncludeSigningCertificates defaults to false; a certificate is still a root credential.
    Kind.CERTIFICATE: Expected("audited", "COMPLIANT", "no_key"),
    Kind.SUSPENDED: Expected("skipped", None, None),
    Kind.ASSUME_ROOT_DENIED: Expected("could_not_audit", None, None),
}
# The management account is audited with the caller's credentials (AssumeRoot cannot target it).
MANAGEMENT_STATE_EXPECTED = Expected("audited", "COMPLIANT", "no_key")

# The ordinary kinds, in a repeating pattern: most roots are clean, one in three holds something.
PATTERN = (
    Kind.NOTHING,
    Kind.NOTHING,
    Kind.NOTHING,
    Kind.CONSOLE_MFA,
    Kind.CONSOLE_MFA,
    Kind.CONSOLE_ONLY,
    Kind.ACTIVE_KEY,
    Kind.INACTIVE_KEYS,
    Kind.ACTIVE_AND_INACTIVE,
    Kind.CERTIFICATE,
)
DENIED_MEMBERS = 2


@dataclass(frozen=True)
class MemberPlan:
    name: str
    kind: Kind


def plan_fleet(count: int) -> list[MemberPlan]:
    """`count` members: the pattern, with one suspended account per 200 (at least one) and two
    accounts AssumeRoot is denied for inserted, spread through the fleet, so that every kind of
    the pattern keeps its members."""
    if count < 20:
        raise ValueError(f"a fleet of {count} members is too small to hold every kind; use 20 or more")
    suspended = max(1, count // 200)
    special: dict[int, Kind] = {}
    wanted = [((number * 2 + 1) * count // (2 * suspended), Kind.SUSPENDED) for number in range(suspended)]
    wanted += [
        ((number * 2 + 1) * count // (2 * DENIED_MEMBERS) + 1, Kind.ASSUME_ROOT_DENIED)
        for number in range(DENIED_MEMBERS)
    ]
    for start, kind in wanted:
        position = start
        while position in special:
            position += 1
        special[position] = kind
    ordinary = iter(PATTERN[index % len(PATTERN)] for index in range(count - len(special)))
    kinds = [special[index] if index in special else next(ordinary) for index in range(count)]
    return [MemberPlan(f"bench-{index:04d}", kind) for index, kind in enumerate(kinds)]


ROOT_STATES: dict[Kind, Callable[[], RootState]] = {
    Kind.NOTHING: lambda: RootState(keys=[], password=False, mfa=False),
    Kind.CONSOLE_MFA: lambda: RootState(keys=[], password=True, mfa=[RootMfaDevice()]),
    Kind.CONSOLE_ONLY: lambda: RootState(keys=[], password=True, mfa=False),
    Kind.ACTIVE_KEY: lambda: RootState(keys=[RootKey(active=True)], password=True, mfa=True),
    Kind.INACTIVE_KEYS: lambda: RootState(
        keys=[RootKey(active=False), RootKey(active=False)], password=True, mfa=False
    ),
    Kind.ACTIVE_AND_INACTIVE: lambda: RootState(
        keys=[RootKey(active=True), RootKey(active=False)], password=True, mfa=True
    ),
    Kind.CERTIFICATE: lambda: RootState(keys=[], certificates=[RootCertificate()], password=False, mfa=False),
    # Suspended and denied members hold a key: the audit must report them without reading it.
    Kind.SUSPENDED: lambda: RootState(keys=[RootKey(active=True)], password=True, mfa=True),
    Kind.ASSUME_ROOT_DENIED: lambda: RootState(keys=[RootKey(active=True)], password=True, mfa=True),
}


def root_state(kind: Kind) -> RootState:
    return ROOT_STATES[kind]()


def management_state() -> RootState:
    return RootState(keys=[], password=True, mfa=True)
