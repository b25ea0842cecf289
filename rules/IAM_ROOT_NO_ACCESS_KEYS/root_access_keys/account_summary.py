"""The root-credential flags of iam:GetAccountSummary, read strictly."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from .errors import AccountSummaryFormatError
from .evidence import Origin

ACCESS_KEYS_PRESENT = "AccountAccessKeysPresent"
SIGNING_CERTIFICATES_PRESENT = "AccountSigningCertificatesPresent"
PASSWORD_PRESENT = "AccountPasswordPresent"  # noqa: S105 - a summary key name
MFA_ENABLED = "AccountMFAEnabled"


@dataclass(frozen=True)
class AccountSummary:
    """The root user's flags. None means the summary did not carry the entry."""

    access_keys_present: int | None
    signing_certificates_present: int | None = None
    password_present: int | None = None
    mfa_enabled: int | None = None
    origin: Origin = Origin.LIVE
    read_at: datetime | None = None  # when a live summary was read; exported ones carry no time

    @property
    def root_has_no_credentials(self) -> bool:
        """True only when the summary positively shows no root password, key, certificate or MFA."""
        return (
            self.access_keys_present == 0
            and self.signing_certificates_present == 0
            and self.password_present == 0
            and self.mfa_enabled == 0
        )


def _count(summary_map: Mapping[str, object], name: str, *, required: bool) -> int | None:
    value = summary_map.get(name)
    if value is None:
        if required:
            raise AccountSummaryFormatError(f"The account summary has no {name} entry")
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise AccountSummaryFormatError(f"The account summary entry {name} is not a count: {value!r:.40}")
    return value


KNOWN_ENTRIES = (ACCESS_KEYS_PRESENT, SIGNING_CERTIFICATES_PRESENT, PASSWORD_PRESENT, MFA_ENABLED)


def parse_summary_map(
    summary_map: object, *, origin: Origin = Origin.LIVE, read_at: datetime | None = None
) -> AccountSummary:
    """Read a SummaryMap (the dict boto3 returns). A live one must have AccountAccessKeysPresent;
    an exported one may lack it (then it says nothing about keys) but must carry a root entry."""
    if not isinstance(summary_map, Mapping):
        raise AccountSummaryFormatError("The account summary's SummaryMap is not an object")
    if origin is Origin.EXPORTED and not any(name in summary_map for name in KNOWN_ENTRIES):
        raise AccountSummaryFormatError(f"The account summary has no {ACCESS_KEYS_PRESENT} entry")
    return AccountSummary(
        access_keys_present=_count(summary_map, ACCESS_KEYS_PRESENT, required=origin is Origin.LIVE),
        signing_certificates_present=_count(summary_map, SIGNING_CERTIFICATES_PRESENT, required=False),
        password_present=_count(summary_map, PASSWORD_PRESENT, required=False),
        mfa_enabled=_count(summary_map, MFA_ENABLED, required=False),
        origin=origin,
        read_at=read_at,
    )
