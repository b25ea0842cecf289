"""A local AWS for development runs: moto's HTTP server on 127.0.0.1 and an environment pointing at it."""

import logging
import os
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from root_access_keys.clients import clear_client_cache

REGION = "us-east-1"
ENV_NAMES = (
    "AWS_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_RETRY_MODE",
    "AWS_MAX_ATTEMPTS",
    "MOTO_ACCOUNT_ID",
)


@contextmanager
def emulator_environment(endpoint: str) -> Iterator[None]:
    # Service-specific endpoint overrides (AWS_ENDPOINT_URL_IAM, ...) would bypass the emulator.
    names = {*ENV_NAMES, *(name for name in os.environ if name.startswith("AWS_ENDPOINT_URL_"))}
    saved = {name: os.environ.get(name) for name in names}
    for name in names:
        os.environ.pop(name, None)
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "demo",
            "AWS_SECRET_ACCESS_KEY": "demo",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }
    )
    clear_client_cache()
    try:
        yield
    finally:
        clear_client_cache()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def local_emulator() -> Iterator[str]:
    """A moto server on 127.0.0.1 with a free port, reset before use; yields its endpoint URL."""
    # The emulator's HTTP server logs every request to stderr; only its errors matter here.
    server_log = logging.getLogger("werkzeug")
    server_level = server_log.level
    server_log.setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")  # noqa: S310 - local http
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            response.read()
        yield endpoint
    finally:
        server.stop()
        server_log.setLevel(server_level)
