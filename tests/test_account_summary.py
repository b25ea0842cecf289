"""The SummaryMap of iam:GetAccountSummary, read strictly."""

import pytest
from root_access_keys.account_summary import AccountSummary, parse_summary_map
from root_access_keys.errors import AccountSummaryFormatError

# Shape of a real response's SummaryMap (values are counts; root flags are 0/1).
REAL_MAP = {
    "GroupPolicySizeQuota": 5120,
    "InstanceProfilesQuota": 1000,
    "Policies": 12,
    "GroupsPerUserQuota": 10,
    "InstanceProfiles": 3,
    "AttachedPoliciesPerUserQuota": 10,
    "Users": 7,
    "PoliciesQuota": 1500,
    "Providers": 1,
    "AccountMFAEnabled": 1,
    "AccessKeysPerUserQuota": 2,
    "AssumeRolePolicySizeQuota": 2048,
    "PolicyVersionsInUseQuota": 10000,
    "GlobalEndpointTokenVersion": 1,
    "VersionsPerPolicyQuota": 5,
    "AttachedPoliciesPerGroupQuota": 10,
    "PolicySizeQuota": 6144,
    "Groups": 2,
    "AccountSigningCertificatesPresent": 0,
    "UsersQuota": 5000,
    "ServerCertificatesQuota": 20,
    "MFADevices": 2,
    "UserPolicySizeQuota": 2048,
    "PolicyVersionsInUse": 20,
    "ServerCertificates": 0,
    "Roles": 40,
    "RolesQuota": 1000,
    "SigningCertificatesPerUserQuota": 2,
    "MFADevicesInUse": 2,
    "RolePolicySizeQuota": 10240,
    "AttachedPoliciesPerRoleQuota": 10,
    "AccountAccessKeysPresent": 1,
    "AccountPasswordPresent": 1,
    "GroupsQuota": 300,
}


def test_real_summary_map_reads_the_root_flags():
    assert parse_summary_map(REAL_MAP) == AccountSummary(
        access_keys_present=1, signing_certificates_present=0, password_present=1, mfa_enabled=1
    )


def test_only_access_keys_present_is_required():
    parsed = parse_summary_map({"AccountAccessKeysPresent": 0})
    assert parsed == AccountSummary(access_keys_present=0)
    assert parsed.root_has_no_credentials is False  # unknown flags are not "no credentials"


def test_root_has_no_credentials_only_when_every_flag_is_zero():
    flags = {
        "AccountAccessKeysPresent": 0,
        "AccountSigningCertificatesPresent": 0,
        "AccountPasswordPresent": 0,
        "AccountMFAEnabled": 0,
    }
    assert parse_summary_map(flags).root_has_no_credentials is True
    for name in flags:
        assert parse_summary_map({**flags, name: 1}).root_has_no_credentials is False


def test_missing_access_keys_entry_is_an_error():
    without = {k: v for k, v in REAL_MAP.items() if k != "AccountAccessKeysPresent"}
    with pytest.raises(AccountSummaryFormatError, match="no AccountAccessKeysPresent entry"):
        parse_summary_map(without)


@pytest.mark.parametrize("value", ["1", 1.0, True, -1, [1]])
def test_non_count_values_are_errors_naming_the_entry(value):
    with pytest.raises(AccountSummaryFormatError, match="AccountAccessKeysPresent is not a count"):
        parse_summary_map({"AccountAccessKeysPresent": value})
    with pytest.raises(AccountSummaryFormatError, match="AccountMFAEnabled is not a count"):
        parse_summary_map({"AccountAccessKeysPresent": 0, "AccountMFAEnabled": value})


@pytest.mark.parametrize("summary_map", [None, [], "AccountAccessKeysPresent=0", 0])
def test_summary_map_must_be_an_object(summary_map):
    with pytest.raises(AccountSummaryFormatError, match="not an object"):
        parse_summary_map(summary_map)
