"""The environment every benchmark process uses: fake credentials aimed at the local moto server."""

import os
import urllib.request

REGION = "us-east-1"
CLEARED = (
    "AWS_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_RETRY_MODE",
    "AWS_MAX_ATTEMPTS",
    "AWS_LAMBDA_LOG_LEVEL",
    "MOTO_ACCOUNT_ID",
)


def aws_environment(endpoint: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in CLEARED}
    env.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106 - moto's fake credentials
        AWS_DEFAULT_REGION=REGION,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def use_in_this_process(endpoint: str) -> None:
    for name in CLEARED:
        os.environ.pop(name, None)
    os.environ.update(aws_environment(endpoint))


def reset_moto(endpoint: str) -> None:
    """Forget every resource moto holds (credential reports, assumed-role keys); root states stay."""
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")  # noqa: S310 - local
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - local
        response.read()
