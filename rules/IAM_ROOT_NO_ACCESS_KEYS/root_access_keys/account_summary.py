"""The root-credential flags of iam:GetAccountSummary, read strictly."""

from collections.abc import Mapping
from dataclasses import dataclass

from .errors import AccountSummaryFormatError
from .evidence import Origin

ACCESS_KEYS_PRESENT = "AccountAccessKeysPresent"
SIGNING_CERTIFICATES_PRESENT = "AccountSigningCertificatesPresent"
PASSWORD_PRESENT = "AccountPasswordPresent"  # noqa: S105 - a summary key name
MFA_ENABLED = "AccountMFAEnabled"


@dataclass(frozen=True)
class AccountSummary:
    """Live flags for the root user. None means the summary did not carry the entry."""

    access_keys_present: int
    signing_certificates_present: int | None = None
    password_present: int | None = None
    mfa_enabled: int | None = None
    origin: Origin = Origin.LIVE

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


def parse_summary_map(summary_map: object, *, origin: Origin = Origin.LIVE) -> AccountSummary:
    """Read a SummaryMap (the dict boto3 returns). AccountAccessKeysPresent is required."""
    if not isinstance(summary_map, Mapping):
        raise AccountSummaryFormatError("The account summary's SummaryMap is not an object")
    return AccountSummary(
        access_keys_present=_count(summary_map, ACCESS_KEYS_PRESENT, required=True) or 0,
        signing_certificates_present=_count(summary_map, SIGNING_CERTIFICATES_PRESENT, required=False),
        password_present=_count(summary_map, PASSWORD_PRESENT, required=False),
        mfa_enabled=_count(summary_map, MFA_ENABLED, required=False),
        origin=origin,
    )
