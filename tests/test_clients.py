"""The own-role client cache does what clients.py says: a new identity or endpoint gets a new client."""

from root_access_keys.budget import CLI_POLICY, LAMBDA_POLICY
from root_access_keys.clients import own_role_client


def test_the_same_environment_reuses_the_client_across_invocations():
    assert own_role_client("iam", "us-east-1", LAMBDA_POLICY) is own_role_client(
        "iam", "us-east-1", LAMBDA_POLICY
    )


def test_rotated_environment_credentials_get_a_new_client(monkeypatch):
    first = own_role_client("iam", "us-east-1", LAMBDA_POLICY)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ASIAROTATEDKEY000001")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "rotated-secret")
    second = own_role_client("iam", "us-east-1", LAMBDA_POLICY)
    assert second is not first
    assert second._request_signer._credentials.access_key == "ASIAROTATEDKEY000001"
    assert first._request_signer._credentials.access_key == "testing"


def test_another_endpoint_region_or_policy_gets_a_new_client(monkeypatch):
    base = own_role_client("iam", "us-east-1", LAMBDA_POLICY)
    assert own_role_client("iam", "us-west-2", LAMBDA_POLICY) is not base
    assert own_role_client("iam", "us-east-1", CLI_POLICY) is not base
    monkeypatch.setenv("AWS_ENDPOINT_URL_IAM", "http://127.0.0.1:1")
    moved = own_role_client("iam", "us-east-1", LAMBDA_POLICY)
    assert moved is not base
    assert moved.meta.endpoint_url == "http://127.0.0.1:1"
